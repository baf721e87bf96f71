//! The skills extension (`io.modelcontextprotocol/skills`, SEP-2640), server side.
//!
//! A skill is a directory whose root holds `SKILL.md` (YAML frontmatter with at least `name`
//! and `description`, then Markdown). Each registered [`Skill`] is served as `skill://` resources
//! (`skill://<name>/SKILL.md`, `skill://<name>/<path>` for its other files) and described by an
//! entry (`uri`, `frontmatter` as JSON, and every file's `{uri, digest, size}`) that `skills/list`
//! lists and `skills/get` returns; `resources/directory/read` lists a skill directory's children.
//! The server declares `extensions: { "io.modelcontextprotocol/skills": { "directoryRead": true } }`
//! once a skill is registered.

mod directory;
#[cfg(feature = "skills")]
mod frontmatter;
#[cfg(feature = "skills")]
mod skill;

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::parse_params;
use crate::jsonrpc::ErrorObject;

#[cfg(feature = "skills")]
pub use skill::{Skill, SkillError};

/// The extension's identifier.
pub(crate) const SKILLS_EXTENSION: &str = "io.modelcontextprotocol/skills";

/// The entries of the registered skills, in registration order (`skills/list` and `skills/get`),
/// and their files (`resources/directory/read`).
#[derive(Default, Clone)]
pub(crate) struct Catalog {
    entries: Vec<Arc<Value>>,
    /// Every file of every skill (`resources/directory/read`).
    files: Vec<Arc<directory::FileRef>>,
}

impl Catalog {
    /// True when the method is one of the extension's and a skill is registered.
    pub(crate) fn serves(&self, method: &str) -> bool {
        !self.entries.is_empty()
            && matches!(
                method,
                "skills/list" | "skills/get" | "resources/directory/read"
            )
    }

    /// Answer `skills/list` (one page: entries are never split), `skills/get` or
    /// `resources/directory/read` (one page).
    pub(crate) fn serve(&self, method: &str, params: Option<Value>) -> Result<Value, ErrorObject> {
        #[derive(Deserialize)]
        struct ListParams {
            #[serde(default)]
            cursor: Option<String>,
        }
        #[derive(Deserialize)]
        struct GetParams {
            uri: String,
        }
        #[derive(Deserialize)]
        struct DirectoryParams {
            uri: String,
            #[serde(default)]
            cursor: Option<String>,
        }
        let one_page = |cursor: Option<String>| match cursor {
            Some(cursor) => Err(ErrorObject::invalid_params(format!(
                "invalid cursor `{cursor}` for `{method}`: this server answers it in one page"
            ))),
            None => Ok(()),
        };
        if method == "resources/directory/read" {
            let p: DirectoryParams = parse_params(method, params)?;
            one_page(p.cursor)?;
            let roots = self
                .entries
                .iter()
                .filter_map(|e| e["uri"].as_str().and_then(|u| u.strip_suffix("/SKILL.md")));
            return directory::children(&p.uri, roots, self.files.iter().map(|f| f.as_ref()));
        }
        if method == "skills/list" {
            let p: ListParams = parse_params(method, params)?;
            one_page(p.cursor)?;
            let skills: Vec<&Value> = self.entries.iter().map(|e| e.as_ref()).collect();
            return Ok(json!({ "skills": skills }));
        }
        let p: GetParams = parse_params(method, params)?;
        match self.entries.iter().find(|e| e["uri"] == p.uri.as_str()) {
            Some(entry) => Ok(json!({ "skill": entry.as_ref() })),
            None => Err(
                ErrorObject::invalid_params(format!("no skill is served at `{}`", p.uri))
                    .with_data(json!({ "uri": p.uri })),
            ),
        }
    }

    /// Add an entry and its files' `(uri, MIME type)`; fails when a skill with its URI is
    /// already registered.
    #[cfg_attr(not(feature = "skills"), allow(dead_code))]
    pub(crate) fn add(
        &mut self,
        entry: Value,
        files: Vec<(String, &'static str)>,
    ) -> Result<(), String> {
        if self.entries.iter().any(|e| e["uri"] == entry["uri"]) {
            return Err(format!("two skills are served at `{}`", entry["uri"]));
        }
        self.entries.push(Arc::new(entry));
        self.files.extend(
            files
                .into_iter()
                .map(|(uri, mime)| Arc::new(directory::FileRef { uri, mime })),
        );
        Ok(())
    }
}

/// Declare the extension in `extra` (the capabilities' other members) when a skill is
/// registered, next to any other extension already declared there.
pub(crate) fn advertise(catalog: &Catalog, extra: &mut Map<String, Value>) {
    if catalog.entries.is_empty() {
        return;
    }
    let extensions = extra
        .entry("extensions")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(map) = extensions.as_object_mut() {
        map.insert(SKILLS_EXTENSION.into(), json!({ "directoryRead": true }));
    }
}

#[cfg(feature = "skills")]
impl super::Server {
    /// Add a skill's entry to the catalog (a duplicate URI is a configuration error).
    fn with_skill_entry(mut self, entry: Value, files: Vec<(String, &'static str)>) -> Self {
        if let Err(e) = self.skills.add(entry, files) {
            self.errors.push(e);
        }
        self
    }
}
