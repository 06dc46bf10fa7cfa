//! proptest strategies for every wire type, shared by the integration tests.

#![allow(dead_code)]

use natter_core::body::{Attachment, Custom, Location};
use natter_core::frame::client::*;
use natter_core::frame::group::*;
use natter_core::frame::server::*;
use natter_core::{
    Body, ClientFrame, Conversation, DeviceId, Entry, ErrorCode, Ext, GroupId, Message, MessageId,
    Millis, Priority, PushInfo, RequestId, Seq, ServerFrame, ThreadId, Tombstone, UserId,
};
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::strategy::Union;
use serde_json::{Map, Value};

const ID_CHARS: &str = "[A-Za-z0-9_.@:-]{1,64}";

pub(crate) fn text() -> BoxedStrategy<String> {
    any::<String>().boxed()
}

pub(crate) fn user() -> BoxedStrategy<UserId> {
    ID_CHARS
        .prop_map(|s| UserId::new(s).expect("valid by construction"))
        .boxed()
}
pub(crate) fn device() -> BoxedStrategy<DeviceId> {
    ID_CHARS
        .prop_map(|s| DeviceId::new(s).expect("valid by construction"))
        .boxed()
}
pub(crate) fn group() -> BoxedStrategy<GroupId> {
    ID_CHARS
        .prop_map(|s| GroupId::new(s).expect("valid by construction"))
        .boxed()
}
pub(crate) fn thread() -> BoxedStrategy<ThreadId> {
    ID_CHARS
        .prop_map(|s| ThreadId::new(s).expect("valid by construction"))
        .boxed()
}
pub(crate) fn req() -> BoxedStrategy<RequestId> {
    ID_CHARS
        .prop_map(|s| RequestId::new(s).expect("valid by construction"))
        .boxed()
}
pub(crate) fn mid() -> BoxedStrategy<MessageId> {
    any::<u64>().prop_map(MessageId).boxed()
}
pub(crate) fn seq() -> BoxedStrategy<Seq> {
    (0u64..1 << 53).prop_map(Seq).boxed()
}
pub(crate) fn ms() -> BoxedStrategy<Millis> {
    (0u64..1 << 53).prop_map(Millis).boxed()
}
pub(crate) fn users() -> BoxedStrategy<Vec<UserId>> {
    vec(user(), 0..4).boxed()
}

pub(crate) fn conversation() -> BoxedStrategy<Conversation> {
    prop_oneof![
        user().prop_map(Conversation::Single),
        group().prop_map(Conversation::Group),
        group().prop_map(Conversation::Room),
        thread().prop_map(Conversation::Thread),
    ]
    .boxed()
}

