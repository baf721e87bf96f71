//! `resources/directory/read` (the skills extension's optional `directoryRead`): the direct
//! children of a directory of a served skill, files with their resource metadata and
//! subdirectories as directory resources (`mimeType: "inode/directory"`).

use serde_json::{json, Value};

use crate::jsonrpc::ErrorObject;

/// The MIME type of a directory resource.
pub(super) const DIRECTORY_MIME: &str = "inode/directory";

/// One served file: its URI and MIME type.
pub(super) struct FileRef {
    pub(super) uri: String,
    pub(super) mime: &'static str,
}

/// The children of the directory `dir` among `files` (every file of every skill), sorted by URI;
/// `-32602` when `dir` is not a directory of a served skill.
pub(super) fn children<'a>(
    dir: &str,
    roots: impl Iterator<Item = &'a str>,
    files: impl Iterator<Item = &'a FileRef> + Clone,
) -> Result<Value, ErrorObject> {
    let dir = dir.trim_end_matches('/');
    let prefix = format!("{dir}/");
    let is_root = roots.into_iter().any(|r| r == dir);
    let mut out: Vec<Value> = Vec::new();
    let mut subdirs: Vec<String> = Vec::new();
    let mut any = false;
    for file in files {
        let Some(rest) = file.uri.strip_prefix(&prefix) else {
            continue;
        };
        any = true;
        match rest.split_once('/') {
            Some((sub, _)) => {
                if !subdirs.iter().any(|s| s == sub) {
                    subdirs.push(sub.to_owned());
                }
            }
            None => out.push(json!({ "uri": file.uri, "name": rest, "mimeType": file.mime })),
        }
    }
    if !is_root && !any {
        return Err(ErrorObject::invalid_params(format!(
            "`{dir}` is not a directory of a skill this server serves"
        ))
        .with_data(json!({ "uri": dir })));
    }
    for sub in subdirs {
        out.push(
            json!({ "uri": format!("{prefix}{sub}"), "name": sub, "mimeType": DIRECTORY_MIME }),
        );
    }
    out.sort_by(|a, b| a["uri"].as_str().cmp(&b["uri"].as_str()));
    Ok(json!({ "resources": out }))
}
