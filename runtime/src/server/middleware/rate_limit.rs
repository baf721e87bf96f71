//! [`RateLimit`]: a token bucket per caller, in bounded memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::json;

use super::{CallerKey, Middleware, RequestInfo};
use crate::jsonrpc::ErrorObject;
use crate::protocol::codes::RATE_LIMITED;

/// How many callers' buckets are kept by default.
const DEFAULT_MAX_CALLERS: usize = 10_000;

/// A rate limit per caller ([`RequestInfo::caller`]): each caller has a bucket of `burst` tokens,
/// refilled at `per_second` tokens a second; each request takes one, and a request that finds the
/// bucket empty is refused with the [`RATE_LIMITED`] error, whose message says when to retry and
/// whose `data` holds `retryAfterMs` and `retryAfter` (seconds, rounded up). Over HTTP the
/// response is a `429 Too Many Requests` with `Retry-After`.
///
/// Memory is bounded: at most [`RateLimit::max_callers`] buckets are kept (10 000 by default).
/// When a new caller arrives at the cap, the buckets that have refilled (callers idle long
/// enough to be as good as new) are dropped, or, if none has, the one seen longest ago.
///
/// HTTP requests whose peer address is unknown (a router served without connection info, and no
/// authenticated subject) have no caller and are not limited: lumping them into one bucket
/// would let any client refuse service to the others.
///
/// ```
/// use toolsmith::middleware::RateLimit;
///
/// // 5 requests a second on average, bursts of up to 20.
/// let server = toolsmith::Server::new("limited", "1.0.0").middleware(RateLimit::per_caller(5.0, 20));
/// # let _ = server;
/// ```
#[derive(Debug)]
pub struct RateLimit {
    per_second: f64,
    burst: f64,
    max_callers: usize,
    buckets: Mutex<HashMap<CallerKey, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// The tokens at `now`, refilled at `per_second` up to `burst`.
    fn refilled(self, now: Instant, per_second: f64, burst: f64) -> Bucket {
        let gained = now.saturating_duration_since(self.at).as_secs_f64() * per_second;
        Bucket {
            tokens: (self.tokens + gained).min(burst),
            at: now.max(self.at),
        }
    }
}

impl RateLimit {
    /// `per_second` requests a second per caller on average, in bursts of up to `burst`.
    ///
    /// # Panics
    ///
    /// If `per_second` is not a positive finite number or `burst` is 0: such a limit would
    /// refuse everything, forever.
    pub fn per_caller(per_second: f64, burst: u32) -> Self {
        assert!(
            per_second.is_finite() && per_second > 0.0,
            "RateLimit::per_caller: the rate must be a positive number of requests a second, not {per_second}"
        );
        assert!(
            burst > 0,
            "RateLimit::per_caller: the burst must be at least 1"
        );
        RateLimit {
            per_second,
            burst: f64::from(burst),
            max_callers: DEFAULT_MAX_CALLERS,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Keep at most `n` callers' buckets (at least 1; default 10 000).
    pub fn max_callers(mut self, n: usize) -> Self {
        self.max_callers = n.max(1);
        self
    }

    /// How many callers' buckets are kept now.
    pub fn tracked_callers(&self) -> usize {
        self.buckets.lock().expect("rate limit lock").len()
    }

    /// Take a token for `caller` at `now`, or say how long until one is there.
    fn take(&self, caller: &CallerKey, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().expect("rate limit lock");
        if !buckets.contains_key(caller) && buckets.len() >= self.max_callers {
            self.make_room(&mut buckets, now);
        }
        let fresh = Bucket {
            tokens: self.burst,
            at: now,
        };
        let bucket = buckets.entry(caller.clone()).or_insert(fresh);
        *bucket = bucket.refilled(now, self.per_second, self.burst);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / self.per_second;
            Err(Duration::from_secs_f64(wait).max(Duration::from_millis(1)))
        }
    }

    /// Drop the buckets that are full again at `now`; if none is, the one seen longest ago.
    fn make_room(&self, buckets: &mut HashMap<CallerKey, Bucket>, now: Instant) {
        let (rate, burst) = (self.per_second, self.burst);
        buckets.retain(|_, b| b.refilled(now, rate, burst).tokens < burst);
        if buckets.len() >= self.max_callers {
            let oldest = buckets
                .iter()
                .min_by_key(|(_, b)| b.at)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                buckets.remove(&k);
            }
        }
    }
}

