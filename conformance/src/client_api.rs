//! The client vectors' JSON for application commands and events, and their
//! mapping onto natter-core's client.
//!
//! A command is written as the request frame it asks for, without its `id`
//! (the client picks request ids): `{"type": "send", "to": ..., "body":
//! ...}`, `{"type": "recall", "mid": "7"}`, `{"type": "conv_read", "conv":
//! ...}` (the client fills `upto`), and so on for every request of
//! PROTOCOL.md; a few name a client operation instead: `resend`,
//! `recall_send` (recall a send not answered yet), `upload_complete`,
//! `upload_failed` and `set_token`, each with the `id` of the request it is
//! about. A command the client refuses at once is the event
//! `{"event": "command_refused", "error": KIND}`.
//!
//! An event is `{"event": NAME, ...}`: `state` (`state`: `connecting`,
//! `reconnecting`, `ready` with `user`, `disconnected` with `reason`),
//! `message` (`msg`), `outcome` (`outcome`: `sent` with `mid` and `ts`,
//! `done` with `pending`, `failed` with `code`, or the answer's kind with
//! the answer's fields), `inbox_truncated`, `token_expiring`,
//! `upload_requested`, `upload_progress`, and for every notice the notice's
//! own fields (`recalled`, `receipt`, `conversation_read`,
//! `conversation_deleted`, `group_read_count`, `read_summary`, `thread`,
//! `group_tip`, `system`, `refused`).

use natter_core::body::Attachment;
use natter_core::client::{
    Admin, Client, CommandError, ConnectionState, Decision, DisconnectReason, Event, GroupSpec,
    Mute, MuteAll, Outcome, Outgoing, RecallTarget, StoredHistory,
};
use natter_core::frame::client::ReceiptKind;
use natter_core::{ClientFrame, Codec, Millis, RequestId};
use serde::Serialize;
use serde_json::{Value, json};
use std::time::Duration;

/// What a command did.
#[derive(Debug)]
pub enum Applied {
    /// The client accepted it, as this request.
    Request(RequestId),
    /// The client took it (no request of its own).
    Taken,
    /// The client refused it at once: the `command_refused` event.
    Refused(Value),
}

/// Runs one command on `client`.
pub fn command(client: &mut Client, now: Millis, cmd: &Value) -> Result<Applied, String> {
    let kind = cmd.get("type").and_then(Value::as_str).unwrap_or_default();
    let id = || -> Result<RequestId, String> {
        let id = cmd.get("id").and_then(Value::as_str).unwrap_or_default();
        RequestId::new(id).map_err(|e| format!("command {kind}: {e}"))
    };
    let result = match kind {
        "resend" => client.resend(now, &id()?),
        "recall_send" => client.recall(now, RecallTarget::Send(id()?)),
        "set_token" => {
            let token = cmd.get("token").and_then(Value::as_str).unwrap_or_default();
            client.set_token(token);
            return Ok(Applied::Taken);
        }
        "upload_complete" => {
            let attachment: Attachment = serde_json::from_value(cmd["attachment"].clone())
                .map_err(|e| format!("upload_complete: {e}"))?;
            return Ok(taken(client.upload_complete(now, &id()?, attachment)));
        }
        "upload_failed" => {
            let reason = cmd
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or("failed");
            return Ok(taken(client.upload_failed(&id()?, reason)));
        }
        _ => request(client, now, cmd)?,
    };
    Ok(match result {
        Ok(id) => Applied::Request(id),
        Err(e) => Applied::Refused(refusal(&e)),
    })
}

/// A command that makes no request of its own.
fn taken(result: Result<(), CommandError>) -> Applied {
    match result {
        Ok(()) => Applied::Taken,
        Err(e) => Applied::Refused(refusal(&e)),
    }
}

/// The event for a command the client refused.
fn refusal(error: &CommandError) -> Value {
    let error = match error {
        CommandError::NotConnected => "not_connected",
        CommandError::InvalidArgument(_) => "invalid_argument",
        CommandError::TooLarge { .. } => "too_large",
        CommandError::OutboxFull { .. } => "outbox_full",
        CommandError::UnknownRequest(_) => "unknown_request",
        CommandError::Refused { code, .. } => {
            return json!({"event": "command_refused", "error": "refused", "code": code.0});
        }
        _ => "other",
    };
    json!({"event": "command_refused", "error": error})
}

