use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::{Map, Value};

use super::template::{TemplateError, UriTemplate};
use crate::context::Context;
use crate::jsonrpc::ErrorObject;
use crate::protocol::{check_icons, Icon, ReadResourceResult, Resource, ResourceTemplate};

/// A read of one resource: the URI asked for and, for templates, the variables it matched.
#[derive(Debug, Clone)]
pub struct ResourceRequest {
    /// The URI being read.
    pub uri: String,
    /// Template variables, by name (empty for static resources).
    pub vars: HashMap<String, String>,
}

/// A resource handler after matching: what `#[resource]` generates.
pub type ResourceFn = for<'a> fn(
    Context<'a>,
    ResourceRequest,
) -> BoxFuture<'a, Result<ReadResourceResult, ErrorObject>>;

/// A resource method after matching: what `#[resource]` generates for a `&self` method in a
/// `#[tools]` impl block, given the shared state.
pub type ResourceMethod<S> = for<'a> fn(
    &'a S,
    Context<'a>,
    ResourceRequest,
) -> BoxFuture<'a, Result<ReadResourceResult, ErrorObject>>;

/// A type-erased resource handler (a function, or a method bound to its state).
pub(crate) type ErasedResourceHandler = Arc<
    dyn for<'a> Fn(
            Context<'a>,
            ResourceRequest,
        ) -> BoxFuture<'a, Result<ReadResourceResult, ErrorObject>>
        + Send
        + Sync,
>;

/// What a resource says about itself.
#[derive(Debug, Clone, Default)]
pub struct ResourceMeta {
    /// The URI (static) or URI template.
    pub uri: &'static str,
    /// Programmatic name.
    pub name: &'static str,
    /// Human-readable title.
    pub title: Option<&'static str>,
    /// What it holds.
    pub description: Option<&'static str>,
    /// MIME type.
    pub mime_type: Option<&'static str>,
    /// OAuth scopes a caller's token must carry to read it (`scopes = [..]`; default none):
    /// checked before the handler runs, for authenticated callers (see [`crate::auth`]).
    pub scopes: &'static [&'static str],
    /// Icon sources (`icons = [..]`): `https:` URLs or `data:image/...` URIs. For icons with a
    /// MIME type, sizes or theme, use `with_icons` on the built definition.
    pub icons: &'static [&'static str],
}

#[derive(Clone)]
pub(crate) enum ResourceKind {
    Static(Resource),
    Template(ResourceTemplate, UriTemplate),
}

fn icons(meta: &ResourceMeta) -> Vec<Icon> {
    meta.icons.iter().map(|&src| Icon::new(src)).collect()
}

/// A registered resource or resource template. Built by `#[resource]`.
#[derive(Clone)]
pub struct ResourceDef {
    pub(crate) kind: ResourceKind,
    pub(crate) handler: ErasedResourceHandler,
    pub(super) scopes: &'static [&'static str],
}

impl std::fmt::Debug for ResourceDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceDef")
            .field("uri", &self.uri())
            .finish_non_exhaustive()
    }
}

impl ResourceDef {
    /// A resource at `meta.uri`: a URI template when it has variables (`{id}`, `{+path}`), one
    /// fixed URI otherwise. Fails when `meta.uri` breaks the URI template rules (the same rules
    /// `#[resource]` checks at compile time).
    pub fn new(meta: ResourceMeta, handler: ResourceFn) -> Result<Self, TemplateError> {
        Self::build(meta, Arc::new(handler))
    }

