//! Questions in plain language, answered from a SQL database, with the client's model writing
//! the SQL — and never trusted with it.
//!
//! `query(question)` shows the model the schema of a small shop (`nl_to_sql/schema.sql`:
//! customers, products, orders; the rows are in `nl_to_sql/data.sql`, loaded into an in-memory
//! SQLite database at startup), asks it for a translation with
//! `ctx.sample(..).structured::<SqlQuery>()` (an answer that is not the requested JSON is sent
//! back for correction), and runs the SQL only if it is a single read-only `SELECT`. The rows
//! come back as structured output: column names, rows, and whether the row limit cut them short.
//!
//! The model's SQL never runs unchecked, and three independent guards stand between it and the
//! data, so that a gap in one is not a breach:
//!
//! 1. [`check_read_only`] reads the SQL: one statement, starting with `SELECT` or `WITH`, with no
//!    writing or administrative keyword (`INSERT`, `DELETE`, `DROP`, `ATTACH`, `PRAGMA`, ..)
//!    outside string literals and comments;
//! 2. SQLite compiles it, and it runs only if SQLite itself says the statement is read-only;
//! 3. the connection cannot write anyway: `PRAGMA query_only` is on, and an authorizer lets
//!    statements read tables and call functions, nothing else. A query that runs longer than two
//!    seconds is interrupted.
//!
//! Run it under any MCP client over stdio: `cargo run --example nl_to_sql` (`-- --max-rows N`
//! changes how many rows one answer returns, 50 by default). The guards have unit tests:
//! `cargo test -p toolsmith-examples --example nl_to_sql`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use clap::Parser;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode};
use serde_json::Value;
use toolsmith::prelude::*;

/// The shop's tables, as created and as shown to the model.
const SCHEMA: &str = include_str!("nl_to_sql/schema.sql");
/// The shop's rows.
const DATA: &str = include_str!("nl_to_sql/data.sql");

/// How long one query may run before SQLite interrupts it.
const QUERY_TIME_LIMIT: Duration = Duration::from_secs(2);

/// Answer questions about a shop's data with SQL written by the client's model.
#[derive(Parser)]
struct Args {
    /// The most rows one answer returns.
    #[arg(long, default_value_t = 50)]
    max_rows: usize,
}

/// The model's translation of a question.
#[derive(Debug, Deserialize, JsonSchema)]
struct SqlQuery {
    /// One SQLite `SELECT` statement that answers the question.
    sql: String,
}

/// The answer to a question: the rows its SQL returned.
#[derive(Debug, Serialize, JsonSchema)]
struct QueryResult {
    /// The SQL that ran.
    sql: String,
    /// The column names.
    columns: Vec<String>,
    /// The rows, each with one value per column.
    rows: Vec<Vec<Value>>,
    /// True when the query matched more rows than the server returns.
    truncated: bool,
}

/// The shop's database, shared by every call.
struct Shop {
    db: Arc<Mutex<Connection>>,
    max_rows: usize,
}

#[tools]
impl Shop {
    /// Answer a question about the shop's customers, products and orders. The client's model
    /// writes the SQL; the server runs it only if it is a single read-only SELECT.
    #[tool(read_only, open_world = false)]
    async fn query(
        &self,
        ctx: Context<'_>,
        #[arg(description = "A question about the shop's data, in plain language")]
        question: String,
    ) -> Result<QueryResult, ToolError> {
        if question.trim().is_empty() {
            return Err(ToolError::new(
                "`question` is empty: ask something about the shop's data",
            ));
        }
        let translation = ctx
            .sample(question)
            .system_prompt(system_prompt())
            .temperature(0.0)
            .max_tokens(400)
            .structured::<SqlQuery>()
            .await?;
        let sql = check_read_only(&translation.sql)
            .map_err(|why| {
                ToolError::new(format!(
                    "the model's SQL was rejected: {why}. Only a single read-only SELECT may run. \
                     SQL: {}",
                    translation.sql
                ))
            })?
            .to_owned();

        // SQLite blocks the thread it runs on: give it one of the runtime's blocking threads.
        let db = Arc::clone(&self.db);
        let max_rows = self.max_rows;
        let statement = sql.clone();
        let result = tokio::task::spawn_blocking(move || {
            let conn = db.lock().unwrap_or_else(PoisonError::into_inner);
            run_select(&conn, &statement, max_rows)
        })
        .await
        .map_err(|e| ToolError::new(format!("the query task failed: {e}")))?;
        let (columns, rows, truncated) =
            result.map_err(|why| ToolError::new(format!("the query failed: {why}. SQL: {sql}")))?;
        Ok(QueryResult {
            sql,
            columns,
            rows,
            truncated,
        })
    }
}

