//! `toolsmith new NAME`: a server project with a tool that samples, a resource, a prompt, and
//! in-process tests, ready for `cargo test`.

use std::path::{Path, PathBuf};

use crate::error::Failure;

const CARGO_TOML: &str = include_str!("scaffold/Cargo.toml.tmpl");
const MAIN_RS: &str = include_str!("scaffold/main.rs.tmpl");
const README: &str = include_str!("scaffold/README.md.tmpl");
const GITIGNORE: &str = "/target\n";

/// Create the project `name` in `dir` (default: the current directory), depending on the
/// toolsmith checkout at `toolsmith` (default: the one this binary was built from, if it is
/// still there; else the crates.io version, with a note in the README).
pub fn run(name: &str, dir: Option<&Path>, toolsmith: Option<&Path>) -> Result<(), Failure> {
    check_name(name).map_err(Failure::Usage)?;
    let runtime = match toolsmith {
        Some(path) => Some(runtime_dir(path)?),
        None => built_from(),
    };
    let root = dir.unwrap_or(Path::new(".")).join(name);
    if root.exists() {
        return Err(Failure::Local(format!(
            "{} already exists; choose another name or directory",
            root.display()
        )));
    }
    let files = render(name, runtime.as_deref());
    for (relative, contents) in &files {
        let path = root.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Failure::Local(format!("creating {}: {e}", parent.display())))?;
        }
        std::fs::write(&path, contents)
            .map_err(|e| Failure::Local(format!("writing {}: {e}", path.display())))?;
    }
    eprintln!("Created {} ({} files).", root.display(), files.len());
    match &runtime {
        Some(path) => eprintln!("It depends on toolsmith at {}.", path.display()),
        None => eprintln!(
            "No toolsmith checkout found: Cargo.toml names the crates.io version; see its README."
        ),
    }
    eprintln!("Next: cd {} && cargo test", root.display());
    Ok(())
}

/// The project's files, relative to its directory.
pub fn render(name: &str, runtime: Option<&Path>) -> Vec<(PathBuf, String)> {
    let (toolsmith, toolsmith_client, note) = match runtime {
        Some(path) => {
            let quoted = toml::Value::String(path.display().to_string()).to_string();
            (
                format!("toolsmith = {{ path = {quoted} }}"),
                format!("toolsmith = {{ path = {quoted}, features = [\"client\"] }}"),
                format!(
                    "`Cargo.toml` depends on the Toolsmith checkout at `{}` by path (the runtime \
                     crate, `runtime/`). To move this project to another machine, clone Toolsmith \
                     there and change both `path = ...` entries, or create the project again with \
                     `toolsmith new NAME --toolsmith-path PATH/TO/CHECKOUT`.",
                    path.display()
                ),
            )
        }
        None => (
            "toolsmith = \"0.1\"".to_owned(),
            "toolsmith = { version = \"0.1\", features = [\"client\"] }".to_owned(),
            "`Cargo.toml` names toolsmith 0.1 from crates.io. If it is not published there, \
             clone the Toolsmith repository and depend on it by path instead: \
             `toolsmith = { path = \"PATH/TO/CHECKOUT/runtime\" }` (and the same with \
             `features = [\"client\"]` under `[dev-dependencies]`), or create the project with \
             `toolsmith new NAME --toolsmith-path PATH/TO/CHECKOUT`."
                .to_owned(),
        ),
    };
    let fill = |template: &str| {
        template
            .replace("{{name}}", name)
            .replace("{{scheme}}", &name.replace('_', "-"))
            .replace("{{toolsmith}}", &toolsmith)
            .replace("{{toolsmith_client}}", &toolsmith_client)
            .replace("{{dependency_note}}", &note)
    };
    vec![
        (PathBuf::from("Cargo.toml"), fill(CARGO_TOML)),
        (PathBuf::from("src/main.rs"), fill(MAIN_RS)),
        (PathBuf::from("README.md"), fill(README)),
        (PathBuf::from(".gitignore"), GITIGNORE.to_owned()),
    ]
}

/// A Cargo package name that also works as a URI scheme once `_` becomes `-`: a letter, then
/// letters, digits, `-` and `_`.
fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a usable project name: start with a letter, then letters, digits, \
             `-` or `_`"
        ))
    }
}

/// The runtime crate of the checkout at `path` (the checkout's root, or `runtime/` itself).
fn runtime_dir(path: &Path) -> Result<PathBuf, Failure> {
    let candidates = [path.join("runtime"), path.to_path_buf()];
    for candidate in candidates {
        let manifest = candidate.join("Cargo.toml");
        let is_runtime = std::fs::read_to_string(&manifest)
            .is_ok_and(|text| text.contains("name = \"toolsmith\""));
        if is_runtime {
            return candidate
                .canonicalize()
                .map_err(|e| Failure::Local(format!("--toolsmith-path {}: {e}", path.display())));
        }
    }
    Err(Failure::Usage(format!(
        "--toolsmith-path {}: no toolsmith checkout there (expected runtime/Cargo.toml)",
        path.display()
    )))
}

/// The runtime crate of the checkout this binary was built from, when it still exists.
fn built_from() -> Option<PathBuf> {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    runtime_dir(checkout).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_package_names() {
        assert!(check_name("my-server").is_ok());
        assert!(check_name("weather_2").is_ok());
        for bad in ["", "2fast", "a b", "../x", "café"] {
            assert!(check_name(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn the_templates_are_filled_in_completely() {
        let files = render("my_server", Some(Path::new("/src/tool\"smith/runtime")));
        for (path, contents) in &files {
            assert!(!contents.contains("{{"), "{} has a hole", path.display());
        }
        let manifest = &files[0].1;
        let parsed: toml::Table = manifest.parse().expect("Cargo.toml parses");
        assert_eq!(parsed["package"]["name"].as_str(), Some("my_server"));
        assert_eq!(
            parsed["dependencies"]["toolsmith"]["path"].as_str(),
            Some("/src/tool\"smith/runtime")
        );
        assert!(files[1].1.contains("uri = \"my-server://about\""));
        let without = render("x", None);
        assert!(without[0].1.contains("toolsmith = \"0.1\""));
        assert!(without[2].1.contains("--toolsmith-path"));
    }
}
