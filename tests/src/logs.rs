//! Capturing what the code under test logs through `tracing`, to check what reaches the logs
//! (a refusal is logged; a token never is).

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// The text logged while the capture is a subscriber.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    /// Capture at `DEBUG` on this thread until the guard is dropped (a test's current-thread
    /// runtime runs every task of an in-process server here).
    pub fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
        let logs = Logs::default();
        let guard = tracing::subscriber::set_default(logs.subscriber(tracing::Level::DEBUG));
        (logs, guard)
    }

    /// The process's global capture at `TRACE`, installed by the first call. Every test of the
    /// binary logs into it, whatever thread it runs on: for a check that nothing anywhere logs a
    /// secret, and where a thread-local capture could miss a line (tracing caches a call site's
    /// interest process-wide, so another test's thread can decide it first).
    pub fn global() -> Logs {
        static GLOBAL: OnceLock<Logs> = OnceLock::new();
        GLOBAL
            .get_or_init(|| {
                let logs = Logs::default();
                tracing::subscriber::set_global_default(logs.subscriber(tracing::Level::TRACE))
                    .expect("nothing else in this test binary sets the global subscriber");
                logs
            })
            .clone()
    }

    fn subscriber(&self, level: tracing::Level) -> impl tracing::Subscriber + Send + Sync {
        tracing_subscriber::fmt()
            .with_writer(self.clone())
            .with_max_level(level)
            .with_ansi(false)
            .finish()
    }

    /// Everything captured so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// The captured lines that contain every one of `words`.
    pub fn lines_with(&self, words: &[&str]) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| words.iter().all(|w| l.contains(w)))
            .map(str::to_owned)
            .collect()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}