fn system_prompt() -> String {
    format!(
        "You translate questions about a shop's data into SQL for SQLite. The database has \
         these tables:\n\n{SCHEMA}\nAnswer with one read-only SELECT statement (a WITH .. SELECT \
         is fine) that answers the question. Never write statements that change data or the \
         schema."
    )
}

/// The shop's database: created in memory, filled, then made read-only for good.
fn open_database() -> rusqlite::Result<Connection> {
    let conn = Connection::open_in_memory()?;
    conn.execute_batch(SCHEMA)?;
    conn.execute_batch(DATA)?;
    make_read_only(&conn)?;
    Ok(conn)
}

/// Guard 3: from now on `conn` can only read, whatever SQL it is given. `query_only` makes
/// SQLite refuse any write, and the authorizer refuses, while a statement is compiled, anything
/// but reading tables and calling functions (so also `PRAGMA`, `ATTACH`, transactions, DDL).
fn make_read_only(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "query_only", true)?;
    conn.authorizer(Some(|ctx: AuthContext<'_>| match ctx.action {
        AuthAction::Select
        | AuthAction::Read { .. }
        | AuthAction::Function { .. }
        | AuthAction::Recursive => Authorization::Allow,
        _ => Authorization::Deny,
    }));
    Ok(())
}

/// Columns, at most `max_rows` rows, and whether there were more.
type Rows = (Vec<String>, Vec<Vec<Value>>, bool);

/// Run one checked `SELECT` (guard 2: SQLite must agree it is read-only), stopping it after
/// [`QUERY_TIME_LIMIT`].
fn run_select(conn: &Connection, sql: &str, max_rows: usize) -> Result<Rows, String> {
    let started = Instant::now();
    conn.progress_handler(1_000, Some(move || started.elapsed() > QUERY_TIME_LIMIT));
    let result = fetch(conn, sql, max_rows);
    conn.progress_handler(0, None::<fn() -> bool>);
    result
}

fn fetch(conn: &Connection, sql: &str, max_rows: usize) -> Result<Rows, String> {
    let mut statement = conn.prepare(sql).map_err(describe)?;
    if !statement.readonly() {
        return Err("SQLite says the statement writes".to_owned());
    }
    let columns: Vec<String> = statement
        .column_names()
        .into_iter()
        .map(String::from)
        .collect();
    let mut rows = Vec::new();
    let mut truncated = false;
    let mut cursor = statement.query([]).map_err(describe)?;
    while let Some(row) = cursor.next().map_err(describe)? {
        if rows.len() == max_rows {
            truncated = true;
            break;
        }
        let values = (0..columns.len())
            .map(|i| row.get_ref(i).map(json_value))
            .collect::<rusqlite::Result<Vec<Value>>>()
            .map_err(describe)?;
        rows.push(values);
    }
    Ok((columns, rows, truncated))
}

fn describe(error: rusqlite::Error) -> String {
    match error.sqlite_error_code() {
        Some(ErrorCode::OperationInterrupted) => {
            format!("it ran longer than {QUERY_TIME_LIMIT:?} and was stopped")
        }
        _ => error.to_string(),
    }
}

fn json_value(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(f) => f.into(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into(),
        ValueRef::Blob(b) => format!("<{} bytes>", b.len()).into(),
    }
}

