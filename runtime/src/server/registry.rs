//! What a server offers: tools, resources, prompts and completers, with their listings serialised
//! once per change (never per request).

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use serde_json::{Map, Value};

use super::completion::CompleterFn;
use crate::jsonrpc::ErrorObject;
use crate::prompt::PromptDef;
use crate::protocol::check_icons;
use crate::resource::{ResourceDef, ResourceKind, ResourceRequest};
use crate::tool::{validate_tool, wrapped_listing, ToolDef};

/// What a completion is for: a prompt's argument or a resource template's variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CompletionRef {
    /// `ref/prompt` by prompt name.
    Prompt(String),
    /// `ref/resource` by URI template.
    Resource(String),
}

/// Completes a partial argument value: given the value typed so far and the other arguments
/// already given, the candidate values.
pub type Completer = Arc<dyn Fn(&str, &Map<String, Value>) -> Vec<String> + Send + Sync>;

/// One kind of listed item, with each item's JSON serialised once.
#[derive(Default, Clone)]
struct Listing {
    items: Vec<String>,
}

impl Listing {
    fn of<T: serde::Serialize>(items: impl Iterator<Item = T>) -> Self {
        Listing {
            items: items
                .map(|i| serde_json::to_string(&i).expect("listings serialise"))
                .collect(),
        }
    }

    fn push<T: serde::Serialize>(&mut self, item: &T) {
        self.items
            .push(serde_json::to_string(item).expect("listings serialise"));
    }

    /// The result of a `*/list` request: `{"<key>":[...],"nextCursor":..}`.
    fn page(
        &self,
        key: &str,
        cursor: Option<&str>,
        page_size: Option<usize>,
    ) -> Result<String, ErrorObject> {
        let start = match cursor {
            None => 0,
            Some(c) => decode_cursor(c)
                .filter(|&s| s <= self.items.len())
                .ok_or_else(|| ErrorObject::invalid_params(format!("invalid cursor: `{c}`")))?,
        };
        // `start <= len`, and a page size may be anything up to `usize::MAX`: saturate.
        let end = page_size.map_or(self.items.len(), |n| {
            start.saturating_add(n.max(1)).min(self.items.len())
        });
        let mut out = String::with_capacity(
            16 + self.items[start..end]
                .iter()
                .map(|s| s.len() + 1)
                .sum::<usize>(),
        );
        out.push_str("{\"");
        out.push_str(key);
        out.push_str("\":[");
        for (i, item) in self.items[start..end].iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(item);
        }
        out.push(']');
        if end < self.items.len() {
            out.push_str(",\"nextCursor\":");
            out.push_str(&Value::from(encode_cursor(end)).to_string());
        }
        out.push('}');
        Ok(out)
    }
}