pub(crate) fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e15f64..1e15).prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            btree_map(text(), inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

pub(crate) fn ext() -> BoxedStrategy<Ext> {
    btree_map(text(), json_value(), 0..3)
        .prop_map(|m| Ext(m.into_iter().collect::<Map<_, _>>()))
        .boxed()
}

fn attachment() -> BoxedStrategy<Box<Attachment>> {
    (
        text(),
        text(),
        any::<u64>(),
        option::of(text()),
        (option::of(any::<u32>()), option::of(any::<u32>())),
        option::of(any::<u64>()),
        option::of(text()),
    )
        .prop_map(
            |(url, name, size, mime, (width, height), duration_ms, thumbnail)| {
                Box::new({
                    let mut f = Attachment::new(url, name, size);
                    f.mime = mime;
                    f.width = width;
                    f.height = height;
                    f.duration_ms = duration_ms;
                    f.thumbnail = thumbnail;
                    f
                })
            },
        )
        .boxed()
}

pub(crate) fn body() -> BoxedStrategy<Body> {
    prop_oneof![
        text().prop_map(|text| Body::Text { text }),
        text().prop_map(|text| Body::Emoji { text }),
        (any::<u32>(), text()).prop_map(|(index, data)| Body::Face { index, data }),
        attachment().prop_map(Body::Image),
        attachment().prop_map(Body::File),
        attachment().prop_map(Body::Audio),
        attachment().prop_map(Body::Video),
        (-90.0f64..90.0, -180.0f64..180.0, text(), text()).prop_map(|(lat, lng, address, name)| {
            Body::Location(Box::new({
                let mut f = Location::new(lat, lng);
                f.address = address;
                f.name = name;
                f
            }))
        }),
        text().prop_map(|action| Body::Command { action }),
        (
            text(),
            btree_map(text(), text(), 0..3),
            text(),
            text(),
            text()
        )
            .prop_map(|(event, params, data, description, extension)| {
                Body::Custom(Box::new({
                    let mut f = Custom::new(event);
                    f.params = params;
                    f.data = data;
                    f.description = description;
                    f.extension = extension;
                    f
                }))
            }),
    ]
    .boxed()
}

pub(crate) fn priority() -> BoxedStrategy<Priority> {
    prop_oneof![
        Just(Priority::High),
        Just(Priority::Normal),
        Just(Priority::Low),
        Just(Priority::Lowest)
    ]
    .boxed()
}

pub(crate) fn push() -> BoxedStrategy<PushInfo> {
    (
        option::of(text()),
        option::of(text()),
        ext(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(title, description, extension, disable, ignore_badge)| {
            let mut f = PushInfo::default();
            f.title = title;
            f.description = description;
            f.extension = extension;
            f.disable = disable;
            f.ignore_badge = ignore_badge;
            f
        })
        .boxed()
}

pub(crate) fn message() -> BoxedStrategy<Message> {
    (
        (mid(), user(), conversation(), ms(), option::of(req())),
        (body(), ext(), priority(), any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |((mid, from, to, ts, req), (body, ext, priority, online_only, group_ack))| {
                let mut f = Message::new(mid, from, to, ts, body);
                f.req = req;
                f.ext = ext;
                f.priority = priority;
                f.online_only = online_only;
                f.group_ack = group_ack;
                f
            },
        )
        .boxed()
}

pub(crate) fn tombstone() -> BoxedStrategy<Tombstone> {
    (mid(), user(), conversation(), ms(), user(), ms())
        .prop_map(|(mid, from, to, ts, recalled_by, recalled_at)| {
            Tombstone::new(mid, from, to, ts, recalled_by, recalled_at)
        })
        .boxed()
}

pub(crate) fn entry() -> BoxedStrategy<Entry> {
    prop_oneof![
        message().prop_map(|m| Entry::Message(std::sync::Arc::new(m))),
        tombstone().prop_map(Entry::Tombstone)
    ]
    .boxed()
}

fn receipt_kind() -> BoxedStrategy<ReceiptKind> {
    prop_oneof![Just(ReceiptKind::Delivered), Just(ReceiptKind::Read)].boxed()
}

fn page() -> BoxedStrategy<u16> {
    any::<u16>().boxed()
}

fn thread_info() -> BoxedStrategy<ThreadInfo> {
    (
        thread(),
        group(),
        mid(),
        text(),
        user(),
        ms(),
        any::<u32>(),
        option::of(entry()),
    )
        .prop_map(|(thread, group, root, name, owner, created, count, last)| {
            let mut f = ThreadInfo::new(thread, group, root, name, owner, created, count);
            f.last = last;
            f
        })
        .boxed()
}

fn conv_info() -> BoxedStrategy<ConversationInfo> {
    (
        conversation(),
        any::<u32>(),
        option::of(entry()),
        option::of(text()),
        option::of(ms()),
    )
        .prop_map(|(conv, unread, last, name, peer_read)| {
            let mut f = ConversationInfo::new(conv, unread);
            f.last = last;
            f.name = name;
            f.peer_read = peer_read;
            f
        })
        .boxed()
}

/// One strategy per client frame type, named by the type.
pub(crate) fn client_frames() -> Vec<(&'static str, BoxedStrategy<ClientFrame>)> {
    use ClientFrame as C;
    let thread_ref = || (req(), thread()).prop_map(|(id, thread)| ThreadRef::new(id, thread));
    let group_ref = || (req(), group()).prop_map(|(id, group)| GroupRef::new(id, group));
    let group_users = || {
        (req(), group(), users()).prop_map(|(id, group, users)| GroupUsers::new(id, group, users))
    };
    let user_ref = || (req(), user()).prop_map(|(id, user)| UserRef::new(id, user));
    let message_ref = || (req(), mid()).prop_map(|(id, mid)| MessageRef::new(id, mid));
    vec![
        (
            "hello",
            (
                vec(any::<u16>(), 0..4),
                text(),
                device(),
                seq(),
                option::of(text()),
            )
                .prop_map(|(versions, token, device, last_seq, agent)| {
                    C::Hello({
                        let mut f = Hello::new(versions, token, device);
                        f.last_seq = last_seq;
                        f.agent = agent;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "ping",
            option::of(any::<u64>())
                .prop_map(|nonce| {
                    C::Ping({
                        let mut f = Heartbeat::new();
                        f.nonce = nonce;
                        f
                    })
                })
                .boxed(),
        ),
        ("ack", seq().prop_map(|seq| C::Ack(Ack::new(seq))).boxed()),
        (
            "send",
            (
                (req(), conversation(), body()),
                (
                    ext(),
                    priority(),
                    any::<bool>(),
                    any::<bool>(),
                    option::of(push().prop_map(Box::new)),
                ),
            )
                .prop_map(
                    |((id, to, body), (ext, priority, online_only, group_ack, push))| {
                        C::Send({
                            let mut f = Send::new(id, to, body);
                            f.ext = ext;
                            f.priority = priority;
                            f.online_only = online_only;
                            f.group_ack = group_ack;
                            f.push = push;
                            f
                        })
                    },
                )
                .boxed(),
        ),
        ("recall", message_ref().prop_map(C::Recall).boxed()),
        (
            "receipt",
            (req(), receipt_kind(), mid())
                .prop_map(|(id, kind, mid)| C::Receipt(Receipt::new(id, kind, mid)))
                .boxed(),
        ),
        (
            "conv_read",
            (req(), conversation(), option::of(mid()))
                .prop_map(|(id, conv, upto)| {
                    C::ConvRead({
                        let mut f = ConvRead::new(id, conv);
                        f.upto = upto;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "group_read",
            (req(), mid(), option::of(text()))
                .prop_map(|(id, mid, content)| {
                    C::GroupRead({
                        let mut f = GroupRead::new(id, mid);
                        f.content = content;
                        f
                    })
                })
                .boxed(),
        ),
        ("read_by", message_ref().prop_map(C::ReadBy).boxed()),
        (
            "thread_create",
            (req(), group(), mid(), text())
                .prop_map(|(id, group, root, name)| {
                    C::ThreadCreate(ThreadCreate::new(id, group, root, name))
                })
                .boxed(),
        ),
        ("thread_join", thread_ref().prop_map(C::ThreadJoin).boxed()),
        (
            "thread_leave",
            thread_ref().prop_map(C::ThreadLeave).boxed(),
        ),
        (
            "thread_destroy",
            thread_ref().prop_map(C::ThreadDestroy).boxed(),
        ),
        (
            "history",
            (
                req(),
                conversation(),
                option::of(mid()),
                prop_oneof![Just(Direction::Before), Just(Direction::After)],
                page(),
            )
                .prop_map(|(id, conv, cursor, direction, limit)| {
                    C::History({
                        let mut f = HistoryQuery::new(id, conv);
                        f.cursor = cursor;
                        f.direction = direction;
                        f.limit = limit;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "conv_list",
            (req(), option::of(text()), page())
                .prop_map(|(id, cursor, limit)| {
                    C::ConvList({
                        let mut f = ConvListQuery::new(id);
                        f.cursor = cursor;
                        f.limit = limit;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "conv_profile",
            (req(), conversation())
                .prop_map(|(id, conv)| C::ConvProfile(ConvRef::new(id, conv)))
                .boxed(),
        ),
        (
            "conv_delete",
            (req(), conversation(), any::<bool>())
                .prop_map(|(id, conv, history)| {
                    C::ConvDelete({
                        let mut f = ConvDelete::new(id, conv);
                        f.history = history;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "group_create",
            (
                req(),
                prop_oneof![Just(GroupKind::Group), Just(GroupKind::Room)],
                text(),
                text(),
                users(),
                any::<bool>(),
            )
                .prop_map(|(id, kind, name, description, members, approval)| {
                    C::GroupCreate({
                        let mut f = GroupCreate::new(id, name);
                        f.kind = kind;
                        f.description = description;
                        f.members = members;
                        f.approval = approval;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "group_invite",
            group_users().prop_map(C::GroupInvite).boxed(),
        ),
        (
            "group_join",
            (req(), group(), option::of(text()))
                .prop_map(|(id, group, message)| {
                    C::GroupJoin({
                        let mut f = GroupJoin::new(id, group);
                        f.message = message;
                        f
                    })
                })
                .boxed(),
        ),
        ("group_leave", group_ref().prop_map(C::GroupLeave).boxed()),
        ("group_kick", group_users().prop_map(C::GroupKick).boxed()),
        (
            "group_admin",
            (req(), group(), user(), any::<bool>())
                .prop_map(|(id, group, user, admin)| {
                    C::GroupAdmin(GroupAdmin::new(id, group, user, admin))
                })
                .boxed(),
        ),
        (
            "group_mute",
            (
                req(),
                group(),
                users(),
                any::<bool>(),
                option::of(any::<u64>()),
            )
                .prop_map(|(id, group, users, mute, duration_ms)| {
                    C::GroupMute({
                        let mut f = GroupMute::new(id, group, users, mute);
                        f.duration_ms = duration_ms;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "group_mute_all",
            (req(), group(), any::<bool>(), users())
                .prop_map(|(id, group, mute, allow)| {
                    C::GroupMuteAll({
                        let mut f = GroupMuteAll::new(id, group, mute);
                        f.allow = allow;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "group_decide",
            (req(), group(), user(), any::<bool>(), option::of(text()))
                .prop_map(|(id, group, user, accept, reason)| {
                    C::GroupDecide({
                        let mut f = GroupDecide::new(id, group, user, accept);
                        f.reason = reason;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "group_dismiss",
            group_ref().prop_map(C::GroupDismiss).boxed(),
        ),
        ("block", user_ref().prop_map(C::Block).boxed()),
        ("unblock", user_ref().prop_map(C::Unblock).boxed()),
        (
            "token",
            (req(), text())
                .prop_map(|(id, token)| C::Token(TokenRefresh::new(id, token)))
                .boxed(),
        ),
    ]
}

fn code() -> BoxedStrategy<ErrorCode> {
    any::<u16>().prop_map(ErrorCode).boxed()
}

/// One strategy per server frame type, named by the type.
pub(crate) fn server_frames() -> Vec<(&'static str, BoxedStrategy<ServerFrame>)> {
    use ServerFrame as S;
    vec![
        (
            "welcome",
            (
                (any::<u16>(), user(), device()),
                (seq(), seq(), any::<u32>(), any::<u32>(), ms(), ms()),
            )
                .prop_map(
                    |(
                        (version, user, device),
                        (seq, oldest, ping_ms, max_frame, time, token_expires),
                    )| {
                        S::Welcome(Welcome::new(
                            version,
                            user,
                            device,
                            seq,
                            oldest,
                            max_frame,
                            ping_ms,
                            time,
                            token_expires,
                        ))
                    },
                )
                .boxed(),
        ),
        (
            "refuse",
            (code(), text(), vec(any::<u16>(), 0..3))
                .prop_map(|(code, reason, versions)| S::Refuse(Refuse::new(code, reason, versions)))
                .boxed(),
        ),
        (
            "pong",
            option::of(any::<u64>())
                .prop_map(|nonce| {
                    S::Pong({
                        let mut f = Pong::new();
                        f.nonce = nonce;
                        f.seq = None;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "sent",
            (req(), mid(), ms())
                .prop_map(|(id, mid, ts)| S::Sent(Sent::new(id, mid, ts)))
                .boxed(),
        ),
        (
            "ok",
            (req(), any::<bool>())
                .prop_map(|(id, pending)| {
                    S::Ok({
                        let mut f = Done::new(id);
                        f.pending = pending;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "error",
            (option::of(req()), code(), text())
                .prop_map(|(id, code, reason)| {
                    S::Error({
                        let mut f = Failure::new(code, reason);
                        f.id = id;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "msg",
            (option::of(seq()), message())
                .prop_map(|(seq, msg)| {
                    S::Msg({
                        let mut f = Delivery::new(msg);
                        f.seq = seq;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "recalled",
            (
                option::of(seq()),
                mid(),
                user(),
                conversation(),
                user(),
                ms(),
            )
                .prop_map(|(seq, mid, from, to, by, ts)| {
                    S::Recalled({
                        let mut f = Recalled::new(mid, from, to, by, ts);
                        f.seq = seq;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "receipt",
            (option::of(seq()), receipt_kind(), mid(), user(), ms())
                .prop_map(|(seq, kind, mid, by, ts)| {
                    S::Receipt({
                        let mut f = ReceiptNotice::new(kind, mid, by, ts);
                        f.seq = seq;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "conv_read",
            (
                option::of(seq()),
                conversation(),
                user(),
                option::of(mid()),
                ms(),
            )
                .prop_map(|(seq, conv, by, upto, ts)| {
                    S::ConvRead({
                        let mut f = ConvReadNotice::new(conv, by, ts);
                        f.seq = seq;
                        f.upto = upto;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "group_read",
            (
                option::of(seq()),
                mid(),
                user(),
                option::of(text()),
                any::<u32>(),
            )
                .prop_map(|(seq, mid, reader, content, count)| {
                    S::GroupRead({
                        let mut f = GroupReadNotice::new(mid, reader, count);
                        f.seq = seq;
                        f.content = content;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "read_summary",
            vec(
                (mid(), any::<u32>()).prop_map(|(mid, count)| ReadCount::new(mid, count)),
                0..4,
            )
            .prop_map(|items| S::ReadSummary(ReadSummary::new(items)))
            .boxed(),
        ),
        (
            "read_by",
            (
                req(),
                mid(),
                any::<u32>(),
                vec(
                    (user(), ms(), option::of(text())).prop_map(|(user, ts, content)| {
                        let mut f = Reader::new(user, ts);
                        f.content = content;
                        f
                    }),
                    0..3,
                ),
            )
                .prop_map(|(id, mid, count, readers)| {
                    S::ReadBy(ReadBy::new(id, mid, count, readers))
                })
                .boxed(),
        ),
        (
            "thread_created",
            (req(), thread_info())
                .prop_map(|(id, info)| S::ThreadCreated(Box::new(ThreadCreated::new(id, info))))
                .boxed(),
        ),
        (
            "thread",
            (
                option::of(seq()),
                prop_oneof![
                    Just(ThreadOp::Created),
                    Just(ThreadOp::Message),
                    Just(ThreadOp::Recalled),
                    Just(ThreadOp::Destroyed)
                ],
                user(),
                option::of(mid()),
                thread_info(),
            )
                .prop_map(|(seq, op, by, mid, info)| {
                    S::Thread({
                        let mut f = ThreadNotice::new(op, by, info);
                        f.seq = seq;
                        f.mid = mid;
                        Box::new(f)
                    })
                })
                .boxed(),
        ),
        (
            "history",
            (
                req(),
                conversation(),
                vec(entry(), 0..3),
                option::of(mid()),
                any::<bool>(),
            )
                .prop_map(|(id, conv, entries, next, done)| {
                    S::History({
                        let mut f = HistoryPage::new(id, conv, entries, done);
                        f.next = next;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "conv_list",
            (
                req(),
                seq(),
                vec(conv_info(), 0..3),
                option::of(text()),
                any::<bool>(),
            )
                .prop_map(|(id, seq, items, next, done)| {
                    S::ConvList({
                        let mut f = ConvList::new(id, seq, items, done);
                        f.next = next;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "conv_profile",
            (req(), seq(), conv_info())
                .prop_map(|(id, seq, info)| {
                    S::ConvProfile(Box::new(ConvProfile::new(id, seq, info)))
                })
                .boxed(),
        ),
        (
            "conv_deleted",
            (option::of(seq()), conversation(), any::<bool>())
                .prop_map(|(seq, conv, history)| {
                    S::ConvDeleted({
                        let mut f = ConvDeleted::new(conv, history);
                        f.seq = seq;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "group_created",
            (req(), group())
                .prop_map(|(id, group)| S::GroupCreated(GroupCreated::new(id, group)))
                .boxed(),
        ),
        (
            "group_tip",
            (option::of(seq()), group(), tip_op(), user(), users(), ms())
                .prop_map(|(seq, group, op, by, users, ts)| {
                    S::GroupTip({
                        let mut f = GroupTip::new(group, op, by, ts);
                        f.seq = seq;
                        f.users = users;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "system",
            (
                option::of(seq()),
                system_op(),
                option::of(group()),
                user(),
                option::of(text()),
                option::of(text()),
                ms(),
            )
                .prop_map(|(seq, op, group, from, reason, data, ts)| {
                    S::System({
                        let mut f = SystemNotice::new(op, from, ts);
                        f.seq = seq;
                        f.group = group;
                        f.reason = reason;
                        f.data = data;
                        f
                    })
                })
                .boxed(),
        ),
        (
            "token_expiring",
            ms().prop_map(|expires| S::TokenExpiring(TokenExpiring::new(expires)))
                .boxed(),
        ),
    ]
}

fn tip_op() -> BoxedStrategy<TipOp> {
    proptest::sample::select(vec![
        TipOp::Joined,
        TipOp::Left,
        TipOp::Kicked,
        TipOp::AdminSet,
        TipOp::AdminRemoved,
        TipOp::Muted,
        TipOp::Unmuted,
        TipOp::AllMuted,
        TipOp::AllUnmuted,
    ])
    .boxed()
}

fn system_op() -> BoxedStrategy<SystemOp> {
    proptest::sample::select(vec![
        SystemOp::JoinRequest,
        SystemOp::JoinAccepted,
        SystemOp::JoinRefused,
        SystemOp::Kicked,
        SystemOp::Dismissed,
        SystemOp::Created,
        SystemOp::Invited,
        SystemOp::Left,
        SystemOp::AdminSet,
        SystemOp::AdminRemoved,
        SystemOp::Custom,
    ])
    .boxed()
}

/// Any client frame.
pub(crate) fn client_frame() -> BoxedStrategy<ClientFrame> {
    Union::new(client_frames().into_iter().map(|(_, s)| s)).boxed()
}

/// Any server frame.
pub(crate) fn server_frame() -> BoxedStrategy<ServerFrame> {
    Union::new(server_frames().into_iter().map(|(_, s)| s)).boxed()
}
