//! The `nl_to_sql` example, a child process over stdio, driven by the toolkit's client with a
//! scripted model that answers each question with chosen SQL: good SQL returns the right rows,
//! SQL that could write is rejected (and the data stays as it was), and an answer that is not
//! the requested JSON is corrected through the structured-sampling retry.

mod common;

use std::sync::Arc;

use serde_json::{json, Value};
use toolsmith::client::{Client, ClientBuilder, SamplingError, SamplingRequest};
use toolsmith::protocol::Role;

use common::{start, Journal};

const EXAMPLE: &str = "nl_to_sql";

/// The SQL the scripted model writes for each question the tests ask.
fn sql_for(question: &str) -> Option<&'static str> {
    Some(match question {
        "Which customers live in France?" => {
            "SELECT id, name FROM customers WHERE country = 'France' ORDER BY id"
        }
        "How many orders were cancelled?" => {
            "SELECT count(*) AS cancelled FROM orders WHERE status = 'cancelled';"
        }
        "Who ordered a standing desk?" => {
            "SELECT DISTINCT c.name FROM orders o \
             JOIN customers c ON c.id = o.customer_id \
             JOIN products p ON p.id = o.product_id \
             WHERE p.name = 'Standing desk' ORDER BY c.name"
        }
        "How big is the shop?" => {
            "SELECT (SELECT count(*) FROM customers) AS customers, \
             (SELECT count(*) FROM products) AS products, \
             (SELECT count(*) FROM orders) AS orders, \
             (SELECT sum(quantity) FROM orders) AS items, \
             (SELECT sum(price_cents) FROM products) AS prices"
        }
        "List every order." => "SELECT id FROM orders ORDER BY id",
        "What is the nope of each customer?" => "SELECT nope FROM customers",
        "drop" => "DROP TABLE customers",
        "two statements" => "SELECT 1; DELETE FROM orders",
        "hidden second statement" => "SELECT 1 /* harmless */ ; DROP TABLE orders -- done",
        "pragma" => "PRAGMA query_only = OFF",
        "writing cte" => {
            "WITH doomed AS (SELECT id FROM orders) DELETE FROM orders WHERE id IN (SELECT id FROM doomed)"
        }
        "attach" => "ATTACH DATABASE ':memory:' AS elsewhere",
        "update" => "SELECT * FROM products WHERE id = 1 UPDATE products SET price_cents = 0",
        _ => return None,
    })
}

/// A model that answers every question with `{"sql": ..}` from [`sql_for`].
fn scripted(journal: &Arc<Journal>) -> ClientBuilder {
    let journal = Arc::clone(journal);
    Client::builder("nl-to-sql-test", "1.0").sampling_handler(move |req: SamplingRequest| {
        journal.record(&req);
        async move {
            let question = req.last_user_text();
            let sql = sql_for(&question)
                .ok_or_else(|| SamplingError::internal(format!("unscripted: {question}")))?;
            Ok(json!({ "sql": sql }).to_string())
        }
    })
}

async fn ask(client: &Client, question: &str) -> Value {
    let result = client
        .call_tool("query", json!({ "question": question }))
        .await
        .unwrap();
    assert!(!result.is_error(), "{question}: {}", result.text_content());
    result.structured_content.expect("structured output")
}

/// Everything the data is checked against after an attack: counts and sums of every table.
fn intact() -> Value {
    json!([[10, 12, 30, 42, 185_900]])
}

#[tokio::test]
async fn questions_become_checked_selects_and_their_rows() {
    let journal = Arc::default();
    let client = start(EXAMPLE, &[], scripted(&journal)).await;
    let tools = client.list_tools().await.unwrap();
    assert_eq!(tools.len(), 1);
    assert_eq!(tools[0].name, "query");
    let output = tools[0].output_schema.as_ref().expect("an output schema");
    assert!(output["properties"].get("rows").is_some(), "{output}");

    let out = ask(&client, "Which customers live in France?").await;
    assert_eq!(
        out,
        json!({
            "sql": "SELECT id, name FROM customers WHERE country = 'France' ORDER BY id",
            "columns": ["id", "name"],
            "rows": [[4, "Marie Curie"], [5, "Émilie du Châtelet"], [9, "Sophie Germain"]],
            "truncated": false,
        })
    );
    let out = ask(&client, "How many orders were cancelled?").await;
    assert_eq!(out["columns"], json!(["cancelled"]));
    assert_eq!(out["rows"], json!([[3]]));
    // The trailing `;` is dropped; the statement is the same.
    assert_eq!(
        out["sql"],
        "SELECT count(*) AS cancelled FROM orders WHERE status = 'cancelled'"
    );
    let out = ask(&client, "Who ordered a standing desk?").await;
    assert_eq!(
        out["rows"],
        json!([["Ada Lovelace"], ["Grace Hopper"], ["Sophie Germain"]])
    );
    assert_eq!(ask(&client, "How big is the shop?").await["rows"], intact());

    // What the model was asked: the question, the schema, JSON output, no randomness.
    let requests = journal.requests();
    assert_eq!(requests.len(), 4);
    let first = &requests[0];
    assert_eq!(first.messages().len(), 1);
    assert_eq!(first.last_user_text(), "Which customers live in France?");
    let system = first.system_prompt().unwrap();
    for table in [
        "CREATE TABLE customers",
        "CREATE TABLE products",
        "CREATE TABLE orders",
    ] {
        assert!(system.contains(table), "{table} missing from: {system}");
    }
    assert!(
        system.contains("JSON") && system.contains("\"sql\""),
        "{system}"
    );
    assert!(
        !system.contains("INSERT INTO"),
        "the rows are not sent to the model"
    );
    assert_eq!(first.params.temperature, Some(0.0));
    client.close().await.unwrap();
}