    /// A resource read by a method on shared state `S` (a `#[resource]` method in a `#[tools]`
    /// impl block).
    pub fn from_method<S: Send + Sync + 'static>(
        state: Arc<S>,
        meta: ResourceMeta,
        f: ResourceMethod<S>,
    ) -> Result<Self, TemplateError> {
        Self::build(
            meta,
            Arc::new(move |ctx, req| {
                let state = Arc::clone(&state);
                Box::pin(async move { f(&state, ctx, req).await })
            }),
        )
    }

    fn build(meta: ResourceMeta, handler: ErasedResourceHandler) -> Result<Self, TemplateError> {
        let listing = Resource {
            uri: meta.uri.to_owned(),
            name: meta.name.to_owned(),
            title: meta.title.map(str::to_owned),
            description: meta.description.map(str::to_owned),
            mime_type: meta.mime_type.map(str::to_owned),
            icons: icons(&meta),
            meta: None,
        };
        Self::from_listing(listing, meta.scopes, handler)
    }

    /// A definition from its listing: a template when the URI has variables.
    pub(super) fn from_listing(
        listing: Resource,
        scopes: &'static [&'static str],
        handler: ErasedResourceHandler,
    ) -> Result<Self, TemplateError> {
        let template = UriTemplate::parse(&listing.uri)?;
        let kind = if !template.is_fixed() {
            ResourceKind::Template(
                ResourceTemplate {
                    uri_template: listing.uri,
                    name: listing.name,
                    title: listing.title,
                    description: listing.description,
                    mime_type: listing.mime_type,
                    icons: listing.icons,
                    meta: listing.meta,
                },
                template,
            )
        } else {
            ResourceKind::Static(listing)
        };
        Ok(ResourceDef {
            kind,
            handler,
            scopes,
        })
    }

    /// Replace the resource's icons (checked at registration).
    pub fn with_icons(mut self, icons: impl IntoIterator<Item = Icon>) -> Self {
        let icons = icons.into_iter().collect();
        match &mut self.kind {
            ResourceKind::Static(r) => r.icons = icons,
            ResourceKind::Template(t, _) => t.icons = icons,
        }
        self
    }

    /// Set the resource's `_meta` (listed with it).
    pub fn with_meta(mut self, meta: Map<String, Value>) -> Self {
        match &mut self.kind {
            ResourceKind::Static(r) => r.meta = Some(meta),
            ResourceKind::Template(t, _) => t.meta = Some(meta),
        }
        self
    }

    /// Check what registration requires beyond the URI template (checked when built).
    pub(crate) fn validate(&self) -> Result<(), String> {
        let icons = match &self.kind {
            ResourceKind::Static(r) => &r.icons,
            ResourceKind::Template(t, _) => &t.icons,
        };
        check_icons(&format!("resource `{}`", self.uri()), icons)
    }

    /// The OAuth scopes a caller needs to read it.
    pub fn scopes(&self) -> &'static [&'static str] {
        self.scopes
    }

    /// The URI or URI template.
    pub fn uri(&self) -> &str {
        match &self.kind {
            ResourceKind::Static(r) => &r.uri,
            ResourceKind::Template(t, _) => &t.uri_template,
        }
    }

    /// Match a URI against this resource.
    pub(crate) fn matches(&self, uri: &str) -> Option<ResourceRequest> {
        match &self.kind {
            ResourceKind::Static(r) => (r.uri == uri).then(|| ResourceRequest {
                uri: uri.to_owned(),
                vars: HashMap::new(),
            }),
            ResourceKind::Template(_, t) => t.matches(uri).map(|vars| ResourceRequest {
                uri: uri.to_owned(),
                vars,
            }),
        }
    }
}

/// Anything `Server::resource` accepts: what `#[resource]` generates, or a [`ResourceDef`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a resource",
    label = "expected a function annotated with `#[resource(uri = \"..\")]`",
    note = "annotate the function with `#[toolsmith::resource(uri = \"..\")]`; for methods, put it in a `#[toolsmith::tools]` impl block and register the state with `Server::tools(state)`"
)]
pub trait IntoResource {
    /// Build the definition, or say why its URI template is not allowed (never for
    /// `#[resource]` functions: the macro checks the same rules at compile time).
    fn into_resource(self) -> Result<ResourceDef, TemplateError>;
}

impl IntoResource for ResourceDef {
    fn into_resource(self) -> Result<ResourceDef, TemplateError> {
        Ok(self)
    }
}

/// What [`ResourceDef::new`] returns: registering it reports its error when the server starts.
impl IntoResource for Result<ResourceDef, TemplateError> {
    fn into_resource(self) -> Result<ResourceDef, TemplateError> {
        self
    }
}

/// Proof that a function was made by `#[resource]`: only the runtime can build one.
pub struct ResourceMarker(());

impl<F: FnOnce(ResourceMarker) -> Result<ResourceDef, TemplateError>> IntoResource for F {
    fn into_resource(self) -> Result<ResourceDef, TemplateError> {
        self(ResourceMarker(()))
    }
}
