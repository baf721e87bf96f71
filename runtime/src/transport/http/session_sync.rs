//! Keeping the table of live sessions in step with the configured [`SessionStore`]: finding a
//! request's session (reviving one opened on another replica, dropping one ended elsewhere) and
//! writing a session's facts when they change or its activity is due a refresh.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};

use super::config::HttpConfig;
use super::session_store::{SessionFacts, SessionRecord, SessionStore, StoreError};
use super::sessions::{Activity, HttpSession, Refused, Sessions};
use crate::jsonrpc::{ErrorObject, Message};
use crate::protocol::codes::SERVER_BUSY;
use crate::transport::Dispatch;

/// A `503` with the "server busy" JSON-RPC error: the store failed, or no room to revive.
pub(super) fn unavailable(message: String) -> Response {
    let body = Message::error(None, ErrorObject::new(SERVER_BUSY, message)).to_json();
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::RETRY_AFTER, "1"),
        ],
        body,
    )
        .into_response()
}

fn store_failed(e: &StoreError) -> Response {
    tracing::warn!(error = %e, "session store failed");
    unavailable(format!("{e}; try again"))
}

/// The session `id` for `caller` (the authenticated caller, if any): the one held here, checked
/// against the store when there is one (gone from it: ended elsewhere, dropped here too; its
/// level and subscriptions as the store has them), or revived from the store, counted against
/// `count_as`. `Ok(None)`: no such session for this caller.
pub(super) async fn find(
    sessions: &Sessions,
    dispatch: &dyn Dispatch,
    config: &HttpConfig,
    id: &str,
    caller: Option<&str>,
    count_as: Option<String>,
) -> Result<Option<Arc<HttpSession>>, Response> {
    let owned = |s: &HttpSession| s.owner.get().is_none_or(|o| o.as_deref() == caller);
    let local = sessions.get(id);
    let Some(store) = &config.session_store else {
        return Ok(local.filter(|s| owned(s)));
    };
    if local.as_ref().is_some_and(|s| !owned(s)) {
        return Ok(None);
    }
    let record = store.0.get(id).await.map_err(|e| store_failed(&e))?;
    let Some(record) = record else {
        if let Some(s) = local {
            tracing::debug!(session = %id, "session ended elsewhere; dropping it here");
            if sessions.remove(id).is_some() {
                tokio::spawn(Arc::clone(&s.session).close());
            }
        }
        return Ok(None);
    };
    if record.owner.as_deref() != caller {
        return Ok(None);
    }
    let facts = SessionFacts {
        protocol_version: record.protocol_version,
        capabilities: record.capabilities,
        client_info: record.client_info,
        log_level: record.log_level,
        subscriptions: record.subscriptions,
    };
    if let Some(s) = local {
        if s.session.facts().as_ref() != Some(&facts) {
            s.session.restore(facts);
        }
        return Ok(Some(s));
    }
    let revived = sessions
        .create(
            dispatch,
            count_as,
            config,
            Some((record.id, record.created)),
        )
        .map_err(|refused| {
            let max = match refused {
                Refused::Full(max) | Refused::CallerFull(max) => max,
            };
            unavailable(format!(
                "too many sessions here (at most {max}) to take on this one; try again later"
            ))
        })?;
    if revived.owner.set(record.owner).is_ok() {
        tracing::debug!(session = %id, "session revived from the store");
        revived.session.restore(facts);
        revived
            .saved_changes
            .store(revived.session.changes(), Ordering::Relaxed);
        if record.in_use {
            revived.note(Activity::Request);
        }
        *revived.last_saved.lock().expect("last-saved lock") = (Instant::now(), record.in_use);
    }
    Ok(Some(revived))
}

/// The time to live of a record, and how often activity refreshes it: the idle timeout that
/// applies plus a quarter, refreshed every quarter, so a record outlives the last activity by at
/// least the timeout.
fn ttl(config: &HttpConfig, in_use: bool) -> (Duration, Duration) {
    let timeout = if in_use {
        config.session_idle_timeout
    } else {
        config
            .new_session_idle_timeout
            .min(config.session_idle_timeout)
    };
    (timeout + timeout / 4, timeout / 4)
}

/// Write the session to the store (if one is configured) when its facts changed, it came into
/// use, or its record is due a refresh.
pub(super) async fn save(config: &HttpConfig, s: &HttpSession) -> Result<(), Response> {
    let Some(store) = &config.session_store else {
        return Ok(());
    };
    let changes = s.session.changes();
    let in_use = s.in_use();
    let (at, was_in_use) = *s.last_saved.lock().expect("last-saved lock");
    let (ttl, refresh) = ttl(config, in_use);
    let due = changes != s.saved_changes.load(Ordering::Relaxed)
        || in_use != was_in_use
        || at.elapsed() >= refresh;
    if !due {
        return Ok(());
    }
    let Some(facts) = s.session.facts() else {
        return Ok(());
    };
    let record = SessionRecord {
        id: s.id.clone(),
        protocol_version: facts.protocol_version,
        client_info: facts.client_info,
        capabilities: facts.capabilities,
        log_level: facts.log_level,
        subscriptions: facts.subscriptions,
        owner: s.owner.get().cloned().flatten(),
        in_use,
        created: s.created,
        last_seen: SystemTime::now(),
    };
    put(store.0.as_ref(), record, ttl).await?;
    s.saved_changes.store(changes, Ordering::Relaxed);
    *s.last_saved.lock().expect("last-saved lock") = (Instant::now(), in_use);
    Ok(())
}

async fn put(
    store: &dyn SessionStore,
    record: SessionRecord,
    ttl: Duration,
) -> Result<(), Response> {
    store.put(record, ttl).await.map_err(|e| store_failed(&e))
}

/// Remove the session from the store (if one is configured): `DELETE`.
pub(super) async fn remove(config: &HttpConfig, id: &str) -> Result<(), Response> {
    match &config.session_store {
        Some(store) => store.0.remove(id).await.map_err(|e| store_failed(&e)),
        None => Ok(()),
    }
}
