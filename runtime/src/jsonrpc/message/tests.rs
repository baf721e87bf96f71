//! Tests of frame parsing and writing.

use super::*;

#[test]
fn parses_request_notification_and_responses() {
    let m = parse_frame(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).unwrap();
    assert_eq!(
        m,
        Message::Request(Request::new(RequestId::Number(1), "ping", None))
    );
    let m = parse_frame(r#"{"jsonrpc":"2.0","method":"x","params":{"a":1}}"#).unwrap();
    assert!(matches!(m, Message::Notification(n) if n.method == "x"));
    let m = parse_frame(r#"{"jsonrpc":"2.0","id":"a","result":{}}"#).unwrap();
    assert!(
        matches!(m, Message::Response(Response { id: Some(RequestId::String(s)), outcome: Ok(_) }) if &*s == "a")
    );
    let m = parse_frame(r#"{"jsonrpc":"2.0","id":3,"error":{"code":-1,"message":"no"}}"#).unwrap();
    assert!(matches!(m, Message::Response(Response { outcome: Err(e), .. }) if e.code == -1));
}

#[test]
fn classifies_bad_frames() {
    let code = |s: &str| parse_frame(s).unwrap_err().error.code;
    assert_eq!(code("{not json"), codes::PARSE_ERROR);
    assert_eq!(code("42"), codes::INVALID_REQUEST);
    assert_eq!(
        code(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#),
        codes::INVALID_REQUEST
    );
    assert_eq!(code(r#"{"id":1,"method":"ping"}"#), codes::INVALID_REQUEST);
    assert_eq!(
        code(r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#),
        codes::INVALID_REQUEST
    );
    assert_eq!(
        code(r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#),
        codes::INVALID_REQUEST
    );
    assert_eq!(
        code(r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#),
        codes::INVALID_REQUEST
    );
    assert_eq!(
        code(r#"{"jsonrpc":"2.0","id":1,"method":5}"#),
        codes::INVALID_REQUEST
    );
    assert_eq!(
        code(r#"{"jsonrpc":"2.0","id":1,"method":"x","params":3}"#),
        codes::INVALID_REQUEST
    );
    // The id is kept when it could be read, so the error can be correlated.
    let e = parse_frame(r#"{"jsonrpc":"1.0","id":7,"method":"ping"}"#).unwrap_err();
    assert_eq!(e.id, Some(RequestId::Number(7)));
}

#[test]
fn responses_are_never_answered() {
    // An error about an unreadable frame (`"id": null`) is a response without an id; it used
    // to be answered with another error, which two peers could trade forever.
    let m = parse_frame(r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}"#)
        .unwrap();
    assert!(
        matches!(m, Message::Response(Response { id: None, outcome: Err(e) }) if e.code == -32700)
    );
    // What this side sends about a bad frame reads back as such a response.
    let ours = Message::error(None, ErrorObject::new(codes::INVALID_REQUEST, "bad")).to_json();
    assert!(matches!(
        parse_frame(&ours),
        Ok(Message::Response(Response { id: None, .. }))
    ));
    // A null id stays invalid on requests and results.
    assert!(parse_frame(r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#).is_err());
    assert!(parse_frame(r#"{"jsonrpc":"2.0","id":null,"result":{}}"#).is_err());

    // `result: null` is a result.
    let m = parse_frame(r#"{"jsonrpc":"2.0","id":4,"result":null}"#).unwrap();
    assert_eq!(m, Message::result(RequestId::Number(4), Value::Null));

    // Malformed responses whose id can be read fail the request waiting on that id.
    for (frame, problem) in [
        (
            r#"{"jsonrpc":"2.0","id":5,"error":"oops"}"#,
            "invalid `error` object",
        ),
        (
            r#"{"jsonrpc":"2.0","id":5,"error":null}"#,
            "invalid `error` object",
        ),
        (
            r#"{"jsonrpc":"2.0","id":5,"error":{"code":1.5,"message":"x"}}"#,
            "invalid `error` object",
        ),
        (
            r#"{"jsonrpc":"2.0","id":5,"result":{},"error":{"code":1,"message":"?"}}"#,
            "both",
        ),
        (r#"{"id":5,"result":{}}"#, "jsonrpc"),
        (r#"{"jsonrpc":"1.0","id":5,"result":{}}"#, "jsonrpc"),
        (
            r#"{"jsonrpc":"2.0","id":5,"result":{},"result":{}}"#,
            "duplicate field",
        ),
    ] {
        match parse_frame(frame) {
            Ok(Message::Response(Response {
                id: Some(RequestId::Number(5)),
                outcome: Err(e),
            })) => {
                assert_eq!(e.code, codes::INVALID_REQUEST, "{frame}");
                assert!(
                    e.message.contains("malformed response") && e.message.contains(problem),
                    "{frame}: {e}"
                );
            }
            other => panic!("{frame}: {other:?}"),
        }
    }
    // Without a readable id there is no one to tell: a frame error.
    assert!(parse_frame(r#"{"jsonrpc":"2.0","id":1.5,"result":{}}"#).is_err());
}

#[test]
fn parse_errors_describe_the_syntax() {
    let e = parse_frame(r#""ping" garbage"#).unwrap_err().error;
    assert_eq!(e.code, codes::PARSE_ERROR);
    assert!(e.message.contains("trailing characters"), "{e}");
    assert!(!e.message.contains("WireIn"), "{e}");
    let e = parse_frame(r#"{"jsonrpc":"2.0","id":1,"method":"ping"} x"#)
        .unwrap_err()
        .error;
    assert!(e.message.contains("trailing characters"), "{e}");
}

#[test]
fn out_of_range_ids_are_named() {
    let msg = |s: &str| parse_frame(s).unwrap_err().error.message;
    let m = msg(r#"{"jsonrpc":"2.0","id":9223372036854775808,"method":"ping"}"#);
    assert!(
        m.contains("out of range") && m.contains("9223372036854775808"),
        "{m}"
    );
    let m = msg(r#"{"jsonrpc":"2.0","id":18446744073709551616,"method":"ping"}"#);
    assert!(m.contains("out of range"), "{m}");
    let m = msg(r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#);
    assert!(m.contains("not the number 1.5"), "{m}");
    let m = msg(r#"{"jsonrpc":"2.0","id":1.0,"method":"ping"}"#);
    assert!(m.contains("not the number 1.0"), "{m}");
    let m = msg(r#"{"jsonrpc":"2.0","id":1e400,"method":"ping"}"#);
    assert!(m.contains("out of range"), "{m}");
    assert!(parse_frame(r#"{"jsonrpc":"2.0","id":-9223372036854775808,"method":"ping"}"#).is_ok());
}

#[test]
fn writes_frames() {
    let s = Message::result(RequestId::Number(1), serde_json::json!({})).to_json();
    assert_eq!(s, r#"{"jsonrpc":"2.0","id":1,"result":{}}"#);
    let s = Message::error(None, ErrorObject::new(-32700, "bad")).to_json();
    let v: Value = serde_json::from_str(&s).unwrap();
    assert_eq!(v["id"], Value::Null);
    assert_eq!(v["error"]["code"], -32700);
}

#[test]
fn a_success_response_is_read_as_its_result_text() {
    let frame = r#"{"jsonrpc":"2.0","id":7,"result": {"model": "m", "n": [1, 2]} }"#;
    match read_frame(frame).unwrap() {
        Incoming::Answer(a) => {
            assert_eq!(a.id, RequestId::Number(7));
            assert_eq!(a.result.get(), r#"{"model": "m", "n": [1, 2]}"#);
        }
        other => panic!("not an answer: {other:?}"),
    }
    // Read as a message, it is the response it always was.
    assert_eq!(
        parse_frame(frame).unwrap(),
        Message::result(
            RequestId::Number(7),
            serde_json::json!({"model": "m", "n": [1, 2]})
        )
    );
    // Errors, malformed responses and everything else stay messages.
    for other in [
        r#"{"jsonrpc":"2.0","id":7,"error":{"code":-1,"message":"no"}}"#,
        r#"{"jsonrpc":"2.0","id":7,"error":"no"}"#,
        r#"{"id":7,"result":{}}"#,
        r#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#,
    ] {
        assert!(
            matches!(read_frame(other), Ok(Incoming::Message(_))),
            "{other}"
        );
    }
    assert!(read_frame(r#"{"jsonrpc":"2.0","result":{}}"#).is_err());
}

#[test]
fn ids_are_read_as_what_they_are_from_text_and_values() {
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let cases: Vec<(&str, Result<RequestId, &str>)> = vec![
        ("7", Ok(RequestId::Number(7))),
        ("-1", Ok(RequestId::Number(-1))),
        ("9223372036854775807", Ok(RequestId::Number(i64::MAX))),
        ("-9223372036854775808", Ok(RequestId::Number(i64::MIN))),
        (r#""a-1""#, Ok(RequestId::String("a-1".into()))),
        (r#""é \"q\"""#, Ok(RequestId::String("é \"q\"".into()))),
        (
            "9223372036854775808",
            Err("request id 9223372036854775808 is out of range"),
        ),
        ("-9223372036854775809", Err("is out of range")),
        ("1e20", Err("request id 1e+20 is out of range")),
        (
            "1.5",
            Err("request id must be a string or an integer, not the number 1.5"),
        ),
        ("2.0", Err("not the number 2.0")),
        (
            "null",
            Err("request id must be a string or an integer, not null"),
        ),
        ("true", Err("not a boolean")),
        ("[1]", Err("not an array")),
        (r#"{"a": 1}"#, Err("not an object")),
        (&deep, Err("recursion limit exceeded")),
    ];
    for (text, want) in cases {
        let from_text = serde_json::from_str::<RequestId>(text).map_err(|e| e.to_string());
        let from_value = match serde_json::from_str::<Value>(text) {
            Ok(v) => serde_json::from_value::<RequestId>(v).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()), // too deep for a value too
        };
        for got in [from_text, from_value] {
            match (&got, &want) {
                (Ok(id), Ok(w)) => assert_eq!(id, w, "{text}"),
                (Err(e), Err(w)) => assert!(e.contains(w), "{text}: {e}"),
                _ => panic!("{text}: {got:?}"),
            }
        }
    }
}
