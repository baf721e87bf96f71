//! Opening a connection: settling the protocol era (`server/discover` or the `initialize`
//! handshake, with the fallback of [`Protocol::Auto`]) and running its opening exchange.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::Settings;
use crate::client::era::{
    is_modern_error, Envelope, Protocol, META_SERVER_INFO, STATELESS_PROTOCOL_VERSION,
};
use crate::client::error::ClientError;
use crate::client::{Client, Link, SessionRenewal};
use crate::protocol::{
    Implementation, InitializeParams, InitializeResult, ServerCapabilities,
    LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS,
};
/// The answer to `server/discover`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DiscoverResult {
    supported_versions: Vec<String>,
    #[serde(default)]
    capabilities: ServerCapabilities,
    #[serde(default)]
    instructions: Option<String>,
    #[serde(rename = "_meta", default)]
    meta: Map<String, Value>,
}

/// True for an unsupported-version error (-32022) whose `data.supported` names the stateless
/// version this client speaks.
fn lists_our_version(e: &ClientError) -> bool {
    e.rpc_error().is_some_and(|err| {
        err.code == -32022
            && err
                .data
                .as_ref()
                .and_then(|d| d.get("supported"))
                .and_then(|s| s.as_array())
                .is_some_and(|s| s.iter().any(|v| v == STATELESS_PROTOCOL_VERSION))
    })
}

impl Settings {
    /// Settle the era and run its opening exchange on `link`; on failure tear `link` down.
    pub(super) async fn establish(self, link: Link) -> Result<Client, ClientError> {
        match self.negotiate(&link).await {
            Ok((init, envelope)) => {
                // A handshake-era HTTP session can end under the client (expiry, a server
                // restart): keep what a new `initialize` needs.
                let renewal = (envelope.is_none() && link.http.is_some())
                    .then(|| SessionRenewal::new(self.initialize_params()));
                Ok(Client {
                    link,
                    init,
                    envelope,
                    renewal,
                    output_schemas: Default::default(),
                })
            }
            Err(e) => Err(link.abandon(e).await),
        }
    }

    async fn negotiate(
        &self,
        link: &Link,
    ) -> Result<(InitializeResult, Option<Arc<Envelope>>), ClientError> {
        match self.protocol {
            Protocol::Legacy => Ok((self.handshake(link).await?, None)),
            Protocol::Stateless => {
                let discovered = self.discover(link, self.request_timeout).await?;
                if !discovered
                    .supported_versions
                    .iter()
                    .any(|v| v == STATELESS_PROTOCOL_VERSION)
                {
                    return Err(ClientError::Handshake(format!(
                        "the server supports protocol {}, not {STATELESS_PROTOCOL_VERSION}",
                        discovered.supported_versions.join(", ")
                    )));
                }
                Ok(self.stateless(link, discovered))
            }
            Protocol::Auto => match self.discover(link, self.probe_timeout).await {
                Ok(d)
                    if d.supported_versions
                        .iter()
                        .any(|v| v == STATELESS_PROTOCOL_VERSION) =>
                {
                    Ok(self.stateless(link, d))
                }
                Ok(d) => {
                    tracing::debug!(versions = ?d.supported_versions, "server/discover lists no version this client speaks statelessly; using initialize");
                    Ok((self.handshake(link).await?, None))
                }
                Err(e) if is_modern_error(&e) => Err(ClientError::Handshake(format!(
                    "the server speaks the stateless protocol but refused this client's \
                     {STATELESS_PROTOCOL_VERSION} probe: {e}"
                ))),
                Err(e) if e.is_connection_closed() => Err(e),
                Err(e) => {
                    tracing::debug!(error = %e, "the server/discover probe failed; using initialize");
                    Ok((self.handshake(link).await?, None))
                }
            },
        }
    }

    fn envelope(&self) -> Envelope {
        Envelope {
            client_info: self.info.clone(),
            capabilities: self.capabilities.clone(),
            log_level: std::sync::Mutex::new(None),
            max_rounds: self.max_input_rounds,
            on_round: self.on_round.clone(),
        }
    }

    /// `server/discover` with the 2026-07-28 envelope.
    /// `server/discover`; when the server refuses the version (-32022) but lists ours among the
    /// supported ones, try once more, as the spec asks a client to retry with a supported version.
    async fn discover(
        &self,
        link: &Link,
        timeout: Duration,
    ) -> Result<DiscoverResult, ClientError> {
        match self.discover_once(link, timeout).await {
            Err(e) if lists_our_version(&e) => {
                tracing::debug!(error = %e, "server/discover refused the version but lists it as supported; retrying");
                self.discover_once(link, timeout).await
            }
            other => other,
        }
    }

    async fn discover_once(
        &self,
        link: &Link,
        timeout: Duration,
    ) -> Result<DiscoverResult, ClientError> {
        let method = "server/discover";
        let params = self.envelope().wrap(method, None)?;
        let value = link
            .connection
            .request(method, Some(params), timeout, None)
            .await?;
        serde_json::from_value(value).map_err(|e| ClientError::InvalidResponse {
            method: method.to_owned(),
            reason: e.to_string(),
        })
    }

    /// The stateless era, from what discovery said.
    fn stateless(
        &self,
        link: &Link,
        d: DiscoverResult,
    ) -> (InitializeResult, Option<Arc<Envelope>>) {
        let server_info = d
            .meta
            .get(META_SERVER_INFO)
            .and_then(|v| serde_json::from_value::<Implementation>(v.clone()).ok())
            .unwrap_or_else(|| Implementation::new("unknown", "unknown"));
        link.connection.set_server(server_info.clone());
        let init = InitializeResult {
            protocol_version: STATELESS_PROTOCOL_VERSION.to_owned(),
            capabilities: d.capabilities,
            server_info,
            instructions: d.instructions,
        };
        (init, Some(Arc::new(self.envelope())))
    }

    /// The `initialize` request's params.
    fn initialize_params(&self) -> Value {
        let params = InitializeParams {
            protocol_version: LATEST_PROTOCOL_VERSION.to_owned(),
            capabilities: self.capabilities.clone(),
            client_info: self.info.clone(),
        };
        serde_json::to_value(params).expect("initialize params serialise")
    }

    async fn handshake(&self, link: &Link) -> Result<InitializeResult, ClientError> {
        initialize(link, self.initialize_params()).await
    }
}

/// The `initialize` handshake with `params` (the first, or one that replaces a session the
/// server ended); over HTTP, then the session's GET stream.
pub(crate) async fn initialize(
    link: &Link,
    params: Value,
) -> Result<InitializeResult, ClientError> {
    let method = "initialize";
    let value = link
        .connection
        .request(method, Some(params), link.request_timeout, None)
        .await?;
    let init: InitializeResult =
        serde_json::from_value(value).map_err(|e| ClientError::InvalidResponse {
            method: method.to_owned(),
            reason: e.to_string(),
        })?;
    if !SUPPORTED_PROTOCOL_VERSIONS.contains(&init.protocol_version.as_str()) {
        return Err(ClientError::Handshake(format!(
            "the server answered with protocol version {:?}, which this client does not \
             support (it supports {})",
            init.protocol_version,
            SUPPORTED_PROTOCOL_VERSIONS.join(", ")
        )));
    }
    link.connection.set_server(init.server_info.clone());
    if let Some(http) = &link.http {
        http.set_protocol_version(&init.protocol_version);
    }
    link.connection.notify("notifications/initialized", None)?;
    if let Some(http) = &link.http {
        http.open_standalone(Arc::clone(&link.connection)).await;
    }
    Ok(init)
}