fn encode_cursor(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("toolsmith:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    std::str::from_utf8(&raw)
        .ok()?
        .strip_prefix("toolsmith:")?
        .parse()
        .ok()
}

/// An immutable snapshot of what the server offers. Changes build a new snapshot.
#[derive(Default, Clone)]
pub(crate) struct Registry {
    tools: Vec<ToolDef>,
    tool_index: HashMap<String, usize>,
    resources: Vec<ResourceDef>,
    prompts: Vec<PromptDef>,
    prompt_index: HashMap<String, usize>,
    completers: HashMap<(CompletionRef, String), CompleterFn>,
    tools_listing: Listing,
    /// The tools as listed in 2025-11-25, when that differs (a non-object output schema, which
    /// is wrapped there: tool/wrapped_output.rs).
    wrapped_tools_listing: Option<Listing>,
    resources_listing: Listing,
    templates_listing: Listing,
    prompts_listing: Listing,
}

impl Registry {
    fn reindex(&mut self) -> Result<(), String> {
        self.tool_index.clear();
        for (i, t) in self.tools.iter().enumerate() {
            if self.tool_index.insert(t.name().to_owned(), i).is_some() {
                return Err(format!("two tools are named `{}`", t.name()));
            }
        }
        self.prompt_index.clear();
        for (i, p) in self.prompts.iter().enumerate() {
            if self.prompt_index.insert(p.name().to_owned(), i).is_some() {
                return Err(format!("two prompts are named `{}`", p.name()));
            }
        }
        let mut uris = std::collections::HashSet::new();
        for r in &self.resources {
            if !uris.insert(r.uri().to_owned()) {
                return Err(format!("two resources have the URI `{}`", r.uri()));
            }
        }
        self.relist_tools();
        self.resources_listing = Listing::of(self.resources.iter().filter_map(|r| match &r.kind {
            ResourceKind::Static(s) => Some(s),
            ResourceKind::Template(..) => None,
        }));
        self.templates_listing = Listing::of(self.resources.iter().filter_map(|r| match &r.kind {
            ResourceKind::Template(t, _) => Some(t),
            ResourceKind::Static(_) => None,
        }));
        self.prompts_listing = Listing::of(self.prompts.iter().map(|p| &p.prompt));
        Ok(())
    }

    pub(crate) fn has_resources(&self) -> bool {
        !self.resources.is_empty()
    }
    pub(crate) fn has_prompts(&self) -> bool {
        !self.prompts.is_empty()
    }
    pub(crate) fn has_completers(&self) -> bool {
        !self.completers.is_empty()
    }
    /// True when a tool runs as a task (the server then advertises the tasks extension).
    pub(crate) fn has_task_tools(&self) -> bool {
        self.tools
            .iter()
            .any(|t| t.task_support() != crate::protocol::TaskSupport::Forbidden)
    }

    /// Every tool, in registration order.
    pub(crate) fn tool_defs(&self) -> &[ToolDef] {
        &self.tools
    }

    /// Every resource and resource template, in registration order.
    pub(crate) fn resource_defs(&self) -> &[ResourceDef] {
        &self.resources
    }

    /// Every prompt, in registration order.
    pub(crate) fn prompt_defs(&self) -> &[PromptDef] {
        &self.prompts
    }

    /// Every completer, by what it completes.
    pub(crate) fn completers(&self) -> impl Iterator<Item = (&CompletionRef, &str, &CompleterFn)> {
        self.completers.iter().map(|((r, a), c)| (r, a.as_str(), c))
    }

    pub(crate) fn tool(&self, name: &str) -> Option<&ToolDef> {
        self.tool_index.get(name).map(|&i| &self.tools[i])
    }

    pub(crate) fn prompt(&self, name: &str) -> Option<&PromptDef> {
        self.prompt_index.get(name).map(|&i| &self.prompts[i])
    }

    /// The resource serving `uri`: an exact static URI first, then templates in registration
    /// order.
    pub(crate) fn resource(&self, uri: &str) -> Option<(&ResourceDef, ResourceRequest)> {
        let statics = self
            .resources
            .iter()
            .filter(|r| matches!(r.kind, ResourceKind::Static(_)));
        let templates = self
            .resources
            .iter()
            .filter(|r| matches!(r.kind, ResourceKind::Template(..)));
        statics
            .chain(templates)
            .find_map(|r| r.matches(uri).map(|req| (r, req)))
    }

    /// Serialise the tools' listings (both eras').
    fn relist_tools(&mut self) {
        self.tools_listing = Listing::of(self.tools.iter().map(|t| &*t.tool));
        let wrapped: Vec<_> = self
            .tools
            .iter()
            .map(|t| wrapped_listing(&t.tool))
            .collect();
        self.wrapped_tools_listing = wrapped.iter().any(Option::is_some).then(|| {
            Listing::of(
                self.tools
                    .iter()
                    .zip(&wrapped)
                    .map(|(t, w)| w.as_ref().unwrap_or(&*t.tool)),
            )
        });
    }

    /// A `*/list` result in the 2025-11-25 era (`list` is the 2026-07-28 one): tools with a
    /// non-object output schema are listed with it wrapped in an object.
    pub(crate) fn list_handshake(
        &self,
        method: &str,
        cursor: Option<&str>,
        page_size: Option<usize>,
    ) -> Result<String, ErrorObject> {
        match (&self.wrapped_tools_listing, method) {
            (Some(wrapped), "tools/list") => wrapped.page("tools", cursor, page_size),
            _ => self.list(method, cursor, page_size),
        }
    }

    pub(crate) fn list(
        &self,
        method: &str,
        cursor: Option<&str>,
        page_size: Option<usize>,
    ) -> Result<String, ErrorObject> {
        match method {
            "tools/list" => self.tools_listing.page("tools", cursor, page_size),
            "resources/list" => self.resources_listing.page("resources", cursor, page_size),
            "resources/templates/list" => {
                self.templates_listing
                    .page("resourceTemplates", cursor, page_size)
            }
            "prompts/list" => self.prompts_listing.page("prompts", cursor, page_size),
            other => Err(ErrorObject::method_not_found(other)),
        }
    }

    /// The completer of a reference's argument (`None`: it has none, and completes to nothing);
    /// an unknown prompt or resource template is `-32602`.
    pub(crate) fn completer(
        &self,
        reference: &CompletionRef,
        argument: &str,
    ) -> Result<Option<CompleterFn>, ErrorObject> {
        match reference {
            CompletionRef::Prompt(name) if self.prompt(name).is_none() => {
                return Err(ErrorObject::invalid_params(format!(
                    "unknown prompt: `{name}`"
                )))
            }
            CompletionRef::Resource(uri) if !self.resources.iter().any(|r| r.uri() == uri) => {
                return Err(ErrorObject::invalid_params(format!(
                    "unknown resource template: `{uri}`"
                )))
            }
            _ => {}
        }
        Ok(self
            .completers
            .get(&(reference.clone(), argument.to_owned()))
            .cloned())
    }

    /// Add or replace a tool.
    pub(crate) fn add_tool(&mut self, tool: ToolDef) -> Result<(), String> {
        validate_tool(&tool.tool, tool.scopes())?;
        if tool.tool.input_schema.get("type") != Some(&Value::from("object")) {
            return Err(format!(
                "the input schema of tool `{}` is not an object schema",
                tool.name()
            ));
        }
        if let Some(&i) = self.tool_index.get(tool.name()) {
            self.tools[i] = tool;
            self.relist_tools();
        } else {
            self.tool_index
                .insert(tool.name().to_owned(), self.tools.len());
            self.tools_listing.push(&*tool.tool);
            match (&mut self.wrapped_tools_listing, wrapped_listing(&tool.tool)) {
                (Some(wrapped), listed) => wrapped.push(listed.as_ref().unwrap_or(&*tool.tool)),
                (None, Some(_)) => {
                    self.tools.push(tool);
                    self.relist_tools();
                    return Ok(());
                }
                (None, None) => {}
            }
            self.tools.push(tool);
        }
        Ok(())
    }

    /// Remove a tool; false when there was none of that name.
    pub(crate) fn remove_tool(&mut self, name: &str) -> bool {
        let before = self.tools.len();
        self.tools.retain(|t| t.name() != name);
        self.reindex()
            .expect("removing keeps the registry consistent");
        before != self.tools.len()
    }

    /// Add or replace a resource (matched by URI or URI template).
    pub(crate) fn add_resource(&mut self, resource: ResourceDef) -> Result<(), String> {
        resource.validate()?;
        self.resources.retain(|r| r.uri() != resource.uri());
        self.resources.push(resource);
        self.reindex()
    }

    /// Remove a resource by URI (or template); false when there was none.
    pub(crate) fn remove_resource(&mut self, uri: &str) -> bool {
        let before = self.resources.len();
        self.resources.retain(|r| r.uri() != uri);
        self.reindex()
            .expect("removing keeps the registry consistent");
        before != self.resources.len()
    }

    /// Add or replace a prompt.
    pub(crate) fn add_prompt(&mut self, prompt: PromptDef) -> Result<(), String> {
        check_icons(&format!("prompt `{}`", prompt.name()), &prompt.prompt.icons)?;
        if let Some(&i) = self.prompt_index.get(prompt.name()) {
            self.prompts[i] = prompt;
            self.prompts_listing = Listing::of(self.prompts.iter().map(|p| &p.prompt));
        } else {
            self.prompt_index
                .insert(prompt.name().to_owned(), self.prompts.len());
            self.prompts_listing.push(&prompt.prompt);
            self.prompts.push(prompt);
        }
        Ok(())
    }

    /// Remove a prompt; false when there was none of that name.
    pub(crate) fn remove_prompt(&mut self, name: &str) -> bool {
        let before = self.prompts.len();
        self.prompts.retain(|p| p.name() != name);
        self.reindex()
            .expect("removing keeps the registry consistent");
        before != self.prompts.len()
    }

    /// Attach a completer to an argument of a prompt or resource template.
    pub(crate) fn add_completer(
        &mut self,
        reference: CompletionRef,
        argument: String,
        completer: CompleterFn,
    ) {
        self.completers.insert((reference, argument), completer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pages_with_opaque_cursors() {
        let l = Listing {
            items: (0..5).map(|i| i.to_string()).collect(),
        };
        let p1: Value = serde_json::from_str(&l.page("tools", None, Some(2)).unwrap()).unwrap();
        assert_eq!(p1["tools"], json!([0, 1]));
        let c = p1["nextCursor"].as_str().unwrap();
        let p2: Value = serde_json::from_str(&l.page("tools", Some(c), Some(2)).unwrap()).unwrap();
        assert_eq!(p2["tools"], json!([2, 3]));
        let p3: Value =
            serde_json::from_str(&l.page("tools", p2["nextCursor"].as_str(), Some(2)).unwrap())
                .unwrap();
        assert_eq!(p3["tools"], json!([4]));
        assert!(p3.get("nextCursor").is_none());
        let all: Value = serde_json::from_str(&l.page("tools", None, None).unwrap()).unwrap();
        assert_eq!(all["tools"].as_array().unwrap().len(), 5);
        let err = l.page("tools", Some("not-a-cursor"), Some(2)).unwrap_err();
        assert_eq!(err.code, crate::jsonrpc::codes::INVALID_PARAMS);
        assert!(err.message.contains("cursor"));
    }

    #[test]
    fn huge_page_sizes_and_cursors_do_not_overflow() {
        let l = Listing {
            items: (0..5).map(|i| i.to_string()).collect(),
        };
        // The whole listing in one page, from the start and from a cursor.
        let all: Value =
            serde_json::from_str(&l.page("tools", None, Some(usize::MAX)).unwrap()).unwrap();
        assert_eq!(all["tools"], json!([0, 1, 2, 3, 4]));
        assert!(all.get("nextCursor").is_none());
        let rest: Value = serde_json::from_str(
            &l.page("tools", Some(&encode_cursor(3)), Some(usize::MAX))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(rest["tools"], json!([3, 4]));
        // A cursor at the end gives an empty page; one past it, or near `usize::MAX`, an error.
        let end: Value = serde_json::from_str(
            &l.page("tools", Some(&encode_cursor(5)), Some(usize::MAX))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(end["tools"], json!([]));
        for offset in [6, usize::MAX - 1, usize::MAX] {
            let err = l
                .page("tools", Some(&encode_cursor(offset)), Some(usize::MAX))
                .unwrap_err();
            assert_eq!(err.code, crate::jsonrpc::codes::INVALID_PARAMS);
            assert!(err.message.contains("invalid cursor"), "{}", err.message);
        }
        // One more than `usize::MAX` does not parse at all.
        let beyond = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("toolsmith:{}0", usize::MAX));
        assert!(l.page("tools", Some(&beyond), Some(usize::MAX)).is_err());
    }
}
