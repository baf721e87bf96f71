//! The arguments `#[tool]` and `#[tools]` generate, as a client sees them: the listed input schema
//! (descriptions, renames, optional arguments, user types under `$defs`) and the `-32602`-style
//! error results for arguments that do not decode (missing, wrong type, wrong type deep inside a
//! user type or a list, naming the argument's path), for a free function and a method alike.

use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::testing::TestClient;

/// A user type: decoded and described by its own derives.
#[derive(Deserialize, JsonSchema)]
struct Point {
    x: f64,
    y: f64,
}

/// Every argument shape.
#[tool]
async fn shapes(
    #[arg(description = "The text")] text: String,
    #[arg(description = "How many times")] times: Option<u32>,
    #[arg(name = "numberList")] nums: Vec<i64>,
    point: Point,
    #[arg(description = "Another point")] maybe: Option<Point>,
) -> String {
    format!(
        "{text} {times:?} {nums:?} {} {} {}",
        point.x,
        point.y,
        maybe.map_or(0.0, |p| p.x + p.y)
    )
}

/// A tool without arguments.
#[tool]
async fn nothing() -> String {
    "nothing".into()
}

struct State;

#[tools]
impl State {
    /// A method's arguments.
    #[tool]
    async fn method(
        &self,
        #[arg(description = "A count")] count: u8,
        flag: Option<bool>,
    ) -> String {
        format!("{count} {flag:?}")
    }
}

async fn client() -> TestClient {
    let server = Server::new("args", "1")
        .tool(shapes)
        .tool(nothing)
        .tools(State);
    TestClient::connect(server).await.unwrap()
}

/// The error text of a call that must fail, or the text of one that must succeed.
async fn call(client: &TestClient, tool: &str, args: Value) -> (bool, String) {
    let r = client.call_tool(tool, args).await.unwrap();
    (r.is_error(), r.text_content())
}

#[tokio::test]
async fn input_schemas_are_listed_as_the_derives_wrote_them() {
    let client = client().await;
    let tools = client.list_tools().await.unwrap();
    let schema = |name: &str| {
        let t = tools.iter().find(|t| t.name == name).unwrap();
        serde_json::to_value(&t.input_schema).unwrap()
    };
    let number = json!({"type": "number", "format": "double"});
    assert_eq!(
        schema("shapes"),
        json!({
            "type": "object",
            "properties": {
                "text": {"type": "string", "description": "The text"},
                "times": {
                    "type": ["integer", "null"],
                    "format": "uint32",
                    "minimum": 0,
                    "default": null,
                    "description": "How many times"
                },
                "numberList": {"type": "array", "items": {"type": "integer", "format": "int64"}},
                "point": {"$ref": "#/$defs/Point"},
                "maybe": {
                    "anyOf": [{"$ref": "#/$defs/Point"}, {"type": "null"}],
                    "description": "Another point"
                }
            },
            "required": ["text", "numberList", "point"],
            "$defs": {
                "Point": {
                    "description": "A user type: decoded and described by its own derives.",
                    "type": "object",
                    "properties": {"x": number, "y": number},
                    "required": ["x", "y"]
                }
            }
        })
    );
    assert_eq!(
        schema("nothing"),
        json!({"type": "object", "properties": {}})
    );
    assert_eq!(
        schema("method"),
        json!({
            "type": "object",
            "properties": {
                "count": {
                    "type": "integer",
                    "format": "uint8",
                    "minimum": 0,
                    "maximum": 255,
                    "description": "A count"
                },
                "flag": {"type": ["boolean", "null"], "default": null}
            },
            "required": ["count"]
        })
    );
}

#[tokio::test]
async fn arguments_decode_or_name_what_is_wrong() {
    let client = client().await;
    let good = json!({"text": "a", "numberList": [1, 2], "point": {"x": 1.0, "y": 2.0}});
    assert_eq!(
        call(&client, "shapes", good).await,
        (false, "a None [1, 2] 1 2 0".into())
    );
    let all = json!({"text": "a", "times": 3, "numberList": [], "point": {"x": 1.0, "y": 2.0},
        "maybe": {"x": 1.0, "y": 1.5}, "unknown": true});
    assert_eq!(
        call(&client, "shapes", all).await,
        (false, "a Some(3) [] 1 2 2.5".into())
    );
    let cases = [
        ("shapes", json!({})),
        ("shapes", json!({"text": "a", "numberList": []})),
        (
            "shapes",
            json!({"text": 1, "numberList": [], "point": {"x": 1, "y": 2}}),
        ),
        (
            "shapes",
            json!({"text": "a", "times": -1, "numberList": [], "point": {"x": 1, "y": 2}}),
        ),
        (
            "shapes",
            json!({"text": "a", "numberList": [1, "2"], "point": {"x": 1, "y": 2}}),
        ),
        (
            "shapes",
            json!({"text": "a", "numberList": [], "point": {"x": "1", "y": 2}}),
        ),
        (
            "shapes",
            json!({"text": "a", "numberList": [], "point": {"x": 1}}),
        ),
        (
            "shapes",
            json!({"text": "a", "numberList": [], "point": {"x": 1, "y": 2}, "maybe": 5}),
        ),
        ("shapes", json!({"times": "x", "text": 5})),
        ("shapes", json!({"nums": [1]})),
        ("method", json!({"count": 300})),
        ("method", json!({"flag": "yes", "count": 1})),
        ("method", json!({})),
    ];
    let mut got = Vec::new();
    for (tool, args) in cases {
        let (is_error, text) = call(&client, tool, args.clone()).await;
        assert!(is_error, "{tool} {args}: {text}");
        got.push(text);
    }
    let expected = [
        "missing field `text`",
        "missing field `point`",
        "`text`: invalid type: integer `1`, expected a string",
        "`times`: invalid value: integer `-1`, expected u32",
        "`numberList[1]`: invalid type: string \"2\", expected i64",
        "`point.x`: invalid type: string \"1\", expected f64",
        "`point`: missing field `y`",
        "`maybe`: invalid type: integer `5`, expected struct Point",
        // The first bad argument in the object's key order.
        "`text`: invalid type: integer `5`, expected a string",
        // An argument's Rust name is not its name.
        "missing field `text`",
    ]
    .map(|e| format!("invalid arguments for tool `shapes`: {e}"))
    .into_iter()
    .chain(
        [
            "`count`: invalid value: integer `300`, expected u8",
            "`flag`: invalid type: string \"yes\", expected a boolean",
            "missing field `count`",
        ]
        .map(|e| format!("invalid arguments for tool `method`: {e}")),
    );
    assert_eq!(got, expected.collect::<Vec<_>>());
    assert_eq!(
        call(&client, "method", json!({"count": 7, "flag": true})).await,
        (false, "7 Some(true)".into())
    );
    assert_eq!(
        call(&client, "nothing", json!({"ignored": 1})).await,
        (false, "nothing".into())
    );
}
