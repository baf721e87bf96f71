//! Log-level filtering for `notifications/message`.

use std::sync::atomic::{AtomicU8, Ordering};

use crate::protocol::LoggingLevel;

/// The minimum level the client asked for with `logging/setLevel` (everything until it asks).
#[derive(Debug, Default)]
pub struct LogFilter {
    /// 0 = unset (send everything), otherwise level index + 1.
    min: AtomicU8,
}

/// Marks a filter that lets nothing through.
const OFF: u8 = u8::MAX;

impl LogFilter {
    /// The filter of a stateless-era request: the level its `_meta` asked for, or nothing at all.
    pub fn for_request(level: Option<LoggingLevel>) -> Self {
        let f = LogFilter::default();
        match level {
            Some(l) => f.set(l),
            None => f.min.store(OFF, Ordering::Relaxed),
        }
        f
    }

    /// Send only messages at `level` or more severe.
    pub fn set(&self, level: LoggingLevel) {
        self.min.store(level as u8 + 1, Ordering::Relaxed);
    }

    /// Whether a message at `level` goes out.
    pub fn allows(&self, level: LoggingLevel) -> bool {
        let min = self.min.load(Ordering::Relaxed);
        min != OFF && (min == 0 || level as u8 + 1 >= min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_below_the_set_level() {
        let f = LogFilter::default();
        assert!(f.allows(LoggingLevel::Debug));
        f.set(LoggingLevel::Warning);
        assert!(!f.allows(LoggingLevel::Info));
        assert!(f.allows(LoggingLevel::Warning));
        assert!(f.allows(LoggingLevel::Emergency));
        assert!(!LogFilter::for_request(None).allows(LoggingLevel::Emergency));
        assert!(LogFilter::for_request(Some(LoggingLevel::Info)).allows(LoggingLevel::Info));
    }
}