/// The refusal: what happened, who, and when to retry.
fn refusal(caller: &CallerKey, method: &str, wait: Duration) -> ErrorObject {
    let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
    ErrorObject::new(
        RATE_LIMITED,
        format!("rate limit exceeded for {caller}: `{method}` refused; retry in {ms} ms"),
    )
    .with_data(json!({ "retryAfterMs": ms, "retryAfter": ms.div_ceil(1000) }))
}

impl Middleware for RateLimit {
    fn before(&self, request: &mut RequestInfo) -> Result<(), ErrorObject> {
        let Some(caller) = request.caller() else {
            return Ok(());
        };
        self.take(caller, Instant::now())
            .map_err(|wait| refusal(caller, request.method(), wait))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(n: u8) -> CallerKey {
        CallerKey::Address([192, 0, 2, n].into())
    }

    #[test]
    fn a_caller_gets_its_burst_then_waits_for_the_refill() {
        let limit = RateLimit::per_caller(2.0, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limit.take(&addr(1), t0), Ok(()));
        }
        let wait = limit.take(&addr(1), t0).expect_err("the burst is spent");
        assert_eq!(wait, Duration::from_millis(500), "one token at 2 a second");
        // Another caller has its own bucket.
        assert_eq!(limit.take(&addr(2), t0), Ok(()));
        // Half a second later, one more token.
        let t1 = t0 + Duration::from_millis(500);
        assert_eq!(limit.take(&addr(1), t1), Ok(()));
        assert!(limit.take(&addr(1), t1).is_err());
    }

    #[test]
    fn the_refusal_names_the_caller_and_the_wait() {
        let e = refusal(&addr(9), "tools/call", Duration::from_millis(1500));
        assert_eq!(e.code, RATE_LIMITED);
        assert!(e.message.contains("address 192.0.2.9"), "{}", e.message);
        assert!(e.message.contains("retry in 1500 ms"), "{}", e.message);
        assert_eq!(
            e.data,
            Some(json!({ "retryAfterMs": 1500, "retryAfter": 2 }))
        );
    }

    #[test]
    fn memory_stays_bounded_with_many_callers() {
        let limit = RateLimit::per_caller(1.0, 2).max_callers(100);
        let t0 = Instant::now();
        for n in 0..=255u8 {
            let _ = limit.take(&addr(n), t0);
            let _ = limit.take(&CallerKey::Subject(format!("s{n}")), t0);
        }
        assert!(
            limit.tracked_callers() <= 100,
            "{}",
            limit.tracked_callers()
        );
    }

    #[test]
    fn refilled_buckets_are_dropped_first_and_busy_callers_keep_theirs() {
        let limit = RateLimit::per_caller(1.0, 2).max_callers(2);
        let t0 = Instant::now();
        // `busy` spends its burst; `idle` takes one token.
        assert!(limit.take(&addr(1), t0).is_ok());
        assert!(limit.take(&addr(1), t0).is_ok());
        assert!(limit.take(&addr(2), t0).is_ok());
        // A second later `idle` is full again, `busy` is not: a newcomer replaces `idle`.
        let t1 = t0 + Duration::from_secs(1);
        assert!(limit.take(&addr(3), t1).is_ok());
        assert!(
            limit.take(&addr(1), t1).is_ok() && limit.take(&addr(1), t1).is_err(),
            "`busy` kept its bucket (one token refilled, not a fresh burst)"
        );
    }

    #[test]
    #[should_panic(expected = "positive number")]
    fn a_zero_rate_is_refused() {
        let _ = RateLimit::per_caller(0.0, 1);
    }
}
