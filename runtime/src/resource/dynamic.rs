//! Resources built from data at run time: an owned URI (or URI template) and name, and an async
//! closure that receives the read and the [`Context`].

use std::sync::Arc;

use futures::future::BoxFuture;

use super::def::{ResourceDef, ResourceKind, ResourceRequest};
use super::template::TemplateError;
use crate::context::Context;
use crate::jsonrpc::ErrorObject;
use crate::protocol::{ReadResourceResult, Resource};

impl ResourceDef {
    /// A resource built from data: its URI (a URI template when it has variables, checked by
    /// the rules `#[resource]` checks at compile time), its name, and a closure run for each
    /// `resources/read` it matches with the read (the URI, the template's variables) and the
    /// request's [`Context`]. Fails when the URI breaks the URI template rules.
    ///
    /// ```
    /// use toolsmith::prelude::*;
    /// use toolsmith::protocol::ReadResourceResult;
    /// use toolsmith::ResourceDef;
    ///
    /// let note = ResourceDef::dynamic("notes://{id}", "note", |_ctx, read| {
    ///     Box::pin(async move {
    ///         let text = format!("note {}", read.vars["id"]);
    ///         Ok(ReadResourceResult::new(vec![ResourceContents::text(
    ///             read.uri, None, text,
    ///         )]))
    ///     })
    /// })
    /// .expect("a valid URI template")
    /// .with_mime_type("text/plain");
    /// let server = Server::new("notes", "1.0.0").resource(note);
    /// # drop(server);
    /// ```
    pub fn dynamic<F>(
        uri: impl Into<String>,
        name: impl Into<String>,
        handler: F,
    ) -> Result<Self, TemplateError>
    where
        F: for<'a> Fn(
                Context<'a>,
                ResourceRequest,
            ) -> BoxFuture<'a, Result<ReadResourceResult, ErrorObject>>
            + Send
            + Sync
            + 'static,
    {
        let listing = Resource {
            uri: uri.into(),
            name: name.into(),
            title: None,
            description: None,
            mime_type: None,
            icons: Vec::new(),
            meta: None,
        };
        Self::from_listing(listing, &[], Arc::new(handler))
    }

    /// Set what the resource holds (its `description`).
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        let description = Some(description.into());
        match &mut self.kind {
            ResourceKind::Static(r) => r.description = description,
            ResourceKind::Template(t, _) => t.description = description,
        }
        self
    }

    /// Set the resource's MIME type.
    pub fn with_mime_type(mut self, mime_type: impl Into<String>) -> Self {
        let mime_type = Some(mime_type.into());
        match &mut self.kind {
            ResourceKind::Static(r) => r.mime_type = mime_type,
            ResourceKind::Template(t, _) => t.mime_type = mime_type,
        }
        self
    }

    /// Set the resource's human-readable title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        let title = Some(title.into());
        match &mut self.kind {
            ResourceKind::Static(r) => r.title = title,
            ResourceKind::Template(t, _) => t.title = title,
        }
        self
    }

    /// The OAuth scopes a caller's token must carry to read the resource.
    pub fn with_scopes(mut self, scopes: &'static [&'static str]) -> Self {
        self.scopes = scopes;
        self
    }

    /// The programmatic name.
    pub fn name(&self) -> &str {
        match &self.kind {
            ResourceKind::Static(r) => &r.name,
            ResourceKind::Template(t, _) => &t.name,
        }
    }

    /// The same resource (same URI) under another name (for
    /// [`Server::mount`](crate::Server::mount)).
    pub(crate) fn renamed(&self, name: String) -> Self {
        let mut def = self.clone();
        match &mut def.kind {
            ResourceKind::Static(r) => r.name = name,
            ResourceKind::Template(t, _) => t.name = name,
        }
        def
    }
}
