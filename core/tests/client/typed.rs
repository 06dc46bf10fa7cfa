//! The typed request path: any row of the client frame table goes out
//! through `Client::request`, exactly as its named command sends it, and
//! its outcome reads back as the answer type the table names.

use crate::*;
use natter_core::ThreadId;
use natter_core::client::{Answer, Request};
use natter_core::frame::client::ThreadRef;
use natter_core::frame::requests;
use natter_core::frame::server::{Done, HistoryPage};

#[test]
fn a_typed_request_sends_the_named_commands_frame_and_reads_its_answer() {
    let mut t = T::ready();
    let thread = || ThreadId::new("t1").unwrap();
    let named = t.c.join_thread(t.now, thread()).unwrap();
    let typed =
        t.c.request::<requests::ThreadJoin>(t.now, |id| ThreadRef::new(id, thread()))
            .unwrap();
    let sent = t.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["id"], named.as_str());
    assert_eq!(sent[1]["id"], typed.as_str());
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("id");
        v
    };
    assert_eq!(strip(sent[0].clone()), strip(sent[1].clone()));
    assert_eq!(requests::ThreadJoin::KIND, "thread_join");

    t.feed(&format!(r#"{{"type":"ok","id":"{typed}"}}"#));
    let outcome = outcomes(&t.events()).remove(0);
    // The table says a thread join is answered by `ok`: that reads back as
    // `Done`, and not as another answer type.
    assert!(HistoryPage::from_outcome(outcome.clone()).is_err());
    let done = <requests::ThreadJoin as Request>::Answer::from_outcome(outcome).unwrap();
    assert_eq!((done.id, done.pending), (typed, false));
    let _: Done = done_type_check();
}

/// The answer type of a thread join is `Done`, at compile time.
fn done_type_check() -> <requests::ThreadJoin as Request>::Answer {
    Done::new(RequestId::new("x").unwrap())
}
