//! The dependence between the top-level modules of `src/` runs one way (ARCHITECTURE.md,
//! "Layers"). This test reads every source file and fails when a module names, through a
//! `crate::` path, a module it may not depend on, so a cycle cannot come back unnoticed.
//!
//! Paths through the crate root's re-exports (`crate::Error`, `crate::ToolError`) count as
//! naming the module they come from (read from `lib.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, bottom to top. A module may name modules of lower layers; within a layer only
/// where the layer says so.
const LAYERS: &[(&[&str], bool)] = &[
    // Foundations: JSON-RPC framing and small leaves.
    (&["jsonrpc", "error", "params", "schema"], false),
    // MCP wire types and error codes.
    (&["protocol"], false),
    // Who is calling: the authenticated caller and the token verifiers.
    (&["auth"], false),
    // Bytes and frames: stdio, HTTP, the outgoing queue, limits, the Dispatch seam.
    (&["transport"], false),
    // Handlers and the context they run in. They name each other: a sample's tool loop hands
    // `ToolDef`s to the model, and tools take a `Context`.
    (&["context", "tool", "resource", "prompt"], true),
    // The two ends that wire transports to handlers; neither names the other.
    (&["server", "client"], false),
    // A proxy exposing a remote server (client) through a local one (server), and users'
    // test harness: a client connected to a server in memory. Both name both ends.
    (&["testing", "proxy"], false),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn layer_of(module: &str) -> Option<(usize, bool)> {
    LAYERS
        .iter()
        .enumerate()
        .find(|(_, (modules, _))| modules.contains(&module))
        .map(|(i, (_, peers))| (i, *peers))
}

/// True when `from` may name `to`.
fn allowed(from: &str, to: &str) -> bool {
    match (layer_of(from), layer_of(to)) {
        (Some((f, peers)), Some((t, _))) => t < f || (t == f && peers),
        // A module missing from the table must be placed in it first.
        _ => false,
    }
}

/// The source text without comments (so doc links do not count).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first segment of every `crate::` path in `code` (`crate::a::b` and `crate::{a, b::c}`).
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        if i > 0 && code[..i].ends_with('$') {
            continue;
        }
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut item_start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if c.is_whitespace() => {}
                    _ if item_start && depth == 0 => {
                        out.insert(ident_at(&group[j..]).to_owned());
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident_at(rest).to_owned());
        }
    }
    out.remove("");
    out
}

/// The names the crate root re-exports, each with the module it comes from.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let code = code_of(lib);
    let mut out = BTreeMap::new();
    for (i, _) in code.match_indices("\npub use ") {
        let stmt = &code[i + "\npub use ".len()..];
        let stmt = &stmt[..stmt.find(';').unwrap_or(stmt.len())];
        let module = ident_at(stmt).to_owned();
        let names = match stmt.find('{') {
            Some(b) => &stmt[b + 1..stmt.rfind('}').unwrap_or(stmt.len())],
            None => stmt.rsplit("::").next().unwrap_or(""),
        };
        for name in names.split(',') {
            let name = name.rsplit(" as ").next().unwrap_or("");
            let name = name.trim().rsplit("::").next().unwrap_or("").trim();
            if !name.is_empty() && name != "_" {
                out.insert(name.to_owned(), module.clone());
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("readable entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every (module, module it names) pair, with the file that names it.
fn edges() -> BTreeMap<(String, String), PathBuf> {
    let src = src();
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let reexports = root_reexports(&lib);
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut out = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src");
        let first = relative.components().next().expect("a component");
        let first = first.as_os_str().to_string_lossy();
        let module = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable source");
        for name in crate_paths(&code_of(&text)) {
            let target = reexports.get(&name).cloned().unwrap_or(name);
            if target != module && layer_of(&target).is_some() {
                out.entry((module.clone(), target))
                    .or_insert_with(|| relative.to_owned());
            }
        }
    }
    out
}

#[test]
fn top_level_modules_depend_one_way() {
    let edges = edges();
    // The scan sees real imports (were it blind, the test below could not fail).
    assert!(edges.contains_key(&("server".to_owned(), "transport".to_owned())));
    assert!(edges.contains_key(&("context".to_owned(), "transport".to_owned())));
    let wrong: Vec<String> = edges
        .iter()
        .filter(|((from, to), _)| !allowed(from, to))
        .map(|((from, to), file)| format!("{from} -> {to} (in src/{})", file.display()))
        .collect();
    assert!(
        wrong.is_empty(),
        "imports against the layering of ARCHITECTURE.md:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn every_top_level_module_has_a_layer() {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(src()).expect("src") {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        if name != "lib" {
            files.push(name);
        }
    }
    let missing: Vec<&String> = files.iter().filter(|m| layer_of(m).is_none()).collect();
    assert!(missing.is_empty(), "modules without a layer: {missing:?}");
}

#[test]
fn the_scan_reads_grouped_paths_and_reexports() {
    let paths = crate_paths("use crate::{a::B, c, d::{e, f}};\nlet x = crate::g::h();");
    assert_eq!(paths, ["a", "c", "d", "g"].map(String::from).into());
    let lib = "\npub use x::{A, B as _};\npub use y::Z;\npub use w::{\n    V,\n};\n";
    let map = root_reexports(lib);
    assert_eq!(map["A"], "x");
    assert_eq!(map["Z"], "y");
    assert_eq!(map["V"], "w");
    assert!(!map.contains_key("_"));
}
