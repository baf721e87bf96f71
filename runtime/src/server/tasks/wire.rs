//! The tasks extension's result shapes: `CreateTaskResult` (a `tools/call` that started a task)
//! and `DetailedTask` (`tasks/get`), from a [`TaskRecord`]; timestamps as RFC 3339.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use super::store::TaskRecord;
use crate::protocol::TaskStatus;

/// `2026-07-28T12:34:56.789Z` for `t` (UTC, milliseconds).
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Year, month, day of the `days`th day after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn status_str(s: TaskStatus) -> Value {
    serde_json::to_value(s).expect("statuses serialise")
}

/// The members every task shape has.
fn base(r: &TaskRecord, poll_interval: Duration) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("taskId".into(), json!(r.task_id));
    m.insert("status".into(), status_str(r.status));
    if let Some(msg) = &r.status_message {
        m.insert("statusMessage".into(), json!(msg));
    }
    m.insert("createdAt".into(), json!(rfc3339(r.created)));
    m.insert("lastUpdatedAt".into(), json!(rfc3339(r.last_updated)));
    m.insert("ttlMs".into(), json!(r.ttl.as_millis().max(1) as u64));
    m.insert(
        "pollIntervalMs".into(),
        json!(poll_interval.as_millis().max(1) as u64),
    );
    m
}

/// The answer to a `tools/call` that started task `r`: flat, `resultType: "task"`.
pub(crate) fn create_result(r: &TaskRecord, poll_interval: Duration) -> Value {
    let mut m = base(r, poll_interval);
    m.insert("resultType".into(), json!("task"));
    Value::Object(m)
}

/// The answer to `tasks/get`: the task, with its result (completed), error (failed) or input
/// requests (input_required) inlined.
pub(crate) fn detailed(r: &TaskRecord, poll_interval: Duration) -> Value {
    let mut m = base(r, poll_interval);
    m.insert("resultType".into(), json!("complete"));
    match r.status {
        TaskStatus::Completed => {
            if let Some(result) = &r.result {
                m.insert("result".into(), result.clone());
            }
        }
        TaskStatus::Failed => {
            if let Some(error) = &r.error {
                m.insert("error".into(), error.clone());
            }
        }
        TaskStatus::InputRequired => {
            m.insert(
                "inputRequests".into(),
                Value::Object(r.input_requests.clone()),
            );
        }
        TaskStatus::Working | TaskStatus::Cancelled => {}
    }
    Value::Object(m)
}

/// The empty acknowledgement of `tasks/update` and `tasks/cancel`.
pub(crate) fn ack() -> Value {
    json!({ "resultType": "complete" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_709_210_096_123); // a leap day
        assert_eq!(rfc3339(t), "2024-02-29T12:34:56.123Z");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(rfc3339(t), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn shapes_carry_only_their_members() {
        let mut r = TaskRecord::new("t".into(), "o".into(), Duration::from_secs(60));
        let created = create_result(&r, Duration::from_millis(500));
        assert_eq!(created["resultType"], "task");
        assert_eq!(created["ttlMs"], 60_000);
        for absent in [
            "result",
            "error",
            "inputRequests",
            "requestState",
            "ttl",
            "task",
        ] {
            assert!(created.get(absent).is_none(), "{absent}");
        }
        r.status = TaskStatus::Failed;
        r.error = Some(json!({"code": -32603, "message": "boom"}));
        let got = detailed(&r, Duration::from_millis(500));
        assert_eq!(got["error"]["code"], -32603);
        assert!(got.get("result").is_none());
        assert_eq!(got["resultType"], "complete");
    }
}
