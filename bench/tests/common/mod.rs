//! Shared by the bench crate's smoke tests: the examples they drive.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the bench crate lives one level below the workspace root")
        .to_path_buf()
}

/// Build the examples (dev profile) and return the path of the example `name`. The whole
/// workspace is selected so dependency features resolve as in `cargo test --workspace` and
/// nothing is built twice.
pub fn example(name: &str) -> PathBuf {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .args(["build", "--workspace", "--examples"])
        .current_dir(&root)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("could not run `{cargo} build`: {e}"));
    assert!(
        output.status.success(),
        "`cargo build --workspace --examples` failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { root.join(t) })
        .unwrap_or_else(|| root.join("target"));
    let server = target
        .join("debug")
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(server.is_file(), "{} was not built", server.display());
    server
}
