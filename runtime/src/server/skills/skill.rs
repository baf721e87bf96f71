//! [`Skill`]: one skill's files, read from a directory or given in memory, and
//! [`Server::skill`], which serves it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::frontmatter;
use crate::protocol::{ReadResourceResult, ResourceContents};
use crate::resource::ResourceDef;
use crate::server::Server;

/// At most this many files per skill (`SKILL.md` included), as the extension advises.
const MAX_FILES: usize = 512;
/// At most this many bytes in all of a skill's files, as the extension advises.
const MAX_TOTAL_BYTES: usize = 16 * 1024 * 1024;

/// Why a [`Skill`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SkillError {
    /// A file of the skill's directory could not be read.
    #[error("skill directory `{path}`: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The files do not make a valid skill (no `SKILL.md`, bad frontmatter, a bad path or name,
    /// too many or too large files).
    #[error("invalid skill: {0}")]
    Invalid(String),
}

/// One skill of the skills extension (`io.modelcontextprotocol/skills`): `SKILL.md` (YAML
/// frontmatter with `name` and `description`, then Markdown) and any other files, by their path
/// relative to the skill's root. Register it with [`Server::skill`].
#[derive(Debug, Clone)]
pub struct Skill {
    name: String,
    frontmatter: Map<String, Value>,
    files: Vec<(String, Arc<[u8]>)>,
}

impl Skill {
    /// A skill from files in memory: `(path, content)` pairs, paths relative to the skill's root
    /// with `/` between segments (`SKILL.md`, `references/FORMS.md`). Fails without `SKILL.md`,
    /// when its frontmatter lacks `name` or `description` or the name breaks the Agent Skills
    /// naming rules, when a path is absolute, has `.`, `..` or empty segments or characters other
    /// than letters, digits, `-`, `_`, `.` and `~`, or past 512 files or 16 MiB in all.
    pub fn from_files<P, C>(files: impl IntoIterator<Item = (P, C)>) -> Result<Self, SkillError>
    where
        P: Into<String>,
        C: Into<Vec<u8>>,
    {
        let mut list: Vec<(String, Arc<[u8]>)> = Vec::new();
        let mut total = 0usize;
        for (path, content) in files {
            let path = path.into();
            check_path(&path)?;
            if list.iter().any(|(p, _)| *p == path) {
                return Err(invalid(format!("the file `{path}` is given twice")));
            }
            let content: Vec<u8> = content.into();
            total += content.len();
            list.push((path, content.into()));
        }
        if list.len() > MAX_FILES || total > MAX_TOTAL_BYTES {
            return Err(invalid(format!(
                "{} files of {total} bytes in all; a skill holds at most {MAX_FILES} files and \
                 {MAX_TOTAL_BYTES} bytes",
                list.len()
            )));
        }
        let Some(pos) = list.iter().position(|(p, _)| p == "SKILL.md") else {
            return Err(invalid("no `SKILL.md` at the skill's root".into()));
        };
        let manifest = list.remove(pos);
        list.sort_by(|a, b| a.0.cmp(&b.0));
        list.insert(0, manifest);
        let text = std::str::from_utf8(&list[0].1)
            .map_err(|_| invalid("`SKILL.md` is not UTF-8 text".into()))?;
        let frontmatter = frontmatter::parse(text).map_err(invalid)?;
        let name = frontmatter["name"].as_str().unwrap_or_default().to_owned();
        frontmatter::check_name(&name).map_err(invalid)?;
        Ok(Skill {
            name,
            frontmatter,
            files: list,
        })
    }

