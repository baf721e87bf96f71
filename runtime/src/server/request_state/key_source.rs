//! `requestState` keys from outside the program: the environment or a file, so every replica
//! of a deployment reads the same keys from its secret store (see
//! [`Server::request_state_keys_from_env`](crate::Server::request_state_keys_from_env)).
//!
//! The format, in the variable or the file: entries `id:secret`, the secret standard base64
//! (`openssl rand -base64 32`), separated by newlines, commas or spaces; `#` starts a comment to
//! the end of its line. The first entry seals new tokens; every entry opens tokens.

use std::path::Path;

use base64::Engine as _;

/// The variable holding the keys themselves.
pub(crate) const KEYS_ENV: &str = "TOOLSMITH_REQUEST_STATE_KEYS";
/// The variable holding the path of a file with the keys.
pub(crate) const KEYS_FILE_ENV: &str = "TOOLSMITH_REQUEST_STATE_KEYS_FILE";

/// Configured keys, `(id, secret)`, the sealing one first.
pub(crate) type Secrets = Vec<(String, Vec<u8>)>;

/// The `(id, secret)` pairs written in `text` (`source` names it in errors, never a secret).
pub(crate) fn parse(text: &str, source: &str) -> Result<Secrets, String> {
    let mut keys = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        for entry in line
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty())
        {
            let Some((id, secret)) = entry.split_once(':') else {
                return Err(format!(
                    "{source}: an entry is not `id:secret` (key {}): write each key as its id, `:` and its secret in base64",
                    keys.len() + 1
                ));
            };
            let secret = base64::engine::general_purpose::STANDARD
                .decode(secret)
                .map_err(|e| {
                    format!("{source}: the secret of key `{id}` is not standard base64 ({e})")
                })?;
            keys.push((id.to_owned(), secret));
        }
    }
    if keys.is_empty() {
        return Err(format!("{source}: no requestState key in it"));
    }
    Ok(keys)
}

/// The keys in the file at `path`.
pub(crate) fn from_file(path: &Path) -> Result<Secrets, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read the requestState keys file {}: {e}",
            path.display()
        )
    })?;
    parse(&text, &format!("requestState keys file {}", path.display()))
}

/// The keys the environment gives ([`KEYS_ENV`] or [`KEYS_FILE_ENV`]), `None` when neither is
/// set.
pub(crate) fn from_env() -> Option<Result<Secrets, String>> {
    let inline = std::env::var_os(KEYS_ENV).filter(|v| !v.is_empty());
    let file = std::env::var_os(KEYS_FILE_ENV).filter(|v| !v.is_empty());
    match (inline, file) {
        (None, None) => None,
        (Some(_), Some(_)) => Some(Err(format!(
            "both {KEYS_ENV} and {KEYS_FILE_ENV} are set: set one"
        ))),
        (Some(inline), None) => Some(match inline.into_string() {
            Ok(text) => parse(&text, KEYS_ENV),
            Err(_) => Err(format!("{KEYS_ENV} is not UTF-8")),
        }),
        (None, Some(path)) => Some(from_file(Path::new(&path))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes

    #[test]
    fn entries_in_order_with_comments_and_separators() {
        let text = format!("# rotated 2026-08\nnew:{A}, old:{A}  # kept a day\n\n third:{A}");
        let keys = parse(&text, "test").unwrap();
        let ids: Vec<&str> = keys.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["new", "old", "third"]);
        assert_eq!(keys[0].1, b"0123456789abcdef0123456789abcdef");
    }

    #[test]
    fn bad_input_is_a_clear_error_without_the_secret() {
        let e = parse("no-colon-here", "VAR").unwrap_err();
        assert!(e.contains("VAR") && e.contains("id:secret"), "{e}");
        let e = parse("k:not*base64", "VAR").unwrap_err();
        assert!(
            e.contains("`k`") && e.contains("base64") && !e.contains("not*base64"),
            "{e}"
        );
        assert!(parse(" # only a comment\n", "VAR")
            .unwrap_err()
            .contains("no requestState key"));
        let e = from_file(Path::new("/nonexistent/keys")).unwrap_err();
        assert!(e.contains("/nonexistent/keys"), "{e}");
    }
}
