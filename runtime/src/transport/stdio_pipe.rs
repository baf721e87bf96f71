//! Stdin and stdout as non-blocking pipes on the runtime's reactor (Unix).
//!
//! When stdin and stdout are pipes or sockets (how an MCP client spawns a server), they are
//! switched to non-blocking mode and registered with tokio's reactor, so reading, dispatching,
//! running a handler and writing its answer all happen on one worker thread without handing
//! anything to another thread. Their original flags are restored when the connection ends.
//! Anything else (a terminal, a regular file) is left alone and served by threads instead.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};

/// One of this process's standard descriptors, switched to non-blocking mode for as long as
/// this value lives. It does not own the descriptor (never closes it).
#[derive(Debug)]
struct NonBlocking {
    fd: RawFd,
    original_flags: libc::c_int,
}

impl NonBlocking {
    /// Only pipes and sockets: a terminal is shared with the shell that started us, and a
    /// regular file cannot be polled.
    fn new(fd: RawFd) -> io::Result<Self> {
        // SAFETY: fstat on a descriptor number writes only into the zeroed struct we pass.
        let mut stat: libc::stat = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstat(fd, &mut stat) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let kind = stat.st_mode & libc::S_IFMT;
        if kind != libc::S_IFIFO && kind != libc::S_IFSOCK {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "not a pipe or a socket",
            ));
        }
        // SAFETY: fcntl with F_GETFL/F_SETFL on a descriptor number has no memory effects.
        let original_flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        if original_flags < 0 {
            return Err(io::Error::last_os_error());
        }
        if original_flags & libc::O_NONBLOCK == 0
            && unsafe { libc::fcntl(fd, libc::F_SETFL, original_flags | libc::O_NONBLOCK) } < 0
        {
            return Err(io::Error::last_os_error());
        }
        Ok(NonBlocking { fd, original_flags })
    }
}

impl AsRawFd for NonBlocking {
    fn as_raw_fd(&self) -> RawFd {
        self.fd
    }
}

impl Drop for NonBlocking {
    fn drop(&mut self) {
        // Only undo what `new` did: stdin and stdout may share one file description (a socket
        // pair), and the second to be opened found it non-blocking already.
        if self.original_flags & libc::O_NONBLOCK == 0 {
            // SAFETY: as in `new`.
            unsafe { libc::fcntl(self.fd, libc::F_SETFL, self.original_flags) };
        }
    }
}

/// A standard descriptor as an async reader or writer.
#[derive(Debug)]
pub(crate) struct Pipe(AsyncFd<NonBlocking>);

impl Pipe {
    /// Stdin, if it is a pipe or a socket and the reactor takes it.
    pub(crate) fn stdin() -> io::Result<Pipe> {
        Pipe::new(libc::STDIN_FILENO, Interest::READABLE)
    }

    /// Stdout, if it is a pipe or a socket and the reactor takes it.
    pub(crate) fn stdout() -> io::Result<Pipe> {
        Pipe::new(libc::STDOUT_FILENO, Interest::WRITABLE)
    }

    fn new(fd: RawFd, interest: Interest) -> io::Result<Pipe> {
        let descriptor = NonBlocking::new(fd)?;
        // SAFETY: the standard descriptors stay open, on the same file description, for the
        // life of the process (nothing in this crate closes or replaces them).
        unsafe { AsyncFd::register_with_interest(descriptor, interest) }
            .map(Pipe)
            .map_err(|e| e.into_parts().1)
    }
}

impl AsyncRead for Pipe {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            let mut guard = ready!(self.0.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            let read = guard.try_io(|fd| {
                // SAFETY: reads at most `unfilled.len()` bytes into that initialised slice.
                let n = unsafe {
                    libc::read(fd.as_raw_fd(), unfilled.as_mut_ptr().cast(), unfilled.len())
                };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            });
            match read {
                Ok(Ok(n)) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                Err(_would_block) => continue,
            }
        }
    }
}

impl AsyncWrite for Pipe {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            let mut guard = ready!(self.0.poll_write_ready(cx))?;
            let written = guard.try_io(|fd| {
                // SAFETY: writes at most `data.len()` bytes from that slice.
                let n = unsafe { libc::write(fd.as_raw_fd(), data.as_ptr().cast(), data.len()) };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            });
            match written {
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Ok(result) => return Poll::Ready(result),
                Err(_would_block) => continue,
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
