//! The user at the terminal: questions go to stderr (stdout is for results), answers come from
//! stdin one line at a time, and one conversation at a time (the server may ask concurrently);
//! a progress bar is not drawn during a conversation.

use std::io::{BufRead, Write};
use std::sync::Arc;

use tokio::sync::{Mutex, MutexGuard};

use crate::progress::ProgressView;

/// Shared access to the terminal.
#[derive(Clone)]
pub struct Terminal {
    turn: Arc<Mutex<()>>,
    view: ProgressView,
}

/// One conversation with the user: nobody else asks, and no progress bar is drawn, until it is
/// dropped.
pub struct Conversation<'a> {
    _turn: MutexGuard<'a, ()>,
    view: &'a ProgressView,
}

impl Terminal {
    /// The terminal, shared with the progress bar `view`.
    pub fn new(view: ProgressView) -> Self {
        Terminal {
            turn: Arc::default(),
            view,
        }
    }

    /// Wait for the terminal, then hold it for a whole conversation (a form's fields, say).
    pub async fn conversation(&self) -> Conversation<'_> {
        let turn = self.turn.lock().await;
        self.view.hide();
        Conversation {
            _turn: turn,
            view: &self.view,
        }
    }
}

impl Drop for Conversation<'_> {
    fn drop(&mut self) {
        self.view.show();
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
