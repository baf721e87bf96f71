//! `toolsmith install CLIENT NAME -- CMD` (or `--url URL`): add a server to an MCP client's
//! configuration file, merged with what is there, with a backup, or `--dry-run` to only show it.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use indexmap::IndexMap;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use crate::error::Failure;

/// The MCP clients whose configuration `install` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientApp {
    /// Claude Desktop (`claude_desktop_config.json`, stdio servers only).
    ClaudeDesktop,
    /// VS Code (`.vscode/mcp.json` in the current directory).
    Vscode,
    /// Cursor (`~/.cursor/mcp.json`).
    Cursor,
    /// Claude Code (`.mcp.json` in the current directory: the project's servers).
    ClaudeCode,
}

/// What `install` is asked to do.
pub struct Request<'a> {
    /// The client to configure.
    pub app: ClientApp,
    /// The server's name in that configuration.
    pub name: &'a str,
    /// A streamable HTTP server's URL, or
    pub url: Option<&'a str>,
    /// the command that starts a stdio server.
    pub command: &'a [String],
    /// `KEY=VALUE` environment variables for a stdio server.
    pub env: &'a [String],
    /// The configuration file (default: the client's usual one).
    pub config: Option<&'a Path>,
    /// Print the new file instead of writing it.
    pub dry_run: bool,
}

/// Add the server to the client's configuration.
pub fn run(request: &Request<'_>) -> Result<(), Failure> {
    let entry = entry(request)?;
    let path = match request.config {
        Some(path) => path.to_path_buf(),
        None => default_path(request.app)?,
    };
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Failure::Local(format!("reading {}: {e}", path.display()))),
    };
    let (merged, replaced) = merge(
        existing.as_deref(),
        servers_key(request.app),
        request.name,
        &entry,
    )
    .map_err(|why| Failure::Local(format!("{} {why}; it was left untouched", path.display())))?;
    let verb = if replaced { "replace" } else { "add" };
    if request.dry_run {
        eprintln!(
            "Would {verb} the server `{}` in {} (dry run: nothing written). The new file:",
            request.name,
            path.display()
        );
        println!("{merged}");
        return Ok(());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure::Local(format!("creating {}: {e}", parent.display())))?;
    }
    if existing.is_some() {
        let backup = backup_path(&path);
        std::fs::copy(&path, &backup).map_err(|e| {
            Failure::Local(format!(
                "backing up {} to {}: {e}",
                path.display(),
                backup.display()
            ))
        })?;
        eprintln!("Backed up the old configuration to {}.", backup.display());
    }
    write_replacing(&path, &merged)?;
    let done = if replaced { "Replaced" } else { "Added" };
    eprintln!(
        "{done} the server `{}` in {}.",
        request.name,
        path.display()
    );
    Ok(())
}

/// A server entry, its keys in the order they are written.
type Entry = IndexMap<&'static str, Value>;

/// The server's entry in the client's format.
fn entry(request: &Request<'_>) -> Result<Entry, Failure> {
    let typed = matches!(request.app, ClientApp::Vscode | ClientApp::ClaudeCode);
    match (request.url, request.command.split_first()) {
        (Some(url), None) => {
            if !request.env.is_empty() {
                return Err(Failure::Usage("--env is for stdio servers (-- CMD)".into()));
            }
            match request.app {
                ClientApp::ClaudeDesktop => Err(Failure::Usage(
                    "Claude Desktop's configuration file takes stdio servers only; add a remote \
                     server in its settings (Connectors) instead"
                        .into(),
                )),
                ClientApp::Cursor => Ok(Entry::from([("url", url.into())])),
                ClientApp::Vscode | ClientApp::ClaudeCode => {
                    Ok(Entry::from([("type", "http".into()), ("url", url.into())]))
                }
            }
        }
        (None, Some((program, args))) => {
            let mut entry = Entry::new();
            if typed {
                entry.insert("type", "stdio".into());
            }
            entry.insert("command", absolute_program(program).into());
            entry.insert("args", json!(args));
            if !request.env.is_empty() {
                let mut env = Map::new();
                for pair in request.env {
                    let Some((key, value)) = pair.split_once('=').filter(|(k, _)| !k.is_empty())
                    else {
                        return Err(Failure::Usage(format!("--env `{pair}` is not KEY=VALUE")));
                    };
                    env.insert(key.to_owned(), value.into());
                }
                entry.insert("env", Value::Object(env));
            }
            Ok(entry)
        }
        (Some(_), Some(_)) => Err(Failure::Usage(
            "name one server: either --url URL or -- CMD [ARGS], not both".into(),
        )),
        (None, None) => Err(Failure::Usage(
            "name the server to install: --url URL, or -- CMD [ARGS] at the end".into(),
        )),
    }
}

/// A program given as a path that exists (`./target/release/server`) is made absolute: the
/// client starts it from another directory. A bare name (`npx`) is left to the client's PATH.
fn absolute_program(program: &str) -> String {
    let path = Path::new(program);
    if path.components().count() > 1 || path.is_absolute() {
        if let Ok(absolute) = path.canonicalize() {
            return absolute.display().to_string();
        }
    }
    program.to_owned()
}

/// The key the client keeps its servers under.
fn servers_key(app: ClientApp) -> &'static str {
    match app {
        ClientApp::Vscode => "servers",
        _ => "mcpServers",
    }
}

