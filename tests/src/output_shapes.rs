//! Tools returning values of every JSON shape, not only objects (a list, a string, a number, an
//! enum, an `Option`, a `Result` of a list, and an object): one handler source for both protocol
//! eras. Used by `output_schemas.rs` (the toolkit's client) and `interop_python_output.rs` (the
//! Python SDK's).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toolsmith::prelude::*;

/// A row of a table.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Row {
    /// Its key.
    pub id: u32,
    /// Its name.
    pub name: String,
}

/// A mood.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mood {
    /// Happy.
    Happy,
    /// Sad.
    Sad,
}

/// The first `n` rows.
#[tool]
pub async fn rows(n: u32) -> Vec<Row> {
    (1..=n)
        .map(|id| Row {
            id,
            name: format!("row {id}"),
        })
        .collect()
}

/// A label.
#[tool]
pub async fn label() -> String {
    "hello".into()
}

/// The sum of two numbers.
#[tool]
pub async fn total(a: u32, b: u32) -> u64 {
    u64::from(a) + u64::from(b)
}

/// How it feels.
#[tool]
pub async fn mood(happy: bool) -> Mood {
    if happy {
        Mood::Happy
    } else {
        Mood::Sad
    }
}

/// The row `id`, if there is one (only row 1).
#[tool]
pub async fn find(id: u32) -> Option<Row> {
    (id == 1).then(|| Row {
        id,
        name: "row 1".into(),
    })
}

/// The rows, or why not.
#[tool]
pub async fn fallible_rows(ok: bool) -> Result<Vec<Row>, String> {
    if ok {
        Ok(vec![Row {
            id: 7,
            name: "row 7".into(),
        }])
    } else {
        Err("no rows today".into())
    }
}

/// One row: an object, the same in both eras.
#[tool]
pub async fn first_row() -> Row {
    Row {
        id: 1,
        name: "row 1".into(),
    }
}

/// A server with every tool of this module.
pub fn server() -> Server {
    Server::new("output-schemas-test", "1.0")
        .tool(rows)
        .tool(label)
        .tool(total)
        .tool(mood)
        .tool(find)
        .tool(fallible_rows)
        .tool(first_row)
}
