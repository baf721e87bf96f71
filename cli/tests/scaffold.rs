//! `toolsmith new`: the generated project builds and passes its own `cargo test`, offline, in a
//! fresh directory outside this workspace.

mod common;

use std::process::{Command, Stdio};

use common::{toolsmith, workspace};

#[test]
fn a_new_project_builds_and_passes_its_tests() {
    let dir = tempfile::tempdir().unwrap();
    let parent = dir.path().display().to_string();
    let checkout = workspace().display().to_string();
    let run = toolsmith(
        &[
            "new",
            "weather_bot",
            "--dir",
            &parent,
            "--toolsmith-path",
            &checkout,
        ],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    let project = dir.path().join("weather_bot");
    for file in ["Cargo.toml", "src/main.rs", "README.md", ".gitignore"] {
        assert!(project.join(file).is_file(), "{file} is missing");
    }
    let readme = std::fs::read_to_string(project.join("README.md")).unwrap();
    assert!(readme.contains("by path"), "{readme}");

    // Creating it again is refused, and nothing is overwritten.
    let again = toolsmith(
        &[
            "new",
            "weather_bot",
            "--dir",
            &parent,
            "--toolsmith-path",
            &checkout,
        ],
        "",
    );
    assert_eq!(again.code, 4, "{again:?}");
    assert!(again.stderr.contains("already exists"), "{again:?}");

    // This workspace's lock file and target directory, and its dev profile, so that the
    // dependencies already built are reused and nothing is downloaded.
    std::fs::copy(workspace().join("Cargo.lock"), project.join("Cargo.lock")).unwrap();
    let target = std::path::Path::new(env!("CARGO_BIN_EXE_toolsmith"))
        .parent()
        .and_then(|p| p.parent())
        .expect("the target directory")
        .to_path_buf();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["test", "--offline"])
        .args(["--config", "profile.dev.debug=\"line-tables-only\""])
        .args(["--config", "profile.dev.package.\"*\".debug=false"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(&project)
        .stdin(Stdio::null())
        .output()
        .expect("run cargo test in the new project");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "cargo test failed in the new project\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
    );
    assert!(stdout.contains("test result: ok. 2 passed"), "{stdout}");
}
