//! Which protocol era the client speaks, and the stateless era's machinery: the per-request
//! `_meta` envelope and multi round-trip requests (`input_required` results fulfilled with the
//! client's handlers, then retried).

use std::sync::{Arc, Mutex};

use futures::future::try_join_all;
use serde_json::{json, Map, Value};

use super::connection::{Connection, ProgressRegistration};
use super::error::ClientError;
use crate::jsonrpc::{ErrorObject, RequestId};
use crate::protocol::{ClientCapabilities, Implementation, LoggingLevel};

/// The stateless protocol revision this client speaks.
pub const STATELESS_PROTOCOL_VERSION: &str = "2026-07-28";

pub(crate) const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
pub(crate) const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
pub(crate) const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
pub(crate) const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
pub(crate) const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

/// Error codes that only a server of the stateless era sends: a probe answered with one of them
/// reached a modern server, so the client must not fall back to `initialize`.
const MODERN_ERRORS: [i64; 3] = [-32020, -32021, -32022];

/// Which protocol era a client speaks ([`ClientBuilder::protocol`](super::ClientBuilder::protocol)).
///
/// - [`Legacy`](Protocol::Legacy) (the default): the `initialize` handshake, protocol
///   2025-11-25 or older; the server sends sampling, elicitation and roots requests to the
///   client as JSON-RPC requests, and logs unless told otherwise. Chosen as the default because
///   it changes nothing for existing code and servers, and because a legacy stdio server may
///   never answer a probe.
/// - [`Stateless`](Protocol::Stateless): protocol 2026-07-28 only. `server/discover` is sent
///   first (its answer fills [`Client::initialize_result`](super::Client::initialize_result));
///   it must list 2026-07-28. Every request then carries the `_meta` envelope (version,
///   capabilities, client info, log level), and input the server needs arrives as
///   `input_required` results the client fulfils and retries.
/// - [`Auto`](Protocol::Auto): probe with `server/discover` (2026-07-28 envelope). When it
///   succeeds and lists 2026-07-28, speak stateless. When it fails with an error only a modern
///   server sends (`-32020`, `-32021`, `-32022`), the server is modern but cannot serve this
///   client: the connection fails, as the spec requires, rather than falling back. Any other
///   outcome (another error, an HTTP error without one of those, a result without 2026-07-28,
///   no answer within [`probe_timeout`](super::ClientBuilder::probe_timeout)) falls back to
///   `initialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Protocol {
    /// The `initialize` handshake (2025-11-25 and older).
    #[default]
    Legacy,
    /// Protocol 2026-07-28: no handshake, a `_meta` envelope on every request.
    Stateless,
    /// Probe with `server/discover`; stateless when the server speaks 2026-07-28, else legacy.
    Auto,
}

/// True when `error` is one only a stateless-era server sends.
pub(crate) fn is_modern_error(error: &ClientError) -> bool {
    error
        .rpc_error()
        .is_some_and(|e| MODERN_ERRORS.contains(&e.code))
}

/// One round of a multi round-trip request, as the
/// [`on_input_round`](super::ClientBuilder::on_input_round) observer sees it before the client
/// fulfils it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InputRound {
    /// The request being served (`tools/call`, `prompts/get`, `resources/read`).
    pub method: String,
    /// Which round this is, counting from 1.
    pub round: u32,
    /// What the server asked for: `(inputRequests key, method)`, sorted by key.
    pub requests: Vec<(String, String)>,
    /// True when the server sent a `requestState` to echo.
    pub has_state: bool,
}

/// An observer of input rounds.
pub(crate) type RoundFn = Arc<dyn Fn(&InputRound) + Send + Sync>;

/// What every request of the stateless era carries in `params._meta`.
pub(crate) struct Envelope {
    pub client_info: Implementation,
    pub capabilities: ClientCapabilities,
    pub log_level: Mutex<Option<LoggingLevel>>,
    pub max_rounds: u32,
    pub on_round: Option<RoundFn>,
}

impl Envelope {
    /// `params` (an object, or nothing) with the envelope merged into its `_meta`; keys the
    /// caller put in `_meta` (such as `progressToken`) are kept.
    pub(crate) fn wrap(&self, method: &str, params: Option<Value>) -> Result<Value, ClientError> {
        let mut params = match params {
            None => Map::new(),
            Some(Value::Object(map)) => map,
            Some(other) => {
                return Err(ClientError::InvalidArgument(format!(
                    "the params of `{method}` must be a JSON object in protocol \
                     {STATELESS_PROTOCOL_VERSION}, not `{other}`"
                )))
            }
        };
        let meta = params
            .entry("_meta")
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(meta) = meta else {
            return Err(ClientError::InvalidArgument(format!(
                "`params._meta` of `{method}` must be a JSON object"
            )));
        };
        meta.insert(META_VERSION.into(), json!(STATELESS_PROTOCOL_VERSION));
        meta.insert(
            META_CAPABILITIES.into(),
            serde_json::to_value(&self.capabilities).expect("capabilities serialise"),
        );
        meta.insert(
            META_CLIENT_INFO.into(),
            serde_json::to_value(&self.client_info).expect("client info serialises"),
        );
        if let Some(level) = *self.log_level.lock().expect("log level lock") {
            meta.insert(META_LOG_LEVEL.into(), json!(level));
        }
        Ok(Value::Object(params))
    }
}

