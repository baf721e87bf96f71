//! Unit tests for your tools without I/O: a [`TestClient`] connected to your [`Server`] in
//! memory, answering the server's sampling and elicitation requests from a script.
//!
//! The server runs exactly as it would over stdio (the same dispatcher, the same handshake, the
//! same `Context`), over an in-memory pipe instead of a process's stdin and stdout. The client is
//! the toolkit's [`Client`], so everything it offers (`call_tool`, `read_resource`, `get_prompt`,
//! listings, completions) is there through `Deref`. Sampling requests are answered in turn from
//! the replies scripted with [`TestClientBuilder::sample_reply`], elicitations from those of
//! [`TestClientBuilder::elicit_reply`]; the requests themselves are kept, for the test to check
//! what the tool asked ([`TestClient::sampled`], [`TestClient::elicited`]). A request the script
//! has no answer for is refused with an error saying so. Without any scripted sampling reply the
//! client does not declare the sampling capability (the same for elicitation), so a tool's
//! fallback for clients that cannot sample is tested by scripting none.
//!
//! ```
//! use toolsmith::prelude::*;
//! use toolsmith::testing::TestClient;
//!
//! /// Summarise a text with the client's model.
//! #[tool]
//! async fn summarize(text: String, ctx: Context<'_>) -> Result<String, ToolError> {
//!     Ok(ctx.sample(format!("Summarise: {text}")).max_tokens(50).await?.text())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let client = TestClient::builder(Server::new("notes", "1.0").tool(summarize))
//!     .sample_reply("A short summary.")
//!     .connect()
//!     .await
//!     .unwrap();
//! let result = client.call_tool("summarize", serde_json::json!({"text": "A long text"})).await.unwrap();
//! assert_eq!(result.text_content(), "A short summary.");
//! assert_eq!(client.sampled()[0].last_user_text(), "Summarise: A long text");
//! # }
//! ```
//!
//! Needs the `testing` feature (it turns on `server` and `client`); in a crate's tests, put it in
//! `[dev-dependencies]`: `toolsmith = { version = "..", features = ["testing"] }`.

mod script;

use std::collections::VecDeque;
use std::ops::Deref;
use std::sync::Arc;

use serde_json::Value;
use tokio::task::JoinHandle;

use crate::client::{
    Client, ClientBuilder, ClientError, ElicitationRequest, HandlerError, Protocol, SamplingError,
    SamplingReply, SamplingRequest,
};
use crate::protocol::{ElicitAction, ElicitResult};
use crate::{Error, Server};
use script::Script;

type Samples = Script<Result<SamplingReply, SamplingError>, SamplingRequest>;
type Elicitations = Script<Result<ElicitResult, HandlerError>, ElicitationRequest>;

/// A client connected in memory to a [`Server`], answering from a script. See the
/// [module docs](self).
pub struct TestClient {
    client: Client,
    samples: Arc<Samples>,
    elicitations: Arc<Elicitations>,
    serving: JoinHandle<Result<(), Error>>,
}

/// Builds a [`TestClient`]: script the answers, then [`connect`](TestClientBuilder::connect).
pub struct TestClientBuilder {
    server: Server,
    client: ClientBuilder,
    samples: VecDeque<Result<SamplingReply, SamplingError>>,
    elicitations: VecDeque<Result<ElicitResult, HandlerError>>,
}

impl TestClient {
    /// A test client for `server`; script its answers on the builder.
    pub fn builder(server: Server) -> TestClientBuilder {
        TestClientBuilder {
            server,
            client: Client::builder("toolsmith-test-client", env!("CARGO_PKG_VERSION")),
            samples: VecDeque::new(),
            elicitations: VecDeque::new(),
        }
    }

    /// A test client for `server` with nothing scripted (no sampling, no elicitation).
    pub async fn connect(server: Server) -> Result<TestClient, ClientError> {
        TestClient::builder(server).connect().await
    }

    /// The sampling requests the server sent so far, in order.
    pub fn sampled(&self) -> Vec<SamplingRequest> {
        self.samples.requests()
    }

    /// The elicitation requests the server sent so far, in order.
    pub fn elicited(&self) -> Vec<ElicitationRequest> {
        self.elicitations.requests()
    }

