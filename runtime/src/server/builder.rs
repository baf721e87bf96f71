use std::sync::{Arc, RwLock};

use serde_json::{json, Map, Value};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::broadcast;

use super::admission::Admission;
use super::completion::CompleterFn;
use super::registry::{CompletionRef, Registry};
use super::request_state::StateKeys;
use super::roots_changed::{OnRootsChanged, RootsChanged};
use super::{Limits, Session};
use crate::context::{LocalSampler, SamplerMode, SamplingPolicy, SamplingSetup};
use crate::prompt::IntoPrompt;
use crate::protocol::{check_icons, Icon, Implementation, ServerCapabilities};
use crate::resource::IntoResource;
use crate::tool::{IntoTool, ToolBox};
use crate::transport;
use crate::Error;

/// An MCP server under construction: register tools, resources and prompts, then serve.
///
/// ```no_run
/// use toolsmith::prelude::*;
///
/// /// Echo the text back.
/// #[tool]
/// async fn echo(text: String) -> String {
///     text
/// }
///
/// # async fn run() -> Result<(), toolsmith::Error> {
/// Server::new("echo", "1.0.0").tool(echo).serve_stdio().await
/// # }
/// ```
pub struct Server {
    info: Implementation,
    instructions: Option<String>,
    limits: Limits,
    page_size: Option<usize>,
    shared: Arc<Shared>,
    pub(super) errors: Vec<String>,
    /// The configured `requestState` keys (or why they were refused); none: a random key.
    pub(super) state_keys: Option<Result<StateKeys, String>>,
    sampling: SamplingSetup,
    expose_errors: bool,
    on_roots_changed: Option<OnRootsChanged>,
    /// Registered with `Server::middleware` (server/middleware/register.rs).
    pub(super) middleware: Vec<Arc<dyn super::middleware::Middleware>>,
    /// The task store and time to live (the tasks extension; `server/tasks/setup.rs`).
    pub(super) tasks: super::tasks::TaskSetup,
    /// The skills extension's entries (`server/skills`).
    pub(super) skills: super::skills::Catalog,
}

/// A change every connected session hears about.
#[derive(Debug, Clone)]
pub(crate) enum ServerEvent {
    ToolsChanged,
    ResourcesChanged,
    PromptsChanged,
    ResourceUpdated(String),
}

/// The mutable part of a server, shared with its [`ServerHandle`]s.
pub(crate) struct Shared {
    pub registry: RwLock<Arc<Registry>>,
    pub events: broadcast::Sender<ServerEvent>,
    /// The events raised here (not those heard from other replicas): what a fan-out publishes.
    pub raised: broadcast::Sender<ServerEvent>,
    /// URL-mode elicitations sent, for `ServerHandle::elicitation_complete`.
    pub url_elicitations: Arc<crate::context::UrlElicitations>,
}

impl Shared {
    pub(crate) fn registry(&self) -> Arc<Registry> {
        self.registry.read().expect("registry lock").clone()
    }

    fn update<T>(&self, f: impl FnOnce(&mut Registry) -> T) -> T {
        let mut guard = self.registry.write().expect("registry lock");
        f(Arc::make_mut(&mut guard))
    }

    fn emit(&self, event: ServerEvent) {
        // No receivers simply means no session is connected.
        let _ = self.raised.send(event.clone());
        let _ = self.events.send(event);
    }
}

/// The immutable part of a running server, shared by every connection.
pub(crate) struct ServerCore {
    pub info: Implementation,
    /// The `_meta` object of every 2026-07-28 result, `{"io.modelcontextprotocol/serverInfo":
    /// ..}`, as JSON text: written once here, spliced into each result sent as text.
    pub result_meta: String,
    pub instructions: Option<String>,
    pub limits: Arc<Limits>,
    pub page_size: Option<usize>,
    pub shared: Arc<Shared>,
    pub state_keys: StateKeys,
    pub sampling: Arc<SamplingSetup>,
    pub expose_errors: bool,
    /// Called on each `notifications/roots/list_changed`.
    pub on_roots_changed: Option<OnRootsChanged>,
    /// Admission of requests that run handlers: the server-wide execution slots, per-caller
    /// counts, the bytes queued for a slot.
    pub admission: Arc<Admission>,
    /// Open `subscriptions/listen` streams, per caller.
    pub listens: super::subscriptions::ListenStreams,
    /// The middleware chain; `None` when there is none (nothing to run per request).
    pub middleware: Option<super::middleware::Chain>,
    /// Handlers suspended between rounds of multi round-trip requests.
    pub continuations: super::continuations::Continuations,
    /// The last stateless-era envelope decoded, and its peer.
    pub peers: super::peer_cache::PeerCache,
    /// Tasks (the tasks extension): their store, and those running here.
    pub tasks: Arc<super::tasks::Tasks>,
    /// The skills extension's entries (`skills/list`, `skills/get`).
    pub skills: super::skills::Catalog,
}