/// Send a stateless-era request; while its result is `input_required`, fulfil the input
/// requests with the client's handlers (all at once) and retry with a new id, this round's
/// `inputResponses` and the server's `requestState`, up to the envelope's round limit.
pub(crate) async fn request(
    connection: &Arc<Connection>,
    envelope: &Envelope,
    method: &str,
    params: Option<Value>,
    timeout: std::time::Duration,
    progress: Option<&ProgressRegistration<'_>>,
) -> Result<Value, ClientError> {
    let base = envelope.wrap(method, params)?;
    let mut retry: Option<(Map<String, Value>, Option<Value>)> = None;
    let mut round = 0u32;
    loop {
        let mut params = base.clone();
        if let Some((responses, state)) = retry.take() {
            let p = params.as_object_mut().expect("wrapped params are objects");
            if !responses.is_empty() {
                p.insert("inputResponses".into(), Value::Object(responses));
            }
            if let Some(state) = state {
                p.insert("requestState".into(), state);
            }
        }
        let result = connection
            .request(method, Some(params), timeout, progress)
            .await?;
        if result.get("resultType").and_then(Value::as_str) != Some("input_required") {
            return Ok(result);
        }
        if round >= envelope.max_rounds {
            return Err(ClientError::TooManyRounds {
                method: method.to_owned(),
                rounds: round,
            });
        }
        round += 1;
        let invalid = |reason: String| ClientError::InvalidResponse {
            method: method.to_owned(),
            reason,
        };
        let requests = match result.get("inputRequests") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(other) => {
                return Err(invalid(format!(
                    "`inputRequests` must be an object, not `{other}`"
                )))
            }
        };
        let max_requests = connection.limits().max_input_requests;
        if requests.len() > max_requests {
            return Err(ClientError::TooManyInputRequests {
                method: method.to_owned(),
                requests: requests.len(),
                max: max_requests,
            });
        }
        // Echoed exactly as received, and only when the server sent one.
        let state = match result.get("requestState") {
            None => None,
            Some(s @ Value::String(_)) => Some(s.clone()),
            Some(other) => {
                return Err(invalid(format!(
                    "`requestState` must be a string, not `{other}`"
                )))
            }
        };
        if requests.is_empty() && state.is_none() {
            return Err(invalid(
                "an `input_required` result needs `inputRequests` or `requestState`".into(),
            ));
        }
        if let Some(observe) = &envelope.on_round {
            observe(&InputRound {
                method: method.to_owned(),
                round,
                requests: requests
                    .iter()
                    .map(|(k, r)| {
                        let m = r.get("method").and_then(Value::as_str).unwrap_or("");
                        (k.clone(), m.to_owned())
                    })
                    .collect(),
                has_state: state.is_some(),
            });
        }
        let responses = fulfil(connection, method, requests).await?;
        retry = Some((responses, state));
    }
}

/// Answer every input request concurrently; the first that cannot be answered fails them all.
pub(crate) async fn fulfil(
    connection: &Arc<Connection>,
    method: &str,
    requests: Map<String, Value>,
) -> Result<Map<String, Value>, ClientError> {
    let asks = requests.into_iter().map(|(key, request)| async move {
        let input_method = request
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let failed = |error: ErrorObject| ClientError::InputRequest {
            method: method.to_owned(),
            key: key.clone(),
            input_method: input_method.clone(),
            error: Box::new(error),
        };
        if !connection.handlers().answers(&input_method) {
            return Err(failed(ErrorObject::method_not_found(&input_method)));
        }
        let params = request.get("params").cloned();
        let id = RequestId::String(key.as_str().into());
        match connection
            .answer(&input_method, params, id, Some(key.clone()))
            .await
        {
            Ok(answer) => Ok((key, answer)),
            Err(e) => Err(failed(e)),
        }
    });
    Ok(try_join_all(asks).await?.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope() -> Envelope {
        Envelope {
            client_info: Implementation::new("c", "1"),
            capabilities: ClientCapabilities::default(),
            log_level: Mutex::new(None),
            max_rounds: 3,
            on_round: None,
        }
    }

    #[test]
    fn the_envelope_joins_existing_meta() {
        let e = envelope();
        let p = e
            .wrap(
                "tools/call",
                Some(json!({"name": "t", "_meta": {"progressToken": 4}})),
            )
            .unwrap();
        assert_eq!(p["name"], "t");
        assert_eq!(p["_meta"]["progressToken"], 4);
        assert_eq!(p["_meta"][META_VERSION], STATELESS_PROTOCOL_VERSION);
        assert_eq!(p["_meta"][META_CAPABILITIES], json!({}));
        assert_eq!(p["_meta"][META_CLIENT_INFO]["name"], "c");
        assert!(p["_meta"].get(META_LOG_LEVEL).is_none());
        *e.log_level.lock().unwrap() = Some(LoggingLevel::Warning);
        let p = e.wrap("tools/list", None).unwrap();
        assert_eq!(p["_meta"][META_LOG_LEVEL], "warning");
        assert!(e.wrap("x", Some(json!([1]))).is_err());
        assert!(e.wrap("x", Some(json!({"_meta": 1}))).is_err());
    }

    #[test]
    fn only_stateless_codes_are_modern() {
        let rpc = |code| ClientError::Rpc {
            method: "server/discover".into(),
            error: ErrorObject::new(code, "x"),
        };
        assert!(is_modern_error(&rpc(-32022)));
        assert!(is_modern_error(&rpc(-32020)));
        assert!(!is_modern_error(&rpc(-32601)));
        assert!(!is_modern_error(&rpc(-32602)));
        assert!(!is_modern_error(&ClientError::Transport {
            method: "server/discover".into(),
            status: Some(400),
            reason: "bad".into()
        }));
    }
}
