//! The request-head deadline: a client must send each request head within the
//! configured time of the connection opening or of the previous response, or
//! the connection is closed.
//!
//! hyper can enforce this itself, but it arms a new timer for every request,
//! which costs a trip through tokio's timer wheel per request and can wake a
//! parked runtime worker. Here each connection keeps one timer that moves
//! lazily: a request only records when the connection became idle again, and
//! when the timer fires it moves itself to the real deadline if the connection
//! was busy in between. A busy connection touches the timer wheel about once
//! per deadline period instead of once per request.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// The moment a connection last became idle, shared by its I/O and its
/// service.
#[derive(Debug)]
pub struct HeadClock {
    opened: Instant,
    /// Nanoseconds from `opened` to the moment the connection last became
    /// idle: its opening, or the end of its last response.
    idle_since: AtomicU64,
    /// Whether a request is being served, so that no head is awaited.
    busy: AtomicBool,
}

impl HeadClock {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            opened: Instant::now(),
            idle_since: AtomicU64::new(0),
            busy: AtomicBool::new(false),
        })
    }

    /// Marks a request head as received: the deadline stops until the
    /// response is done.
    pub fn request_started(&self) {
        self.busy.store(true, Ordering::Relaxed);
    }

    /// Marks the response as produced: the next head is due within the
    /// deadline from now.
    pub fn request_finished(&self) {
        self.mark_idle();
        self.busy.store(false, Ordering::Relaxed);
    }

    fn mark_idle(&self) {
        let elapsed = u64::try_from(self.opened.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.idle_since.store(elapsed, Ordering::Relaxed);
    }

    fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Relaxed)
    }

    fn idle_since(&self) -> Instant {
        self.opened + Duration::from_nanos(self.idle_since.load(Ordering::Relaxed))
    }
}

/// A connection's I/O that fails its reads once the head deadline has passed
/// while hyper waits for a request head, which makes hyper close the
/// connection.
pub struct HeadDeadline<T> {
    io: T,
    clock: Arc<HeadClock>,
    timeout: Duration,
    timer: Pin<Box<Sleep>>,
    /// Whether the last write could not go out. A client slow to read a
    /// response is not late with its next head.
    write_blocked: bool,
}

impl<T> HeadDeadline<T> {
    pub fn new(io: T, clock: Arc<HeadClock>, timeout: Duration) -> Self {
        let timer = Box::pin(tokio::time::sleep_until(clock.opened + timeout));
        Self {
            io,
            clock,
            timeout,
            timer,
            write_blocked: false,
        }
    }

    /// Tells whether the head deadline has passed, and otherwise makes sure
    /// the task is woken when it may have.
    fn head_is_late(&mut self, cx: &mut Context<'_>) -> bool {
        loop {
            if self.timer.as_mut().poll(cx).is_pending() {
                return false;
            }
            let deadline = self.clock.idle_since() + self.timeout;
            if deadline <= self.timer.deadline() {
                return true;
            }
            self.timer.as_mut().reset(deadline);
        }
    }

    fn note_write<R>(&mut self, poll: Poll<R>) -> Poll<R> {
        if poll.is_pending() {
            self.write_blocked = true;
        } else if self.write_blocked {
            // The response went out at last; the next head is due from now.
            self.write_blocked = false;
            if !self.clock.is_busy() {
                self.clock.mark_idle();
            }
        }
        poll
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for HeadDeadline<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.io).poll_read(cx, buf);
        if poll.is_pending()
            && !this.write_blocked
            && !this.clock.is_busy()
            && this.head_is_late(cx)
        {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "request head not received within the header read timeout",
            )));
        }
        poll
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for HeadDeadline<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.io).poll_write(cx, buf);
        this.note_write(poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.note_write(poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.io).poll_flush(cx);
        this.note_write(poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
