//! What the server asks of the command line, and what it tells it: sampling, elicitation, roots
//! and log messages.

mod elicit;
mod offline;
mod sampling;
mod terminal;

use std::path::PathBuf;

use toolsmith::client::{ClientBuilder, ElicitationRequest, LogMessage};
use toolsmith::protocol::{LoggingLevel, Root};

use sampling::Sampler;
use terminal::Terminal;

use crate::error::Failure;
use crate::progress::ProgressView;

/// Give `builder` the handlers for the server's asks: sampling (backend or offline model,
/// `interactive` to consult the user), elicitation at the terminal, `roots`, and server logs at
/// `min_level` and above on stderr (through `view`, so that they do not break a progress bar).
pub fn install(
    builder: ClientBuilder,
    interactive: bool,
    roots: &[PathBuf],
    min_level: LoggingLevel,
    view: ProgressView,
) -> Result<ClientBuilder, Failure> {
    let terminal = Terminal::new(view.clone());
    let builder = Sampler::from_env(interactive, terminal.clone(), view.clone()).install(builder);
    let builder = builder.elicitation_handler(move |request: ElicitationRequest| {
        elicit::answer(terminal.clone(), request)
    });
    let builder = builder.on_log(move |log: LogMessage| {
        if log.level >= min_level {
            view.println(&log_line(&log));
        }
    });
    if roots.is_empty() {
        return Ok(builder);
    }
    let roots = roots
        .iter()
        .map(|p| root(p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(builder.roots(roots))
}

/// A server log message as one stderr line: `[server warning] logger: text`.
fn log_line(log: &LogMessage) -> String {
    let level = serde_json::to_value(log.level)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    match &log.logger {
        Some(logger) => format!("[server {level}] {logger}: {}", log.text()),
        None => format!("[server {level}] {}", log.text()),
    }
}

/// `path` as a root: its absolute `file://` URI, named after its last component.
fn root(path: &std::path::Path) -> Result<Root, Failure> {
    let absolute = path
        .canonicalize()
        .map_err(|e| Failure::Usage(format!("--root {}: {e}", path.display())))?;
    let uri = url::Url::from_file_path(&absolute)
        .map_err(|()| Failure::Usage(format!("--root {}: not an absolute path", path.display())))?;
    let name = absolute
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let mut root = Root::new(uri.to_string());
    root.name = name;
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_is_the_file_uri_of_the_canonical_path() {
        let dir = tempfile::tempdir().unwrap();
        let spaced = dir.path().join("my files");
        std::fs::create_dir(&spaced).unwrap();
        let root = root(&spaced).unwrap();
        assert!(root.uri.starts_with("file:///"), "{}", root.uri);
        assert!(root.uri.ends_with("/my%20files"), "{}", root.uri);
        assert_eq!(root.name.as_deref(), Some("my files"));
        assert!(super::root(&dir.path().join("missing")).is_err());
    }
}