#[tokio::test]
async fn sql_that_could_write_is_rejected_and_the_data_stays_intact() {
    let journal = Arc::default();
    let client = start(EXAMPLE, &[], scripted(&journal)).await;
    assert_eq!(ask(&client, "How big is the shop?").await["rows"], intact());
    for (question, reason) in [
        ("drop", "starts with `DROP`"),
        ("two statements", "more than one statement"),
        ("hidden second statement", "more than one statement"),
        ("pragma", "starts with `PRAGMA`"),
        ("writing cte", "uses `DELETE`"),
        ("attach", "starts with `ATTACH`"),
        ("update", "uses `UPDATE`"),
    ] {
        let result = client
            .call_tool("query", json!({ "question": question }))
            .await
            .unwrap();
        assert!(result.is_error(), "{question}: {result:?}");
        assert!(
            result.structured_content.is_none(),
            "{question}: {result:?}"
        );
        let message = result.text_content();
        assert!(
            message.contains("rejected") && message.contains(reason),
            "{question}: {message}"
        );
        // The message shows the SQL, so the model (or its user) can see what was refused.
        assert!(
            message.contains(sql_for(question).unwrap()),
            "{question}: {message}"
        );
        // Nothing changed.
        assert_eq!(
            ask(&client, "How big is the shop?").await["rows"],
            intact(),
            "after {question}"
        );
        assert_eq!(
            ask(&client, "Which customers live in France?").await["rows"][0],
            json!([4, "Marie Curie"]),
            "after {question}"
        );
    }
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_reply_that_is_not_json_is_corrected_through_the_structured_retry() {
    let journal: Arc<Journal> = Arc::default();
    let j = Arc::clone(&journal);
    let builder =
        Client::builder("nl-to-sql-test", "1.0").sampling_handler(move |req: SamplingRequest| {
            j.record(&req);
            async move {
                // First a chatty answer; once told it does not match, the JSON (fenced).
                Ok(if req.messages().len() == 1 {
                    "Sure! You can count them with a query on the products table.".to_owned()
                } else {
                    "```json\n{\"sql\": \"SELECT count(*) AS products FROM products\"}\n```"
                        .to_owned()
                })
            }
        });
    let client = start(EXAMPLE, &[], builder).await;
    let out = ask(&client, "How many products are there?").await;
    assert_eq!(out["rows"], json!([[12]]));
    assert_eq!(out["sql"], "SELECT count(*) AS products FROM products");

    let requests = journal.requests();
    assert_eq!(requests.len(), 2, "one answer, one correction");
    let retry = requests[1].messages();
    assert_eq!(retry.len(), 3, "{retry:?}");
    assert_eq!(retry[0].text(), "How many products are there?");
    assert_eq!(retry[1].role, Role::Assistant);
    assert!(retry[1].text().starts_with("Sure!"));
    assert_eq!(retry[2].role, Role::User);
    assert!(
        retry[2]
            .text()
            .contains("does not match the required schema"),
        "{}",
        retry[2].text()
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_model_that_never_answers_in_json_is_a_clear_error() {
    let journal: Arc<Journal> = Arc::default();
    let j = Arc::clone(&journal);
    let builder =
        Client::builder("nl-to-sql-test", "1.0").sampling_handler(move |req: SamplingRequest| {
            j.record(&req);
            async { Ok("I would rather not write SQL.") }
        });
    let client = start(EXAMPLE, &[], builder).await;
    let result = client
        .call_tool(
            "query",
            json!({ "question": "How many products are there?" }),
        )
        .await
        .unwrap();
    assert!(result.is_error());
    assert!(
        result
            .text_content()
            .contains("did not match the requested shape"),
        "{}",
        result.text_content()
    );
    assert_eq!(journal.requests().len(), 3, "an answer and two corrections");
    client.close().await.unwrap();
}

#[tokio::test]
async fn sql_errors_row_limits_and_empty_questions() {
    let journal = Arc::default();
    let client = start(EXAMPLE, &["--max-rows", "5"], scripted(&journal)).await;

    let out = ask(&client, "List every order.").await;
    assert_eq!(out["rows"], json!([[1], [2], [3], [4], [5]]));
    assert_eq!(out["truncated"], true);

    let result = client
        .call_tool(
            "query",
            json!({ "question": "What is the nope of each customer?" }),
        )
        .await
        .unwrap();
    assert!(result.is_error());
    let message = result.text_content();
    assert!(
        message.contains("the query failed") && message.contains("no such column: nope"),
        "{message}"
    );

    let asked = journal.requests().len();
    for question in ["", "   "] {
        let result = client
            .call_tool("query", json!({ "question": question }))
            .await
            .unwrap();
        assert!(result.is_error());
        assert!(
            result.text_content().contains("`question`"),
            "{}",
            result.text_content()
        );
    }
    assert_eq!(
        journal.requests().len(),
        asked,
        "an empty question is not sent to the model"
    );
    client.close().await.unwrap();
}
