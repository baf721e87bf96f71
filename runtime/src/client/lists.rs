//! Typed `*/list` calls, one page at a time or all pages (bounded), `completion/complete`, and
//! `notifications/roots/list_changed`.

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

use super::{decode, Client, ClientError};
use crate::protocol::{CompleteReference, Completion, Prompt, Resource, ResourceTemplate, Tool};

/// One page of a `*/list` result.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// The cursor of the next page, when there is one.
    pub next_cursor: Option<String>,
}

impl Client {
    /// One page of `method`'s result, its items under `key`.
    async fn list_page<T: DeserializeOwned>(
        &self,
        method: &str,
        key: &str,
        cursor: Option<&str>,
    ) -> Result<Page<T>, ClientError> {
        let params = match cursor {
            Some(c) => json!({ "cursor": c }),
            None => Value::Null,
        };
        let mut value = self.request(method, params).await?;
        let bad = |reason: String| ClientError::InvalidResponse {
            method: method.to_owned(),
            reason,
        };
        let Some(obj) = value.as_object_mut() else {
            return Err(bad(format!("expected an object, got {value}")));
        };
        let items = obj
            .remove(key)
            .ok_or_else(|| bad(format!("the result has no `{key}`")))?;
        let next_cursor = match obj.remove("nextCursor") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => return Err(bad(format!("`nextCursor` is not a string: {other}"))),
        };
        Ok(Page {
            items: decode(method, items)?,
            next_cursor,
        })
    }

    /// Every item of `method`, following `nextCursor` for at most the client's
    /// `max_list_pages` pages; a repeated cursor or one page too many is an error.
    pub(crate) async fn list_all<T: DeserializeOwned>(
        &self,
        method: &str,
        key: &str,
    ) -> Result<Vec<T>, ClientError> {
        let max_pages = self.link.connection.limits().max_list_pages;
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        let mut seen = HashSet::new();
        for _ in 0..max_pages {
            let page: Page<T> = self.list_page(method, key, cursor.as_deref()).await?;
            items.extend(page.items);
            match page.next_cursor {
                None => return Ok(items),
                Some(next) if !seen.insert(next.clone()) => {
                    return Err(ClientError::InvalidResponse {
                        method: method.into(),
                        reason: format!("the server repeated the cursor {next:?}"),
                    })
                }
                Some(next) => cursor = Some(next),
            }
        }
        Err(ClientError::InvalidResponse {
            method: method.into(),
            reason: format!(
                "the server still sent a `nextCursor` after {max_pages} pages \
                 (the most `ClientBuilder::max_list_pages` allows); stopped listing"
            ),
        })
    }

    /// One page of `tools/list` (`cursor`: `None` for the first page).
    /// [`list_tools`](Client::list_tools) follows every page.
    pub async fn list_tools_page(&self, cursor: Option<&str>) -> Result<Page<Tool>, ClientError> {
        let mut page = self.list_page("tools/list", "tools", cursor).await?;
        self.admit_tools(&mut page.items);
        self.output_schemas.remember(&page.items);
        Ok(page)
    }

    /// One page of `resources/list`.
    pub async fn list_resources_page(
        &self,
        cursor: Option<&str>,
    ) -> Result<Page<Resource>, ClientError> {
        self.list_page("resources/list", "resources", cursor).await
    }

    /// Every resource the server lists (all pages of `resources/list`, at most
    /// [`max_list_pages`](super::ClientBuilder::max_list_pages)).
    pub async fn list_all_resources(&self) -> Result<Vec<Resource>, ClientError> {
        self.list_all("resources/list", "resources").await
    }

    /// One page of `resources/templates/list`.
    pub async fn list_resource_templates_page(
        &self,
        cursor: Option<&str>,
    ) -> Result<Page<ResourceTemplate>, ClientError> {
        self.list_page("resources/templates/list", "resourceTemplates", cursor)
            .await
    }

    /// Every resource template (all pages of `resources/templates/list`, bounded as
    /// [`list_all_resources`](Client::list_all_resources)).
    pub async fn list_all_resource_templates(&self) -> Result<Vec<ResourceTemplate>, ClientError> {
        self.list_all("resources/templates/list", "resourceTemplates")
            .await
    }

    /// One page of `prompts/list`.
    pub async fn list_prompts_page(
        &self,
        cursor: Option<&str>,
    ) -> Result<Page<Prompt>, ClientError> {
        self.list_page("prompts/list", "prompts", cursor).await
    }

    /// Every prompt (all pages of `prompts/list`, bounded as
    /// [`list_all_resources`](Client::list_all_resources)).
    pub async fn list_all_prompts(&self) -> Result<Vec<Prompt>, ClientError> {
        self.list_all("prompts/list", "prompts").await
    }

    /// Tell the server the roots changed (`notifications/roots/list_changed`), after what the
    /// [`roots_handler`](super::ClientBuilder::roots_handler) answers has changed: the server
    /// asks again when it needs them. In protocol 2026-07-28 roots are asked for with each
    /// request and nothing is sent. A client without a roots handler declared no roots and
    /// gets [`ClientError::InvalidArgument`].
    pub async fn notify_roots_changed(&self) -> Result<(), ClientError> {
        if self.link.connection.handlers().roots.is_none() {
            return Err(ClientError::InvalidArgument(
                "this client has no roots handler (ClientBuilder::roots or roots_handler), so it declared no roots to change".into(),
            ));
        }
        if self.envelope.is_some() {
            return Ok(());
        }
        self.notify("notifications/roots/list_changed", Value::Null)
            .await
    }

    /// Ask the server for values completing `argument` (typed so far: `value`) of a prompt or
    /// resource template (`completion/complete`); `context` holds the other arguments already
    /// given.
    pub async fn complete(
        &self,
        reference: CompleteReference,
        argument: &str,
        value: &str,
        context: Option<Map<String, Value>>,
    ) -> Result<Completion, ClientError> {
        let mut params = json!({
            "ref": reference,
            "argument": { "name": argument, "value": value },
        });
        if let Some(arguments) = context {
            params["context"] = json!({ "arguments": arguments });
        }
        let mut result = self.request("completion/complete", params).await?;
        let completion = result
            .get_mut("completion")
            .map(Value::take)
            .ok_or_else(|| ClientError::InvalidResponse {
                method: "completion/complete".into(),
                reason: "the result has no `completion`".into(),
            })?;
        decode("completion/complete", completion)
    }
}
