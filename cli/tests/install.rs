//! `toolsmith install` on temporary configuration files: merging, the backup, `--dry-run`, and
//! a malformed file (a clear error, the file left untouched).

mod common;

use common::toolsmith;
use serde_json::{json, Value};

const EXISTING: &str = r#"{
  "theme": "dark",
  "mcpServers": {
    "other": { "command": "other-server", "args": ["--quiet"] }
  }
}
"#;

#[test]
fn a_server_is_merged_into_an_existing_file_with_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("mcp.json");
    std::fs::write(&config, EXISTING).unwrap();
    let path = config.display().to_string();
    let run = toolsmith(
        &[
            "install",
            "cursor",
            "weather",
            "--config",
            &path,
            "--env",
            "API_KEY=k",
            "--",
            "weather-server",
            "--units",
            "metric",
        ],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(
        written,
        json!({
            "theme": "dark",
            "mcpServers": {
                "other": { "command": "other-server", "args": ["--quiet"] },
                "weather": {
                    "command": "weather-server",
                    "args": ["--units", "metric"],
                    "env": { "API_KEY": "k" }
                }
            }
        })
    );
    let backup = dir.path().join("mcp.json.bak");
    assert_eq!(std::fs::read_to_string(backup).unwrap(), EXISTING);
    assert!(run.stderr.contains("Added the server `weather`"), "{run:?}");

    // Installing the same name again replaces the entry.
    let run = toolsmith(
        &[
            "install",
            "cursor",
            "weather",
            "--config",
            &path,
            "--url",
            "http://h/mcp",
        ],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(
        written["mcpServers"]["weather"],
        json!({ "url": "http://h/mcp" })
    );
    assert!(run.stderr.contains("Replaced"), "{run:?}");
}

#[test]
fn each_client_gets_its_own_format_and_a_missing_file_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "vscode",
            "servers",
            json!({ "type": "http", "url": "http://h/mcp" }),
        ),
        (
            "claude-code",
            "mcpServers",
            json!({ "type": "http", "url": "http://h/mcp" }),
        ),
        ("cursor", "mcpServers", json!({ "url": "http://h/mcp" })),
    ];
    for (app, key, entry) in cases {
        let config = dir.path().join(app).join("config.json");
        let path = config.display().to_string();
        let run = toolsmith(
            &[
                "install",
                app,
                "s",
                "--config",
                &path,
                "--url",
                "http://h/mcp",
            ],
            "",
        );
        assert_eq!(run.code, 0, "{app}: {run:?}");
        let written: Value =
            serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
        assert_eq!(written, json!({ key: { "s": entry } }), "{app}");
    }
    let config = dir.path().join("claude.json");
    let path = config.display().to_string();
    let run = toolsmith(
        &[
            "install",
            "claude-desktop",
            "s",
            "--config",
            &path,
            "--",
            "srv",
        ],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(
        written,
        json!({ "mcpServers": { "s": { "command": "srv", "args": [] } } })
    );
    // Claude Desktop's file has no remote servers.
    let run = toolsmith(
        &[
            "install",
            "claude-desktop",
            "r",
            "--config",
            &path,
            "--url",
            "http://h/mcp",
        ],
        "",
    );
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn a_dry_run_prints_the_change_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("mcp.json");
    std::fs::write(&config, EXISTING).unwrap();
    let path = config.display().to_string();
    let run = toolsmith(
        &[
            "install",
            "claude-code",
            "new",
            "--config",
            &path,
            "--dry-run",
            "--",
            "srv",
        ],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), EXISTING);
    assert!(!dir.path().join("mcp.json.bak").exists());
    let shown: Value = serde_json::from_str(&run.stdout).expect("the new file on stdout");
    assert_eq!(shown["mcpServers"]["new"]["command"], "srv");
    assert_eq!(shown["mcpServers"]["other"]["command"], "other-server");
    assert!(run.stderr.contains("dry run"), "{run:?}");
}

#[test]
fn a_malformed_file_is_a_clear_error_and_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("mcp.json");
    let broken = "{ \"mcpServers\": { \"a\": ";
    std::fs::write(&config, broken).unwrap();
    let path = config.display().to_string();
    let run = toolsmith(
        &["install", "cursor", "s", "--config", &path, "--", "srv"],
        "",
    );
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains(&path), "{run:?}");
    assert!(run.stderr.contains("is not a JSON object"), "{run:?}");
    assert!(run.stderr.contains("left untouched"), "{run:?}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), broken);
    assert!(!dir.path().join("mcp.json.bak").exists());
}
