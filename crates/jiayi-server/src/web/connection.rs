//! Serving connections with time limits, so idle or slow clients cannot hold the server: a new
//! connection must send its first byte soon, a request's headers must arrive whole within a
//! bound, and a connection silent for longer than the idle bound is closed. (HTTP/1.1 only:
//! devices and browsers speak it, and TLS offers only it.)

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::connect_info::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

pub use crate::timeouts::Timeouts;
use crate::web::state::PeerAddr;

/// Serves `router` on every connection `listener` hands over, until `shutdown` completes; then
/// lets requests in flight finish.
pub async fn serve_on<L>(
    mut listener: L,
    router: Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()>
where
    L: axum::serve::Listener<Addr = std::net::SocketAddr>,
    L::Io: Unpin,
{
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
            request.extensions_mut().insert(ConnectInfo(PeerAddr(peer)));
            router.clone().oneshot(request.map(axum::body::Body::new))
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(timeouts.header_read);
        let connection = builder.serve_connection(
            TokioIo::new(Silence::new(io, timeouts.first_byte, timeouts.idle)),
            service,
        );
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that goes away or times out is its own business.
            let _ = watched.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// A connection that fails with `TimedOut` once it has been silent too long: `first` before its
/// first byte, `idle` after. Every byte read or written starts the wait again.
pub struct Silence<Io> {
    io: Io,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<Io> Silence<Io> {
    pub fn new(io: Io, first: Duration, idle: Duration) -> Silence<Io> {
        Silence {
            io,
            idle,
            deadline: Box::pin(tokio::time::sleep(first)),
        }
    }

    fn progressed(&mut self) {
        let next = Instant::now() + self.idle;
        self.deadline.as_mut().reset(next);
    }

    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.deadline.as_mut().poll(cx).is_ready()
    }
}

fn timed_out<T>() -> Poll<io::Result<T>> {
    Poll::Ready(Err(io::Error::new(
        io::ErrorKind::TimedOut,
        "connection silent too long",
    )))
}

impl<Io: AsyncRead + Unpin> AsyncRead for Silence<Io> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.io).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    self.progressed();
                }
                Poll::Ready(r)
            }
            Poll::Pending if self.expired(cx) => timed_out(),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<Io: AsyncWrite + Unpin> AsyncWrite for Silence<Io> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.io).poll_write(cx, data) {
            Poll::Ready(r) => {
                self.progressed();
                Poll::Ready(r)
            }
            Poll::Pending if self.expired(cx) => timed_out(),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.io).poll_flush(cx) {
            Poll::Pending if self.expired(cx) => timed_out(),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
