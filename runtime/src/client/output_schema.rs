//! The client checks a tool's `structuredContent` against the `outputSchema` it listed
//! (`tools/list`), with the `boon` JSON Schema validator. Any schema and any JSON value are
//! checked, not only objects: 2026-07-28 allows both (2025-11-25 servers send objects). Schemas are compiled once per listing;
//! references to other documents are never fetched (neither files nor URLs).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::ClientError;
use crate::protocol::{CallToolResult, Tool};

/// The compiled output schemas of the tools last listed, by tool name.
#[derive(Default)]
pub(crate) struct OutputSchemas {
    by_tool: Mutex<HashMap<String, Arc<Compiled>>>,
}

struct Compiled {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

/// Refuses every external reference: a server's schema must not make the client read a file
/// or fetch a URL.
struct NoLoader;

impl boon::UrlLoader for NoLoader {
    fn load(&self, url: &str) -> Result<Value, Box<dyn std::error::Error>> {
        Err(format!("`{url}`: output schemas may not refer to other documents").into())
    }
}

fn compile(schema: &Value) -> Result<Compiled, String> {
    const LOC: &str = "urn:toolsmith:output-schema";
    let mut compiler = boon::Compiler::new();
    compiler.use_loader(Box::new(NoLoader));
    compiler
        .add_resource(LOC, schema.clone())
        .map_err(|e| e.to_string())?;
    let mut schemas = boon::Schemas::new();
    let index = compiler
        .compile(LOC, &mut schemas)
        .map_err(|e| e.to_string())?;
    Ok(Compiled { schemas, index })
}

impl OutputSchemas {
    /// Remember the output schemas of `tools` (a listing replaces what an earlier one said
    /// about the same tools). A schema that does not compile is not checked, with a warning.
    pub(crate) fn remember(&self, tools: &[Tool]) {
        let mut by_tool = self.by_tool.lock().expect("output schemas lock");
        for tool in tools {
            by_tool.remove(&tool.name);
            let Some(schema) = &tool.output_schema else {
                continue;
            };
            match compile(schema) {
                Ok(c) => {
                    by_tool.insert(tool.name.clone(), Arc::new(c));
                }
                Err(e) => tracing::warn!(
                    tool = %tool.name,
                    error = %e,
                    "the tool's outputSchema does not compile; its results are not checked"
                ),
            }
        }
    }

    /// Check a successful result of `tool` against its output schema, when one is known.
    pub(crate) fn check(&self, tool: &str, result: &CallToolResult) -> Result<(), ClientError> {
        if result.is_error() {
            return Ok(());
        }
        let Some(compiled) = self
            .by_tool
            .lock()
            .expect("output schemas lock")
            .get(tool)
            .cloned()
        else {
            return Ok(());
        };
        let bad = |reason: String| ClientError::InvalidResponse {
            method: "tools/call".into(),
            reason: format!("tool `{tool}`: {reason}"),
        };
        // `structuredContent` may be any JSON value in 2026-07-28, `null` included, which
        // decodes as absent: absence is accepted where the schema accepts `null`.
        let structured = match &result.structured_content {
            Some(structured) => structured,
            None if compiled
                .schemas
                .validate(&Value::Null, compiled.index)
                .is_ok() =>
            {
                return Ok(())
            }
            None => {
                return Err(bad(
                    "it declares an outputSchema but returned no structuredContent".into(),
                ))
            }
        };
        compiled
            .schemas
            .validate(structured, compiled.index)
            .map_err(|e| {
                bad(format!(
                    "structuredContent does not match its outputSchema: {e}"
                ))
            })
    }
}