/// `existing` (a JSON object, or nothing) with `servers_key.name` set to `entry`, as pretty
/// JSON, and whether an entry of that name was replaced. Everything else is kept as it was, in
/// its order.
pub fn merge(
    existing: Option<&str>,
    servers_key: &str,
    name: &str,
    entry: &impl serde::Serialize,
) -> Result<(String, bool), String> {
    let mut top: IndexMap<String, Box<RawValue>> = match existing {
        None => IndexMap::new(),
        Some(text) if text.trim().is_empty() => IndexMap::new(),
        Some(text) => {
            serde_json::from_str(text).map_err(|e| format!("is not a JSON object ({e})"))?
        }
    };
    let mut servers: IndexMap<String, Box<RawValue>> = match top.get(servers_key) {
        None => IndexMap::new(),
        Some(raw) => serde_json::from_str(raw.get())
            .map_err(|e| format!("has a `{servers_key}` that is not an object ({e})"))?,
    };
    let entry = serde_json::to_string(entry)
        .and_then(RawValue::from_string)
        .map_err(|e| format!("could not encode the entry: {e}"))?;
    let replaced = servers.insert(name.to_owned(), entry).is_some();
    let servers_json =
        serde_json::to_string(&servers).map_err(|e| format!("could not encode: {e}"))?;
    let servers_raw = RawValue::from_string(servers_json)
        .map_err(|e| format!("could not encode the servers: {e}"))?;
    top.insert(servers_key.to_owned(), servers_raw);
    // The order is carried by the index maps above (serde_json's own map may sort keys);
    // the text is then re-indented as it stands.
    let text = serde_json::to_string(&top).map_err(|e| format!("could not encode: {e}"))?;
    Ok((pretty_preserving(&text), replaced))
}

/// Pretty-print JSON text without reordering its keys: re-indent it token by token with
/// serde_json's own formatter over a transcoder.
fn pretty_preserving(text: &str) -> String {
    let mut out = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let mut serializer = serde_json::Serializer::pretty(&mut out);
    match serde_transcode::transcode(&mut deserializer, &mut serializer) {
        Ok(()) => String::from_utf8(out).unwrap_or_else(|_| text.to_owned()),
        Err(_) => text.to_owned(),
    }
}

/// `PATH.bak` next to `path`.
fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    path.with_file_name(name)
}

/// Write `contents` to a temporary file next to `path`, then rename it over `path`, so that
/// a failure never leaves half a file.
fn write_replacing(path: &Path, contents: &str) -> Result<(), Failure> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".toolsmith-tmp");
    let temporary = path.with_file_name(name);
    std::fs::write(&temporary, format!("{contents}\n"))
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            Failure::Local(format!("writing {}: {e}", path.display()))
        })
}

/// Where the client keeps its configuration.
fn default_path(app: ClientApp) -> Result<PathBuf, Failure> {
    let home = || {
        std::env::var_os("HOME")
            .or_else(|| std::env::var_os("USERPROFILE"))
            .map(PathBuf::from)
            .ok_or_else(|| Failure::Local("no HOME directory; pass --config PATH".into()))
    };
    Ok(match app {
        ClientApp::Vscode => PathBuf::from(".vscode").join("mcp.json"),
        ClientApp::ClaudeCode => PathBuf::from(".mcp.json"),
        ClientApp::Cursor => home()?.join(".cursor").join("mcp.json"),
        ClientApp::ClaudeDesktop => {
            let base = if cfg!(target_os = "macos") {
                home()?.join("Library").join("Application Support")
            } else if cfg!(windows) {
                std::env::var_os("APPDATA")
                    .map(PathBuf::from)
                    .ok_or_else(|| Failure::Local("no APPDATA directory; pass --config".into()))?
            } else {
                match std::env::var_os("XDG_CONFIG_HOME") {
                    Some(dir) => PathBuf::from(dir),
                    None => home()?.join(".config"),
                }
            };
            base.join("Claude").join("claude_desktop_config.json")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_keeps_everything_else_in_its_order() {
        let existing =
            r#"{"zeta": 1, "mcpServers": {"b": {"command": "x", "args": []}}, "alpha": [1, 2]}"#;
        let (merged, replaced) = merge(
            Some(existing),
            "mcpServers",
            "new",
            &json!({ "command": "y" }),
        )
        .unwrap();
        assert!(!replaced);
        let keys: Vec<usize> = [
            "\"zeta\"",
            "\"mcpServers\"",
            "\"b\"",
            "\"new\"",
            "\"alpha\"",
        ]
        .iter()
        .map(|k| {
            merged
                .find(k)
                .unwrap_or_else(|| panic!("{k} missing: {merged}"))
        })
        .collect();
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "order changed: {merged}"
        );
        let (_, replaced) = merge(Some(&merged), "mcpServers", "b", &json!({})).unwrap();
        assert!(replaced);
    }

    #[test]
    fn a_file_that_is_not_an_object_is_refused() {
        assert!(merge(Some("[1]"), "servers", "a", &json!({})).is_err());
        assert!(merge(Some("{"), "servers", "a", &json!({})).is_err());
        assert!(merge(Some(r#"{"servers": 3}"#), "servers", "a", &json!({})).is_err());
        assert!(merge(Some(""), "servers", "a", &json!({})).is_ok());
    }
}
