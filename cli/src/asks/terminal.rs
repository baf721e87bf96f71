//! The user at the terminal: questions go to stderr (stdout is for results), answers come from
//! stdin one line at a time, and one conversation at a time (the server may ask concurrently).

use std::io::{BufRead, Write};
use std::sync::Arc;

use tokio::sync::{Mutex, MutexGuard};

/// Shared access to the terminal.
#[derive(Clone, Default)]
pub struct Terminal {
    turn: Arc<Mutex<()>>,
}

/// One conversation with the user: nobody else asks until it is dropped.
pub struct Conversation<'a> {
    _turn: MutexGuard<'a, ()>,
}

impl Terminal {
    /// Wait for the terminal, then hold it for a whole conversation (a form's fields, say).
    pub async fn conversation(&self) -> Conversation<'_> {
        Conversation {
            _turn: self.turn.lock().await,
        }
    }
}

impl Conversation<'_> {
    /// Tell the user something (on stderr).
    pub fn say(&self, text: &str) {
        eprintln!("{text}");
    }

    /// Ask `question` and read one line, without its line ending; `None` when stdin is closed.
    pub async fn ask(&self, question: &str) -> Option<String> {
        eprint!("{question} ");
        let _ = std::io::stderr().flush();
        tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            match std::io::stdin().lock().read_line(&mut line) {
                Ok(0) | Err(_) => None,
                Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_owned()),
            }
        })
        .await
        .ok()
        .flatten()
    }
}
