//! The tokens (and dynamic client registrations) kept between runs: one JSON file, readable by
//! its owner only (mode 0600), tokens keyed by the server's URL and registrations by issuer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use toolsmith::client::auth::{ClientRegistration, TokenAuthMethod, TokenStore, Tokens};

/// The file's contents.
#[derive(Default, Serialize, Deserialize)]
struct Contents {
    /// Tokens by MCP endpoint URL.
    #[serde(default)]
    tokens: BTreeMap<String, StoredTokens>,
    /// Dynamically registered clients by authorization server issuer.
    #[serde(default)]
    clients: BTreeMap<String, StoredClient>,
}

#[derive(Serialize, Deserialize)]
struct StoredTokens {
    access_token: String,
    refresh_token: Option<String>,
    /// Seconds since the Unix epoch.
    expires_at: Option<u64>,
    scope: Option<String>,
    issuer: String,
}

#[derive(Serialize, Deserialize)]
struct StoredClient {
    client_id: String,
    client_secret: Option<String>,
    /// The token endpoint authentication method's registered name.
    method: String,
}

/// A [`TokenStore`] in a file. Failing to read or write it is reported on stderr (once per
/// failure) and leaves the command logging in as if nothing were kept.
pub struct TokenFile {
    path: PathBuf,
    /// Held through each read-change-write in this process.
    lock: Mutex<()>,
}

impl TokenFile {
    /// The store in `path` (created on first save).
    pub fn new(path: PathBuf) -> Self {
        TokenFile {
            path,
            lock: Mutex::new(()),
        }
    }

    /// The default location: `$XDG_CONFIG_HOME/toolsmith/credentials.json`, else
    /// `~/.config/toolsmith/credentials.json` (`%APPDATA%\toolsmith\credentials.json` on
    /// Windows). `None` when none of these variables is set.
    pub fn default_path() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|h| Path::new(&h).join(".config"))
            })
            .or_else(|| std::env::var_os("APPDATA").map(PathBuf::from))?;
        Some(base.join("toolsmith").join("credentials.json"))
    }

    /// Forget the tokens of `resource`: `Ok(true)` when there were some.
    pub fn forget(&self, resource: &str) -> Result<bool, String> {
        let _held = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut contents = self.read()?;
        let had = contents.tokens.remove(resource).is_some();
        if had {
            self.write(&contents)?;
        }
        Ok(had)
    }

    fn read(&self) -> Result<Contents, String> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                format!(
                    "the token store {} is not valid JSON: {e}",
                    self.path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Contents::default()),
            Err(e) => Err(format!(
                "could not read the token store {}: {e}",
                self.path.display()
            )),
        }
    }

    /// Write the whole file: a temporary file (mode 0600) renamed over it.
    fn write(&self, contents: &Contents) -> Result<(), String> {
        let fail = |e: std::io::Error| {
            format!(
                "could not write the token store {}: {e}",
                self.path.display()
            )
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(fail)?;
        }
        let json = serde_json::to_vec_pretty(contents).map_err(|e| e.to_string())?;
        let mut temporary = self.path.clone().into_os_string();
        temporary.push(format!(".{}.tmp", std::process::id()));
        let temporary = PathBuf::from(temporary);
        write_private(&temporary, &json).map_err(fail)?;
        std::fs::rename(&temporary, &self.path).map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            fail(e)
        })
    }

    /// Read, change and write the file; a failure is a warning.
    fn change(&self, edit: impl FnOnce(&mut Contents)) {
        let _held = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let outcome = self.read().and_then(|mut contents| {
            edit(&mut contents);
            self.write(&contents)
        });
        if let Err(e) = outcome {
            eprintln!("warning: {e}; the login is not kept for the next run");
        }
    }

    fn load_contents(&self) -> Contents {
        let _held = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.read().unwrap_or_else(|e| {
            eprintln!("warning: {e}; ignoring it");
            Contents::default()
        })
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

fn to_unix(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl TokenStore for TokenFile {
    fn load(&self, resource: &str) -> Option<Tokens> {
        let t = self.load_contents().tokens.remove(resource)?;
        Some(Tokens {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            expires_at: t.expires_at.map(|s| UNIX_EPOCH + Duration::from_secs(s)),
            scope: t.scope,
            issuer: t.issuer,
        })
    }

    fn save(&self, resource: &str, tokens: &Tokens) {
        let stored = StoredTokens {
            access_token: tokens.access_token.clone(),
            refresh_token: tokens.refresh_token.clone(),
            expires_at: tokens.expires_at.map(to_unix),
            scope: tokens.scope.clone(),
            issuer: tokens.issuer.clone(),
        };
        self.change(|c| {
            c.tokens.insert(resource.to_owned(), stored);
        });
    }

    fn remove(&self, resource: &str) {
        self.change(|c| {
            c.tokens.remove(resource);
        });
    }

    fn load_client(&self, issuer: &str) -> Option<ClientRegistration> {
        let c = self.load_contents().clients.remove(issuer)?;
        Some(ClientRegistration {
            client_id: c.client_id,
            client_secret: c.client_secret,
            method: TokenAuthMethod::from_name(&c.method)?,
        })
    }

    fn save_client(&self, issuer: &str, client: &ClientRegistration) {
        let stored = StoredClient {
            client_id: client.client_id.clone(),
            client_secret: client.client_secret.clone(),
            method: client.method.name().to_owned(),
        };
        self.change(|c| {
            c.clients.insert(issuer.to_owned(), stored);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(access: &str) -> Tokens {
        Tokens {
            access_token: access.into(),
            refresh_token: Some("r".into()),
            expires_at: Some(UNIX_EPOCH + Duration::from_secs(2_000_000_000)),
            scope: Some("a b".into()),
            issuer: "https://as.example".into(),
        }
    }

    #[test]
    fn tokens_and_registrations_survive_a_new_store_on_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("credentials.json");
        let store = TokenFile::new(path.clone());
        store.save("https://a.example/mcp", &tokens("one"));
        store.save_client(
            "https://as.example",
            &ClientRegistration {
                client_id: "id".into(),
                client_secret: None,
                method: TokenAuthMethod::None,
            },
        );
        let again = TokenFile::new(path.clone());
        assert_eq!(again.load("https://a.example/mcp"), Some(tokens("one")));
        assert_eq!(again.load("https://b.example/mcp"), None);
        assert_eq!(
            again.load_client("https://as.example").map(|c| c.client_id),
            Some("id".into())
        );
        assert_eq!(again.forget("https://a.example/mcp"), Ok(true));
        assert_eq!(again.forget("https://a.example/mcp"), Ok(false));
        assert_eq!(TokenFile::new(path).load("https://a.example/mcp"), None);
    }

    #[cfg(unix)]
    #[test]
    fn only_the_owner_may_read_the_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.json");
        let store = TokenFile::new(path.clone());
        store.save("https://a.example/mcp", &tokens("one"));
        store.save("https://a.example/mcp", &tokens("two"));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    #[test]
    fn a_malformed_file_is_reported_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.json");
        std::fs::write(&path, "not json").unwrap();
        let store = TokenFile::new(path.clone());
        assert_eq!(store.load("https://a.example/mcp"), None);
        let e = store.forget("https://a.example/mcp").unwrap_err();
        assert!(e.contains("not valid JSON"), "{e}");
        store.save("https://a.example/mcp", &tokens("one"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not json");
    }
}
