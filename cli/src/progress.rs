//! Progress notifications as a progress bar on stderr (or, when stderr is not a terminal, one
//! line per update).

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use toolsmith::client::Progress;

/// The progress of one request, shown as it arrives.
#[derive(Clone, Default)]
pub struct ProgressView {
    bar: Arc<Mutex<Option<ProgressBar>>>,
}

/// Progress is reported in hundredths, so fractional updates still move the bar.
const SCALE: f64 = 100.0;

impl ProgressView {
    /// Show one update.
    pub fn update(&self, progress: &Progress) {
        if !std::io::stderr().is_terminal() {
            eprintln!("{}", line(progress));
            return;
        }
        let Ok(mut slot) = self.bar.lock() else {
            return;
        };
        let bar = slot.get_or_insert_with(new_bar);
        if let Some(total) = progress.total {
            bar.set_length(scaled(total));
        }
        bar.set_position(scaled(progress.progress));
        if let Some(message) = &progress.message {
            bar.set_message(message.clone());
        }
    }

    /// Print a line on stderr without breaking a bar being drawn (it is redrawn below).
    pub fn println(&self, line: &str) {
        let bar = self.bar.lock().ok().and_then(|slot| slot.clone());
        match bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Stop drawing the bar (while the user is asked something), until [`show`](Self::show).
    pub fn hide(&self) {
        if let Some(bar) = self.bar.lock().ok().and_then(|slot| slot.clone()) {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
    }

    /// Draw the bar again after [`hide`](Self::hide).
    pub fn show(&self) {
        if let Some(bar) = self.bar.lock().ok().and_then(|slot| slot.clone()) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Take the bar off the screen, leaving its last state.
    pub fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(bar) = slot.take() {
                bar.abandon();
            }
        }
    }
}

fn new_bar() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{bar:40.cyan/blue} {percent:>3}% {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

fn scaled(value: f64) -> u64 {
    // `as` saturates: negative and NaN become 0.
    (value * SCALE) as u64
}

/// One update as a line: `progress 2/4: message`.
pub fn line(progress: &Progress) -> String {
    let total = progress.total.map_or_else(String::new, |t| format!("/{t}"));
    match &progress.message {
        Some(message) => format!("progress {}{total}: {message}", progress.progress),
        None => format!("progress {}{total}", progress.progress),
    }
}