/// A command written as a request frame: decoded as one (with a stand-in
/// id) and run through the client's command of that name.
fn request(
    client: &mut Client,
    now: Millis,
    cmd: &Value,
) -> Result<Result<RequestId, CommandError>, String> {
    let mut frame = cmd.clone();
    frame["id"] = json!("command");
    let bytes = serde_json::to_vec(&frame).map_err(|e| e.to_string())?;
    let frame: ClientFrame = Codec::new(natter_core::codec::MAX_FRAME_LIMIT)
        .decode(&bytes)
        .map_err(|e| format!("command {cmd}: {e}"))?;
    Ok(match frame {
        ClientFrame::Send(s) => {
            let mut out = Outgoing::new(s.to, s.body)
                .with_ext(s.ext)
                .with_priority(s.priority);
            if s.online_only {
                out = out.with_online_only();
            }
            if s.group_ack {
                out = out.with_group_ack();
            }
            if let Some(push) = s.push {
                out = out.with_push(*push);
            }
            client.send(now, out)
        }
        ClientFrame::Recall(r) => client.recall(now, r.mid),
        ClientFrame::Receipt(r) => match r.kind {
            ReceiptKind::Delivered => client.mark_delivered(now, r.mid),
            ReceiptKind::Read => client.mark_read(now, r.mid),
        },
        ClientFrame::ConvRead(r) => client.mark_conversation_read(now, r.conv),
        ClientFrame::GroupRead(r) => client.send_group_read(now, r.mid, r.content),
        ClientFrame::ReadBy(r) => client.read_by(now, r.mid),
        ClientFrame::ThreadCreate(t) => client.create_thread(now, t.group, t.root, t.name),
        ClientFrame::ThreadJoin(t) => client.join_thread(now, t.thread),
        ClientFrame::ThreadLeave(t) => client.leave_thread(now, t.thread),
        ClientFrame::ThreadDestroy(t) => client.destroy_thread(now, t.thread),
        ClientFrame::History(h) => {
            client.fetch_history(now, h.conv, h.cursor, h.direction, h.limit)
        }
        ClientFrame::ConvList(l) => client.fetch_conversations(now, l.cursor, l.limit),
        ClientFrame::ConvProfile(p) => client.fetch_profile(now, p.conv),
        ClientFrame::ConvDelete(d) => {
            let history = if d.history {
                StoredHistory::Delete
            } else {
                StoredHistory::Keep
            };
            client.delete_conversation(now, d.conv, history)
        }
        ClientFrame::GroupCreate(g) => client.create_group(
            now,
            GroupSpec {
                kind: g.kind,
                name: g.name,
                description: g.description,
                members: g.members,
                approval: g.approval,
            },
        ),
        ClientFrame::GroupInvite(g) => client.invite(now, g.group, g.users),
        ClientFrame::GroupKick(g) => client.kick(now, g.group, g.users),
        ClientFrame::GroupJoin(g) => client.join_group(now, g.group, g.message),
        ClientFrame::GroupLeave(g) => client.leave_group(now, g.group),
        ClientFrame::GroupDismiss(g) => client.dismiss_group(now, g.group),
        ClientFrame::GroupAdmin(g) => {
            let admin = if g.admin { Admin::Grant } else { Admin::Revoke };
            client.set_admin(now, g.group, g.user, admin)
        }
        ClientFrame::GroupMute(g) => {
            let mute = match (g.mute, g.duration_ms) {
                (false, _) => Mute::Lift,
                (true, None) => Mute::Indefinitely,
                (true, Some(ms)) => Mute::For(Duration::from_millis(ms)),
            };
            client.mute(now, g.group, g.users, mute)
        }
        ClientFrame::GroupMuteAll(g) => {
            let mute = if g.mute {
                MuteAll::On { allow: g.allow }
            } else {
                MuteAll::Off
            };
            client.mute_all(now, g.group, mute)
        }
        ClientFrame::GroupDecide(g) => {
            let decision = if g.accept {
                Decision::Accept
            } else {
                Decision::Refuse { reason: g.reason }
            };
            client.decide_join(now, g.group, g.user, decision)
        }
        ClientFrame::Block(u) => client.block(now, u.user),
        ClientFrame::Unblock(u) => client.unblock(now, u.user),
        ClientFrame::Token(t) => client.refresh_token(now, t.token),
        other => return Err(format!("{other:?} is not an application command")),
    })
}