impl ServerCore {
    /// The capabilities of what is registered now.
    pub(crate) fn capabilities(&self) -> ServerCapabilities {
        let r = self.shared.registry();
        ServerCapabilities {
            tools: Some(json!({ "listChanged": true })),
            resources: r
                .has_resources()
                .then(|| json!({ "subscribe": true, "listChanged": true })),
            prompts: r.has_prompts().then(|| json!({ "listChanged": true })),
            completions: r.has_completers().then(|| json!({})),
            logging: Some(json!({})),
            extra: {
                let mut extra = super::tasks::advertised(&r);
                super::skills::advertise(&self.skills, &mut extra);
                extra
            },
            ..Default::default()
        }
    }
}

/// Changes what a running server offers; every connected client is told (`list_changed`), and
/// subscribers hear of resource updates.
///
/// ```no_run
/// use toolsmith::prelude::*;
///
/// /// The build status.
/// #[resource(uri = "ci://status")]
/// async fn status() -> String {
///     std::fs::read_to_string("status.txt").unwrap_or_else(|_| "unknown".into())
/// }
///
/// /// Deploy the last green build.
/// #[tool(destructive)]
/// async fn deploy() -> &'static str {
///     "deployed"
/// }
///
/// #[tokio::main]
/// async fn main() -> Result<(), toolsmith::Error> {
///     let server = Server::new("ci", "1.0.0").resource(status);
///     let handle = server.handle();
///     tokio::spawn(async move {
///         // Once the build is green: offer `deploy`, and tell subscribers `ci://status` changed.
///         tokio::time::sleep(std::time::Duration::from_secs(60)).await;
///         handle.add_tool(deploy).expect("`deploy` is a valid tool");
///         handle.resource_updated("ci://status");
///     });
///     server.serve_stdio().await
/// }
/// ```
#[derive(Clone)]
pub struct ServerHandle {
    pub(super) shared: Arc<Shared>,
}

impl ServerHandle {
    /// Add (or replace) a tool.
    pub fn add_tool(&self, tool: impl IntoTool) -> Result<(), Error> {
        self.shared
            .update(|r| r.add_tool(tool.into_tool()))
            .map_err(Error::Config)?;
        self.shared.emit(ServerEvent::ToolsChanged);
        Ok(())
    }

    /// Remove a tool by name; false when there was none.
    pub fn remove_tool(&self, name: &str) -> bool {
        let removed = self.shared.update(|r| r.remove_tool(name));
        if removed {
            self.shared.emit(ServerEvent::ToolsChanged);
        }
        removed
    }

    /// Add (or replace) a resource or resource template.
    pub fn add_resource(&self, resource: impl IntoResource) -> Result<(), Error> {
        let def = resource
            .into_resource()
            .map_err(|e| Error::Config(e.to_string()))?;
        self.shared
            .update(|r| r.add_resource(def))
            .map_err(Error::Config)?;
        self.shared.emit(ServerEvent::ResourcesChanged);
        Ok(())
    }

    /// Remove a resource by URI (or URI template); false when there was none.
    pub fn remove_resource(&self, uri: &str) -> bool {
        let removed = self.shared.update(|r| r.remove_resource(uri));
        if removed {
            self.shared.emit(ServerEvent::ResourcesChanged);
        }
        removed
    }

    /// Add (or replace) a prompt.
    pub fn add_prompt(&self, prompt: impl IntoPrompt) -> Result<(), Error> {
        self.shared
            .update(|r| r.add_prompt(prompt.into_prompt()))
            .map_err(Error::Config)?;
        self.shared.emit(ServerEvent::PromptsChanged);
        Ok(())
    }

    /// Remove a prompt by name; false when there was none.
    pub fn remove_prompt(&self, name: &str) -> bool {
        let removed = self.shared.update(|r| r.remove_prompt(name));
        if removed {
            self.shared.emit(ServerEvent::PromptsChanged);
        }
        removed
    }

    /// Tell the clients subscribed to `uri` that it changed (`notifications/resources/updated`).
    pub fn resource_updated(&self, uri: impl Into<String>) {
        self.shared.emit(ServerEvent::ResourceUpdated(uri.into()));
    }
}

