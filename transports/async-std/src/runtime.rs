//! The two runtimes: what the adapter needs from each (timers, spawning,
//! TCP), behind one trait.

use futures::future::{BoxFuture, FutureExt};
use futures::{AsyncRead, AsyncWrite};
use natter_core::Millis;
use natter_driver::monotonic_clock;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

fn until(at: Millis) -> Duration {
    at.saturating_since(monotonic_clock())
}

/// An async runtime on the futures-io traits: its timers (as a
/// [`natter_driver::Runtime`]), its task spawner and its TCP types.
pub trait AsyncRuntime: natter_driver::Runtime + Clone {
    /// A TCP connection.
    type Tcp: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    /// A TCP listener.
    type Listener: Send + Sync + 'static;

    /// Runs `task` in the background.
    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static);
    /// Connects to `addr` (`host:port`), with `TCP_NODELAY` set.
    fn connect(&self, addr: String) -> BoxFuture<'static, io::Result<Self::Tcp>>;
    /// Listens on `addr`.
    fn bind(&self, addr: SocketAddr) -> BoxFuture<'static, io::Result<Self::Listener>>;
    /// The address a listener listens on.
    fn local_addr(listener: &Self::Listener) -> io::Result<SocketAddr>;
    /// The next connection, with `TCP_NODELAY` set.
    fn accept(listener: &Self::Listener) -> BoxFuture<'_, io::Result<Self::Tcp>>;
}

/// [`AsyncRuntime`] for a runtime whose TCP stream and listener have the
/// std-like API (async-std, smol), and its spawner.
macro_rules! tcp_runtime {
    ($runtime:ty, $tcp:ty, $listener:ty, $spawn:expr) => {
        impl AsyncRuntime for $runtime {
            type Tcp = $tcp;
            type Listener = $listener;

            fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
                ($spawn)(task);
            }

            fn connect(&self, addr: String) -> BoxFuture<'static, io::Result<Self::Tcp>> {
                async move {
                    let tcp = <$tcp>::connect(addr).await?;
                    tcp.set_nodelay(true)?;
                    Ok(tcp)
                }
                .boxed()
            }

            fn bind(&self, addr: SocketAddr) -> BoxFuture<'static, io::Result<Self::Listener>> {
                <$listener>::bind(addr).boxed()
            }

            fn local_addr(listener: &Self::Listener) -> io::Result<SocketAddr> {
                listener.local_addr()
            }

            fn accept(listener: &Self::Listener) -> BoxFuture<'_, io::Result<Self::Tcp>> {
                async move {
                    let (tcp, _) = listener.accept().await?;
                    tcp.set_nodelay(true)?;
                    Ok(tcp)
                }
                .boxed()
            }
        }
    };
}

/// The async-std runtime.
#[derive(Clone, Copy, Debug, Default)]
pub struct AsyncStd;

impl natter_driver::Runtime for AsyncStd {
    fn now(&self) -> Millis {
        monotonic_clock()
    }

    fn sleep_until(&self, at: Millis) -> BoxFuture<'static, ()> {
        async_std::task::sleep(until(at)).boxed()
    }
}

tcp_runtime!(
    AsyncStd,
    async_std::net::TcpStream,
    async_std::net::TcpListener,
    |task| drop(async_std::task::spawn(task))
);

/// The smol runtime (its global executor).
#[derive(Clone, Copy, Debug, Default)]
pub struct Smol;

impl natter_driver::Runtime for Smol {
    fn now(&self) -> Millis {
        monotonic_clock()
    }

    fn sleep_until(&self, at: Millis) -> BoxFuture<'static, ()> {
        let timer = smol::Timer::after(until(at));
        async move {
            timer.await;
        }
        .boxed()
    }
}

tcp_runtime!(Smol, smol::net::TcpStream, smol::net::TcpListener, |task| {
    smol::spawn(task).detach()
});