/// Words that never appear, unquoted, in a query that only reads. (`REPLACE` is also a string
/// function: `replace(..)` is allowed.)
const FORBIDDEN: &[&str] = &[
    "INSERT",
    "UPDATE",
    "DELETE",
    "REPLACE",
    "UPSERT",
    "DROP",
    "CREATE",
    "ALTER",
    "ATTACH",
    "DETACH",
    "PRAGMA",
    "VACUUM",
    "REINDEX",
    "ANALYZE",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
];

/// Guard 1: `sql` if it is a single statement that starts with `SELECT` or `WITH` and holds no
/// forbidden keyword (string literals, quoted names and comments are skipped); a trailing `;`
/// is removed. `Err` says why not.
fn check_read_only(sql: &str) -> Result<&str, String> {
    let mut tokens = tokenize(sql)?;
    let mut end = sql.len();
    if let Some(&(at, Token::Punct(';'))) = tokens.last() {
        end = at;
        tokens.pop();
    }
    if tokens.iter().any(|(_, t)| *t == Token::Punct(';')) {
        return Err("it holds more than one statement (`;`)".into());
    }
    match tokens.first() {
        None => return Err("it is empty".into()),
        Some((_, Token::Word(w)))
            if w.eq_ignore_ascii_case("select") || w.eq_ignore_ascii_case("with") => {}
        Some((at, _)) => {
            let start: String = sql[*at..]
                .split_whitespace()
                .next()
                .unwrap_or("")
                .chars()
                .take(20)
                .collect();
            return Err(format!("it starts with `{start}`, not SELECT or WITH"));
        }
    }
    for (i, (_, token)) in tokens.iter().enumerate() {
        let Token::Word(word) = token else { continue };
        let word = word.to_ascii_uppercase();
        let is_function_call = matches!(tokens.get(i + 1), Some((_, Token::Punct('('))));
        if FORBIDDEN.contains(&word.as_str()) && !(word == "REPLACE" && is_function_call) {
            return Err(format!("it uses `{word}`"));
        }
    }
    Ok(sql[..end].trim())
}

/// What the check looks at in a piece of SQL.
#[derive(Debug, PartialEq)]
enum Token<'a> {
    /// A keyword, a name or a number.
    Word(&'a str),
    /// A string literal or a quoted name (its content is never a keyword).
    Quoted,
    /// Any other character.
    Punct(char),
}