/// `{"event": name, ...fields of payload}`.
fn notice(name: &str, payload: &impl Serialize) -> Value {
    let mut value = serde_json::to_value(payload).unwrap_or(Value::Null);
    if let Some(fields) = value.as_object_mut() {
        fields.insert("event".into(), json!(name));
    }
    value
}

/// An event as the vectors write it.
pub fn event(event: &Event) -> Value {
    match event {
        Event::State(state) => match state {
            ConnectionState::Connecting => json!({"event": "state", "state": "connecting"}),
            ConnectionState::Reconnecting => json!({"event": "state", "state": "reconnecting"}),
            ConnectionState::Ready { user } => {
                json!({"event": "state", "state": "ready", "user": user})
            }
            ConnectionState::Disconnected(reason) => {
                let reason = match reason {
                    DisconnectReason::Transport => "transport",
                    DisconnectReason::HandshakeTimeout => "handshake_timeout",
                    DisconnectReason::PingTimeout => "ping_timeout",
                    DisconnectReason::InboxGap => "inbox_gap",
                    DisconnectReason::Refused => "refused",
                    _ => "other",
                };
                json!({"event": "state", "state": "disconnected", "reason": reason})
            }
            _ => json!({"event": "state", "state": "other"}),
        },
        Event::Refused(r) => notice("refused", r),
        Event::TokenExpiring(at) => json!({"event": "token_expiring", "expires": at}),
        Event::InboxTruncated { from, to } => {
            json!({"event": "inbox_truncated", "from": from, "to": to})
        }
        Event::Message(m) => json!({"event": "message", "msg": m}),
        Event::Recalled(r) => notice("recalled", r),
        Event::Receipt(r) => notice("receipt", r),
        Event::ConversationRead(r) => notice("conversation_read", r),
        Event::ConversationDeleted(d) => notice("conversation_deleted", d),
        Event::GroupReadCount(g) => notice("group_read_count", g),
        Event::ReadSummary(s) => notice("read_summary", s),
        Event::Thread(t) => notice("thread", t),
        Event::GroupTip(t) => notice("group_tip", t),
        Event::System(s) => notice("system", s),
        Event::UploadRequested { id, attachment } => {
            json!({"event": "upload_requested", "id": id, "attachment": attachment})
        }
        Event::UploadProgress { id, sent, total } => {
            json!({"event": "upload_progress", "id": id, "sent": sent, "total": total})
        }
        Event::Outcome(o) => outcome(o),
        _ => json!({"event": "other"}),
    }
}

/// An answer as an `outcome` event: the answer's fields, with its kind.
fn answer(kind: &str, payload: &impl Serialize) -> Value {
    let mut value = notice("outcome", payload);
    value["outcome"] = json!(kind);
    value
}

fn outcome(outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Sent { id, mid, ts } => {
            json!({"event": "outcome", "outcome": "sent", "id": id, "mid": mid, "ts": ts})
        }
        Outcome::Done { id, pending } => {
            json!({"event": "outcome", "outcome": "done", "id": id, "pending": pending})
        }
        Outcome::Failed { id, code, reason } => {
            json!({"event": "outcome", "outcome": "failed", "id": id, "code": code.0, "reason": reason})
        }
        Outcome::ReadBy(a) => answer("read_by", a),
        Outcome::History(a) => answer("history", a),
        Outcome::Conversations(a) => answer("conversations", a),
        Outcome::Profile(a) => answer("profile", a),
        Outcome::ThreadCreated(a) => answer("thread_created", a),
        Outcome::GroupCreated(a) => answer("group_created", a),
        _ => json!({"event": "outcome", "outcome": "other"}),
    }
}
