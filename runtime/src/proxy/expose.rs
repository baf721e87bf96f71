//! `Proxy::expose`: register the remote server's tools, resources, resource templates and
//! prompts with a local server, each forwarding to the remote server.

use std::sync::Arc;

use serde_json::Value;

use super::follow::Known;
use super::{Forward, Proxy};
use crate::client::{Client, ClientError};
use crate::jsonrpc::ErrorObject;
use crate::prompt::PromptDef;
use crate::protocol::{Prompt, Tool};
use crate::resource::{ResourceDef, ResourceKind, TemplateError};
use crate::server::Server;
use crate::tool::{ToolDef, ToolError};

/// A remote failure as the error of a local resource read or prompt get: the remote server's
/// own JSON-RPC error as it is, anything else as an internal error naming it.
fn rpc_error(e: ClientError) -> ErrorObject {
    match e {
        ClientError::Rpc { error, .. } => error,
        other => ErrorObject::internal(format!("the remote server: {other}")),
    }
}

impl Proxy {
    /// Register with `server` everything `remote` offers now (its tools, and its resources,
    /// resource templates and prompts when it declares them), under the same names and URIs;
    /// each forwards to `remote`, answering the remote server's sampling and elicitation
    /// requests through the local call's [`Context`](crate::Context). `remote` must have been
    /// built with [`Proxy::client`] of this proxy (one remote server per proxy). When the
    /// remote server's lists change, the local server follows (see [`Proxy`]).
    pub async fn expose(&self, server: Server, remote: Client) -> Result<Server, ClientError> {
        let remote = Arc::new(remote);
        let capabilities = remote.initialize_result().capabilities.clone();
        let mut server = server;
        let mut known = Known::default();
        for tool in remote.list_tools().await? {
            known.tools.insert(tool.name.clone());
            server = server.tool(self.tool_def(&remote, tool));
        }
        if capabilities.resources.is_some() {
            for def in self.resource_defs(&remote).await? {
                if let Ok(def) = &def {
                    known.resources.insert(def.uri().to_owned());
                }
                server = server.resource(def);
            }
        }
        if capabilities.prompts.is_some() {
            for prompt in remote.list_all_prompts().await? {
                known.prompts.insert(prompt.name.clone());
                server = server.prompt(self.prompt_def(&remote, prompt));
            }
        }
        self.follow(&remote, server.handle(), known).await;
        Ok(server)
    }

    /// A local tool forwarding to the remote tool `tool`, listed as the remote server lists it.
    pub(super) fn tool_def(&self, remote: &Arc<Client>, tool: Tool) -> ToolDef {
        let (proxy, client, name) = (self.clone(), Arc::clone(remote), tool.name.clone());
        let mut def = ToolDef::dynamic(
            tool.name.clone(),
            tool.input_schema.clone(),
            move |ctx, args| {
                let (proxy, client, name) = (proxy.clone(), Arc::clone(&client), name.clone());
                Box::pin(async move {
                    proxy
                        .forwarded(ctx, |route| {
                            client.call_tool_with_progress(&name, args, move |p| {
                                let _ = route.send(Forward::Progress(p));
                            })
                        })
                        .await
                        .map_err(|e| match e {
                            ClientError::Rpc { error, .. } => ToolError::new(error.message),
                            other => ToolError::new(format!("the remote server: {other}")),
                        })
                })
            },
        );
        def.tool = Arc::new(tool);
        def
    }

    /// Local resources and templates forwarding to the remote server's, listed as it lists
    /// them (`Err`: a URI template the local rules refuse).
    pub(super) async fn resource_defs(
        &self,
        remote: &Arc<Client>,
    ) -> Result<Vec<Result<ResourceDef, TemplateError>>, ClientError> {
        let statics = remote.list_all_resources().await?;
        let templates = remote.list_all_resource_templates().await?;
        let uris = statics
            .iter()
            .map(|r| (r.uri.clone(), r.name.clone()))
            .chain(
                templates
                    .iter()
                    .map(|t| (t.uri_template.clone(), t.name.clone())),
            );
        let mut defs = Vec::new();
        for (uri, name) in uris {
            let (proxy, client) = (self.clone(), Arc::clone(remote));
            let def = ResourceDef::dynamic(uri, name, move |ctx, read| {
                let (proxy, client) = (proxy.clone(), Arc::clone(&client));
                Box::pin(async move {
                    proxy
                        .forwarded(ctx, |_| client.read_resource(&read.uri))
                        .await
                        .map_err(rpc_error)
                })
            });
            defs.push(def.map(|def| with_listing(def, &statics, &templates)));
        }
        Ok(defs)
    }

    /// A local prompt forwarding to the remote prompt `prompt`, listed as the remote server
    /// lists it.
    pub(super) fn prompt_def(&self, remote: &Arc<Client>, prompt: Prompt) -> PromptDef {
        let (proxy, client, name) = (self.clone(), Arc::clone(remote), prompt.name.clone());
        let mut def = PromptDef::dynamic(
            prompt.name.clone(),
            prompt.arguments.clone(),
            move |ctx, args| {
                let (proxy, client, name) = (proxy.clone(), Arc::clone(&client), name.clone());
                Box::pin(async move {
                    let args = Value::Object(args.values().clone());
                    proxy
                        .forwarded(ctx, |_| client.get_prompt(&name, args))
                        .await
                        .map_err(rpc_error)
                })
            },
        );
        def.prompt = prompt;
        def
    }
}

/// Give a forwarding resource the remote listing of its URI (title, description, MIME type,
/// icons, `_meta`).
fn with_listing(
    mut def: ResourceDef,
    statics: &[crate::protocol::Resource],
    templates: &[crate::protocol::ResourceTemplate],
) -> ResourceDef {
    match &mut def.kind {
        ResourceKind::Static(r) => {
            if let Some(remote) = statics.iter().find(|s| s.uri == r.uri) {
                *r = remote.clone();
            }
        }
        ResourceKind::Template(t, _) => {
            if let Some(remote) = templates.iter().find(|s| s.uri_template == t.uri_template) {
                *t = remote.clone();
            }
        }
    }
    def
}