/// Split SQL into tokens with their byte offsets, skipping white space and comments.
fn tokenize(sql: &str) -> Result<Vec<(usize, Token<'_>)>, String> {
    let mut tokens = Vec::new();
    let mut chars = sql.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        match c {
            c if c.is_whitespace() => {}
            '-' if next == Some('-') => {
                chars.by_ref().find(|&(_, c)| c == '\n');
            }
            '/' if next == Some('*') => {
                chars.next();
                let mut star = false;
                let closed = chars.by_ref().any(|(_, c)| {
                    let done = star && c == '/';
                    star = c == '*';
                    done
                });
                if !closed {
                    return Err("it has an unterminated comment".into());
                }
            }
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                // A doubled quote inside is an escaped quote: `'it''s'`.
                loop {
                    match chars.next() {
                        None => return Err(format!("it has an unterminated `{c}` quote")),
                        Some((_, q)) if q == close => {
                            if close != ']' && chars.peek().is_some_and(|&(_, n)| n == close) {
                                chars.next();
                            } else {
                                break;
                            }
                        }
                        Some(_) => {}
                    }
                }
                tokens.push((at, Token::Quoted));
            }
            c if c.is_alphanumeric() || c == '_' || c == '$' => {
                let mut end = at + c.len_utf8();
                while let Some(&(i, n)) = chars.peek() {
                    if !(n.is_alphanumeric() || n == '_' || n == '$') {
                        break;
                    }
                    end = i + n.len_utf8();
                    chars.next();
                }
                tokens.push((at, Token::Word(&sql[at..end])));
            }
            c => tokens.push((at, Token::Punct(c))),
        }
    }
    Ok(tokens)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let args = Args::parse();
    let shop = Shop {
        db: Arc::new(Mutex::new(open_database()?)),
        max_rows: args.max_rows,
    };
    Server::new("nl-to-sql", env!("CARGO_PKG_VERSION"))
        .instructions(
            "Answers questions about a small shop's customers, products and orders with SQL \
             written by the client's model and checked by the server.",
        )
        .tools(shop)
        .serve_stdio()
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_pass_and_lose_a_trailing_semicolon() {
        for sql in [
            "SELECT name FROM customers",
            "  select count(*) from orders where status = 'pending';  ",
            "WITH big AS (SELECT * FROM orders WHERE quantity > 1) SELECT count(*) FROM big",
            "SELECT replace(name, ' ', '_') FROM products -- a comment; DROP\n",
            "SELECT 'DROP TABLE customers; --' AS s, \"delete\" FROM t /* PRAGMA */",
        ] {
            let checked = check_read_only(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
            assert!(!checked.ends_with(';'), "{checked}");
        }
        assert_eq!(check_read_only("SELECT 1;").unwrap(), "SELECT 1");
    }

    #[test]
    fn anything_else_is_rejected_with_a_reason() {
        for (sql, reason) in [
            ("DROP TABLE customers", "starts with `DROP`"),
            ("SELECT 1; DELETE FROM orders", "more than one statement"),
            ("SELECT 1;;", "more than one statement"),
            ("PRAGMA query_only = OFF", "starts with `PRAGMA`"),
            ("WITH x AS (SELECT 1) DELETE FROM orders", "uses `DELETE`"),
            (
                "WITH x AS (SELECT 1) replace INTO orders SELECT * FROM orders",
                "uses `REPLACE`",
            ),
            (
                "SELECT * FROM customers WHERE id IN (SELECT 1) ATTACH",
                "uses `ATTACH`",
            ),
            ("INSERT INTO orders VALUES (1)", "starts with `INSERT`"),
            ("   ", "empty"),
            ("-- only a comment", "empty"),
            ("SELECT 'unterminated", "unterminated"),
            ("SELECT 1 /* open", "unterminated comment"),
        ] {
            let why = check_read_only(sql).expect_err(sql);
            assert!(why.contains(reason), "{sql}: {why}");
        }
    }

    #[test]
    fn the_connection_cannot_write_even_if_the_check_is_bypassed() {
        let conn = open_database().unwrap();
        for sql in [
            "DELETE FROM orders",
            "DROP TABLE customers",
            "UPDATE products SET price_cents = 0",
            "PRAGMA query_only = OFF",
            "ATTACH DATABASE ':memory:' AS other",
            "CREATE TABLE t (x)",
            "BEGIN",
        ] {
            assert!(conn.execute_batch(sql).is_err(), "{sql} was allowed");
        }
        let count: i64 = conn
            .query_row("SELECT count(*) FROM orders", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 30);
        // run_select refuses a writing statement before running it, too.
        assert!(run_select(&conn, "DELETE FROM orders", 10)
            .unwrap_err()
            .contains("not authorized"));
    }

    #[test]
    fn rows_are_limited_and_typed() {
        let conn = open_database().unwrap();
        let (columns, rows, truncated) =
            run_select(&conn, "SELECT id, name, price_cents / 100.0 AS euros, NULL AS missing FROM products ORDER BY id", 3).unwrap();
        assert_eq!(columns, ["id", "name", "euros", "missing"]);
        assert_eq!(rows.len(), 3);
        assert!(truncated);
        assert_eq!(
            rows[0],
            vec![
                Value::from(1),
                "Mechanical keyboard".into(),
                129.0.into(),
                Value::Null
            ]
        );
        let (_, rows, truncated) = run_select(&conn, "SELECT id FROM customers", 10).unwrap();
        assert_eq!((rows.len(), truncated), (10, false));
    }

    #[test]
    fn a_runaway_query_is_interrupted() {
        let conn = open_database().unwrap();
        let started = Instant::now();
        let why = run_select(
            &conn,
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT max(x) FROM n",
            1,
        )
        .unwrap_err();
        assert!(why.contains("stopped"), "{why}");
        assert!(started.elapsed() < QUERY_TIME_LIMIT * 3);
        // The connection still works afterwards.
        assert!(run_select(&conn, "SELECT 1", 1).is_ok());
    }
}