    /// How many scripted answers (sampling and elicitation) were not used.
    pub fn unused_answers(&self) -> usize {
        self.samples.unused() + self.elicitations.unused()
    }

    /// Close the client and wait for the server to finish: its error, if it failed (for example
    /// a registration error such as two tools of the same name).
    pub async fn shutdown(self) -> Result<(), Error> {
        let _ = self.client.close().await;
        self.serving
            .await
            .unwrap_or_else(|e| Err(Error::Config(format!("the server task failed: {e}"))))
    }
}

impl Deref for TestClient {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl TestClientBuilder {
    /// Answer the next sampling request with `reply` (text, or a full `CreateMessageResult`).
    pub fn sample_reply(mut self, reply: impl Into<SamplingReply>) -> Self {
        self.samples.push_back(Ok(reply.into()));
        self
    }

    /// Refuse the next sampling request with `error` (e.g. `SamplingError::rejected(..)`, a user
    /// who declined).
    pub fn sample_error(mut self, error: SamplingError) -> Self {
        self.samples.push_back(Err(error));
        self
    }

    /// Answer the next elicitation with `result`.
    pub fn elicit_reply(mut self, result: ElicitResult) -> Self {
        self.elicitations.push_back(Ok(result));
        self
    }

    /// Answer the next elicitation by accepting it with `content` (a JSON object of the form's
    /// fields; anything else is sent as no content).
    pub fn elicit_accept(self, content: Value) -> Self {
        self.elicit_reply(ElicitResult {
            action: ElicitAction::Accept,
            content: match content {
                Value::Object(m) => Some(m),
                _ => None,
            },
        })
    }

    /// Answer the next elicitation with the user declining.
    pub fn elicit_decline(self) -> Self {
        self.elicit_reply(ElicitResult {
            action: ElicitAction::Decline,
            content: None,
        })
    }

    /// The protocol to speak: the handshake era (the default) or 2026-07-28
    /// ([`Protocol::Stateless`]), where the same asks travel as multi round-trip requests.
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.client = self.client.protocol(protocol);
        self
    }

    /// Configure the client further (roots, a log handler, timeouts), e.g.
    /// `.client(|c| c.roots([Root::new("file:///work")]))`.
    pub fn client(mut self, f: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Self {
        self.client = f(self.client);
        self
    }

    /// Start the server on an in-memory pipe and connect the client to it.
    pub async fn connect(self) -> Result<TestClient, ClientError> {
        let samples = Script::new("sampling", self.samples);
        let elicitations = Script::new("elicitation", self.elicitations);
        let mut client = self.client;
        if samples.unused() > 0 {
            let script = Arc::clone(&samples);
            client = client.sampling_handler(move |req: SamplingRequest| {
                let answer = script.next(req);
                async move { answer.map_err(SamplingError::rejected)? }
            });
        }
        if elicitations.unused() > 0 {
            let script = Arc::clone(&elicitations);
            client = client.elicitation_handler(move |req: ElicitationRequest| {
                let answer = script.next(req);
                async move { answer.map_err(HandlerError::rejected)? }
            });
        }
        let (client_end, server_end) = tokio::io::duplex(1 << 20);
        let (read, write) = tokio::io::split(server_end);
        let serving = tokio::spawn(self.server.serve(read, write));
        let (read, write) = tokio::io::split(client_end);
        let client = match client.connect(read, write).await {
            Ok(client) => client,
            Err(e) => return Err(server_error(serving).await.unwrap_or(e)),
        };
        Ok(TestClient {
            client,
            samples,
            elicitations,
            serving,
        })
    }
}

/// Why the server stopped, when it did (e.g. a registration error: it ends before the
/// handshake, which then fails for want of a peer).
async fn server_error(serving: JoinHandle<Result<(), Error>>) -> Option<ClientError> {
    let bounded = std::time::Duration::from_secs(1);
    match tokio::time::timeout(bounded, serving).await {
        Ok(Ok(Err(e))) => Some(ClientError::Handshake(format!(
            "the server did not start: {e}"
        ))),
        _ => None,
    }
}