impl Server {
    /// A server with a name and version (sent as `serverInfo`).
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        let (events, _) = broadcast::channel(256);
        let (raised, _) = broadcast::channel(256);
        Server {
            info: Implementation::new(name, version),
            instructions: None,
            limits: Limits::default(),
            page_size: None,
            shared: Arc::new(Shared {
                registry: RwLock::new(Arc::new(Registry::default())),
                events,
                raised,
                url_elicitations: Arc::default(),
            }),
            errors: Vec::new(),
            state_keys: None,
            sampling: SamplingSetup::default(),
            expose_errors: false,
            on_roots_changed: None,
            middleware: Vec::new(),
            tasks: Default::default(),
            skills: Default::default(),
        }
    }

    /// Send the detail of internal tool errors (errors converted with `?`) to clients. Off by
    /// default: clients see that the tool failed, and the detail is only logged.
    pub fn expose_error_details(mut self, expose: bool) -> Self {
        self.expose_errors = expose;
        self
    }

    /// Call `f` each time a client says its roots changed (`notifications/roots/list_changed`,
    /// handshake era; in protocol 2026-07-28 roots travel with each request). It runs on the
    /// session's reader: keep it quick (send on a channel, bump a counter).
    pub fn on_roots_changed(mut self, f: impl Fn(RootsChanged) + Send + Sync + 'static) -> Self {
        self.on_roots_changed = Some(Arc::new(f));
        self
    }

    /// The sampling policy every `ctx.sample()` passes before anything leaves the server:
    /// which handlers may sample, caps on `maxTokens` and prompt size, redaction hooks.
    pub fn sampling_policy(mut self, policy: SamplingPolicy) -> Self {
        self.sampling.policy = policy;
        self
    }

    /// The server's own model: used when the client cannot sample ([`SamplerMode::Fallback`]) or
    /// for every sample ([`SamplerMode::Always`]). Tool code does not change.
    pub fn sampler(mut self, sampler: impl LocalSampler, mode: SamplerMode) -> Self {
        self.sampling.local = Some((Arc::new(sampler), mode));
        self
    }

    /// Instructions for the client's model on how to use this server.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// A human-readable title for the server.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.info.title = Some(title.into());
        self
    }

    /// A description of the server, sent with its name in the server info.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.info.description = Some(description.into());
        self
    }

    /// Add an icon to the server info (its `src` is checked when the server starts: an
    /// `https:` URL or a `data:image/...` URI).
    ///
    /// ```
    /// use toolsmith::{protocol::Icon, Server};
    ///
    /// let server = Server::new("weather", "1.0.0")
    ///     .title("Weather")
    ///     .description("Forecasts and alerts")
    ///     .website_url("https://example.com/weather")
    ///     .icon(Icon::new("https://example.com/weather.png").sizes(["48x48"]));
    /// # let _ = server;
    /// ```
    pub fn icon(mut self, icon: Icon) -> Self {
        self.info.icons.push(icon);
        self
    }

    /// The server's home page, sent in the server info (an `https:` or `http:` URL).
    pub fn website_url(mut self, url: impl Into<String>) -> Self {
        self.info.website_url = Some(url.into());
        self
    }

    pub(super) fn register(mut self, f: impl FnOnce(&mut Registry) -> Result<(), String>) -> Self {
        if let Err(e) = self.shared.update(f) {
            self.errors.push(e);
        }
        self
    }

    /// Register a tool: a function annotated with `#[tool]`, or a [`ToolDef`](crate::ToolDef).
    pub fn tool(self, tool: impl IntoTool) -> Self {
        let def = tool.into_tool();
        self.register(|r| {
            if r.tool(def.name()).is_some() {
                return Err(format!("two tools are named `{}`", def.name()));
            }
            r.add_tool(def)
        })
    }

    /// Register every `#[tool]`, `#[resource]` and `#[prompt]` method of a type whose impl block
    /// has `#[tools]`, bound to `state`.
    pub fn tools<S: ToolBox>(self, state: impl Into<Arc<S>>) -> Self {
        self.tools_shared(state.into())
    }

    /// [`Server::tools`] for state you already hold in an `Arc` (and share with other code):
    /// `server.tools_shared(Arc::clone(&state))`.
    pub fn tools_shared<S: ToolBox>(self, state: Arc<S>) -> Self {
        let resources = S::resource_defs(Arc::clone(&state));
        let prompts = S::prompt_defs(Arc::clone(&state));
        let server = S::tool_defs(state)
            .into_iter()
            .fold(self, |s, def| s.tool(def));
        let server = resources.into_iter().fold(server, |s, def| s.resource(def));
        prompts.into_iter().fold(server, |s, def| s.prompt(def))
    }

    /// Register a resource or resource template: a function annotated with `#[resource]`.
    pub fn resource(self, resource: impl IntoResource) -> Self {
        let def = resource.into_resource();
        self.register(|r| {
            let def = def.map_err(|e| e.to_string())?;
            if r.resource(def.uri())
                .is_some_and(|(d, _)| d.uri() == def.uri())
            {
                return Err(format!("two resources have the URI `{}`", def.uri()));
            }
            r.add_resource(def)
        })
    }

    /// Register a prompt: a function annotated with `#[prompt]`.
    pub fn prompt(self, prompt: impl IntoPrompt) -> Self {
        let def = prompt.into_prompt();
        self.register(|r| {
            if r.prompt(def.name()).is_some() {
                return Err(format!("two prompts are named `{}`", def.name()));
            }
            r.add_prompt(def)
        })
    }

    /// Complete values of a prompt argument (`completion/complete`); declares the `completions`
    /// capability.
    pub fn complete_prompt_argument(
        self,
        prompt: &str,
        argument: &str,
        completer: impl Fn(&str, &Map<String, Value>) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        let c = CompleterFn::Sync(Arc::new(completer));
        let (p, a) = (prompt.to_owned(), argument.to_owned());
        self.register(move |r| {
            r.add_completer(CompletionRef::Prompt(p), a, c);
            Ok(())
        })
    }

    /// Complete values of a resource template variable (`completion/complete`); declares the
    /// `completions` capability.
    pub fn complete_resource_variable(
        self,
        uri_template: &str,
        variable: &str,
        completer: impl Fn(&str, &Map<String, Value>) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        let c = CompleterFn::Sync(Arc::new(completer));
        let (u, v) = (uri_template.to_owned(), variable.to_owned());
        self.register(move |r| {
            r.add_completer(CompletionRef::Resource(u), v, c);
            Ok(())
        })
    }

    /// Page `*/list` results, `size` items a page (default: everything in one page).
    pub fn page_size(mut self, size: usize) -> Self {
        self.page_size = Some(size.max(1));
        self
    }

    /// Replace the limits and timeouts.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// A handle to change what the server offers while it runs.
    pub fn handle(&self) -> ServerHandle {
        ServerHandle {
            shared: Arc::clone(&self.shared),
        }
    }

    pub(crate) fn build(self) -> Result<Arc<ServerCore>, Error> {
        let mut errors = self.errors;
        let state_keys = match self.state_keys {
            None => StateKeys::random(),
            Some(Ok(keys)) => keys,
            Some(Err(e)) => {
                errors.push(e);
                StateKeys::random()
            }
        };
        if let Err(e) = check_icons("the server info", &self.info.icons) {
            errors.push(e);
        }
        if let Some(url) = &self.info.website_url {
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://"))
                || url.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                errors.push(format!(
                    "website URL `{url}` is not an `https:` or `http:` URL"
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Error::Config(errors.join("; ")));
        }
        let admission = Arc::new(Admission::new(&self.limits));
        let continuations = super::continuations::Continuations::new(&self.limits);
        let result_meta =
            serde_json::json!({ super::era::META_SERVER_INFO: &self.info }).to_string();
        Ok(Arc::new(ServerCore {
            info: self.info,
            result_meta,
            instructions: self.instructions,
            limits: Arc::new(self.limits),
            page_size: self.page_size,
            shared: self.shared,
            state_keys,
            sampling: Arc::new(self.sampling),
            expose_errors: self.expose_errors,
            on_roots_changed: self.on_roots_changed,
            admission,
            listens: Default::default(),
            middleware: (!self.middleware.is_empty()).then(|| self.middleware.into()),
            continuations,
            peers: Default::default(),
            tasks: Arc::new(self.tasks.build()),
            skills: self.skills,
        }))
    }

    /// Serve one client over this process's stdin and stdout until stdin closes.
    ///
    /// Nothing but protocol messages is written to stdout; send diagnostics to stderr (for
    /// example with `tracing_subscriber::fmt().with_writer(std::io::stderr)`).
    ///
    /// When stdin and stdout are pipes or sockets (a client spawned this process), they are made
    /// non-blocking for the life of the connection and served by the runtime's reactor, the
    /// connection running as a task of the runtime; otherwise (a terminal, a file) through
    /// tokio's `Stdin` and `Stdout`. Handlers run on the tokio runtime either way.
    #[cfg(feature = "stdio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "stdio")))]
    pub async fn serve_stdio(self) -> Result<(), Error> {
        let core = self.build()?;
        let max = core.limits.max_message_bytes;
        let (session, outbox_rx) = Session::new(core);
        transport::on_worker(transport::serve_stdio(session, outbox_rx, max)).await?;
        Ok(())
    }

    /// Serve one client over any byte stream pair of newline-delimited JSON-RPC, until the reader
    /// ends.
    pub async fn serve<R, W>(self, reader: R, writer: W) -> Result<(), Error>
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let core = self.build()?;
        let max = core.limits.max_message_bytes;
        let (session, outbox_rx) = Session::new(core);
        transport::on_worker(transport::serve_lines(
            reader, writer, session, outbox_rx, max,
        ))
        .await?;
        Ok(())
    }
}
