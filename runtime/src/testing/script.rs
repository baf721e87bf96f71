//! [`Script`]: the answers a test gives, in order, and the requests that asked for them.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Answers handed out in order, and what asked for each (kept for the test to inspect).
pub(crate) struct Script<A, R> {
    state: Mutex<(VecDeque<A>, Vec<R>)>,
    /// Names the kind of request in errors: `sampling`, `elicitation`.
    kind: &'static str,
}

impl<A, R: Clone> Script<A, R> {
    pub(crate) fn new(kind: &'static str, answers: VecDeque<A>) -> Arc<Self> {
        Arc::new(Script {
            state: Mutex::new((answers, Vec::new())),
            kind,
        })
    }

    /// Record `request` and take the next answer, or say that the script has none left.
    pub(crate) fn next(&self, request: R) -> Result<A, String> {
        let mut state = self.state.lock().expect("script lock");
        state.1.push(request);
        let n = state.1.len();
        state.0.pop_front().ok_or_else(|| {
            format!(
                "the test scripted no answer for {} request #{n} (script more answers on the \
                 TestClient builder)",
                self.kind
            )
        })
    }

    /// Every request so far, in order.
    pub(crate) fn requests(&self) -> Vec<R> {
        self.state.lock().expect("script lock").1.clone()
    }

    /// How many scripted answers were not used.
    pub(crate) fn unused(&self) -> usize {
        self.state.lock().expect("script lock").0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_come_in_order_then_a_clear_error() {
        let script: Arc<Script<&str, u32>> = Script::new("sampling", ["a", "b"].into());
        assert_eq!(script.next(1), Ok("a"));
        assert_eq!(script.unused(), 1);
        assert_eq!(script.next(2), Ok("b"));
        let e = script.next(3).unwrap_err();
        assert!(e.contains("no answer for sampling request #3"), "{e}");
        assert_eq!(script.requests(), [1, 2, 3]);
    }
}