    /// A skill from a directory: every regular file under `dir` (recursively; symbolic links
    /// are not followed), checked as [`Skill::from_files`] checks them.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self, SkillError> {
        let mut files = Vec::new();
        read_dir(dir.as_ref(), "", &mut files)?;
        Self::from_files(files)
    }

    /// The skill's name (its frontmatter's `name`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its frontmatter as JSON.
    pub fn frontmatter(&self) -> &Map<String, Value> {
        &self.frontmatter
    }

    fn uri(&self, path: &str) -> String {
        format!("skill://{}/{path}", self.name)
    }

    /// The entry `skills/list` and `skills/get` answer with.
    fn entry(&self) -> Value {
        let resources: Vec<Value> = self
            .files
            .iter()
            .map(|(path, bytes)| {
                let digest: String = Sha256::digest(bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                json!({
                    "uri": self.uri(path),
                    "digest": format!("sha256:{digest}"),
                    "size": bytes.len(),
                })
            })
            .collect();
        json!({
            "uri": self.uri("SKILL.md"),
            "frontmatter": self.frontmatter,
            "resources": resources,
        })
    }

    /// One resource per file.
    fn resources(&self) -> Vec<ResourceDef> {
        self.files
            .iter()
            .map(|(path, bytes)| {
                let uri = self.uri(path);
                let text = std::str::from_utf8(bytes).ok().map(str::to_owned);
                let mime = mime_of(path, bytes);
                let bytes = Arc::clone(bytes);
                let read_uri = uri.clone();
                let manifest = path == "SKILL.md";
                let name = if manifest {
                    self.name.clone()
                } else {
                    path.clone()
                };
                let def = ResourceDef::dynamic(uri, name, move |_ctx, _read| {
                    let uri = read_uri.clone();
                    let contents = match &text {
                        Some(t) => ResourceContents::text(uri, Some(mime.into()), t.clone()),
                        None => ResourceContents::blob(uri, Some(mime.into()), &bytes[..]),
                    };
                    Box::pin(async move {
                        Ok(ReadResourceResult {
                            contents: vec![contents],
                            meta: None,
                        })
                    })
                })
                .expect("skill URIs have no template variables")
                .with_mime_type(mime);
                if manifest {
                    let description = self.frontmatter["description"].as_str().unwrap_or("");
                    def.with_description(description)
                } else {
                    def
                }
            })
            .collect()
    }
}

impl Server {
    /// Serve a skill (the skills extension, `io.modelcontextprotocol/skills`): each file as a
    /// `skill://<name>/<path>` resource, the skill in `skills/list` and `skills/get`; the server
    /// declares the extension. A second skill with the same name is a configuration error.
    ///
    /// Requires the `skills` feature.
    pub fn skill(self, skill: Skill) -> Self {
        let files = skill
            .files
            .iter()
            .map(|(path, bytes)| (skill.uri(path), mime_of(path, bytes)))
            .collect();
        let server = self.with_skill_entry(skill.entry(), files);
        skill
            .resources()
            .into_iter()
            .fold(server, |s, def| s.resource(def))
    }
}

/// `text/markdown` for UTF-8 `.md` files, `text/plain` for other UTF-8 text, else
/// `application/octet-stream`.
fn mime_of(path: &str, bytes: &[u8]) -> &'static str {
    match (path.ends_with(".md"), std::str::from_utf8(bytes).is_ok()) {
        (true, true) => "text/markdown",
        (false, true) => "text/plain",
        (_, false) => "application/octet-stream",
    }
}

fn invalid(message: String) -> SkillError {
    SkillError::Invalid(message)
}

fn check_path(path: &str) -> Result<(), SkillError> {
    let ok = !path.is_empty()
        && path.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
        });
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "the path `{path}` is not a relative path of letters, digits, `-`, `_`, `.` and `~` \
             segments"
        )))
    }
}

fn read_dir(dir: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) -> Result<(), SkillError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SkillError::Io { path, source }
    };
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(io(&path))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        if kind.is_dir() {
            read_dir(&path, &format!("{rel}/"), out)?;
        } else if kind.is_file() {
            out.push((rel, std::fs::read(&path).map_err(io(&path))?));
        }
    }
    Ok(())
}
