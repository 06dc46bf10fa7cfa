//! Typed requests and answers, from the client frame table
//! ([`crate::frame::requests`]): each request type names its payload and
//! the payload of the frame that answers it, so any request can be sent
//! with [`Client::request`] and its answer read back typed.

use super::{Client, CommandError, Outcome};
use crate::frame::ClientFrame;
use crate::frame::group::GroupCreated;
use crate::frame::server::{ConvList, ConvProfile, Done, HistoryPage, ReadBy, Sent, ThreadCreated};
use crate::ids::RequestId;
use crate::time::Millis;

/// A request frame type: implemented by the markers in
/// [`crate::frame::requests`], one per row of the client frame table.
pub trait Request {
    /// The frame's payload.
    type Payload;
    /// The payload of the server frame that answers it.
    type Answer: Answer;
    /// The wire `type`.
    const KIND: &'static str;

    /// The frame that carries `payload`.
    fn frame(payload: Self::Payload) -> ClientFrame;
}

/// The success payload of an answer, taken out of the [`Outcome`] that
/// reports it.
pub trait Answer: Sized {
    /// The answer, or the outcome back (boxed) when it is another kind.
    fn from_outcome(outcome: Outcome) -> Result<Self, Box<Outcome>>;
}

impl Answer for Sent {
    fn from_outcome(outcome: Outcome) -> Result<Self, Box<Outcome>> {
        match outcome {
            Outcome::Sent { id, mid, ts } => Ok(Sent::new(id, mid, ts)),
            other => Err(Box::new(other)),
        }
    }
}

impl Answer for Done {
    fn from_outcome(outcome: Outcome) -> Result<Self, Box<Outcome>> {
        match outcome {
            Outcome::Done { id, pending } => {
                let mut done = Done::new(id);
                done.pending = pending;
                Ok(done)
            }
            other => Err(Box::new(other)),
        }
    }
}

macro_rules! answers {
    ($($ty:ident <= $variant:ident,)*) => {
        $(impl Answer for $ty {
            fn from_outcome(outcome: Outcome) -> Result<Self, Box<Outcome>> {
                match outcome {
                    Outcome::$variant(answer) => Ok(answer),
                    other => Err(Box::new(other)),
                }
            }
        })*
    };
}

answers! {
    ReadBy <= ReadBy,
    HistoryPage <= History,
    ConvList <= Conversations,
    ConvProfile <= Profile,
    ThreadCreated <= ThreadCreated,
    GroupCreated <= GroupCreated,
}

impl Client {
    /// Sends any request of the table, built by `make` from the request id
    /// the client picks; returns that id at once, and the request ends in
    /// one [`Outcome`] (read it typed with [`Answer::from_outcome`]). The
    /// named commands (`recall`, `join_thread`, ...) check their arguments
    /// first and are the usual way; this is the one path they all share.
    ///
    /// ```
    /// use natter_core::client::{Client, CommandError, Config};
    /// use natter_core::frame::{client::ThreadRef, requests};
    /// use natter_core::{DeviceId, Millis, ThreadId};
    ///
    /// let config = std::sync::Arc::new(Config::new(DeviceId::new("d")?, 1));
    /// let mut client = Client::new(config, "token");
    /// let thread = ThreadId::new("t1")?;
    /// // Not connected yet: refused at once, like every command.
    /// let refused = client.request::<requests::ThreadJoin>(Millis(0), |id| ThreadRef::new(id, thread));
    /// assert_eq!(refused, Err(CommandError::NotConnected));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn request<R: Request>(
        &mut self,
        now: Millis,
        make: impl FnOnce(RequestId) -> R::Payload,
    ) -> Result<RequestId, CommandError> {
        self.request_frame(now, |id| R::frame(make(id)))
    }
}
