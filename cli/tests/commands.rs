//! The `toolsmith` binary against the example servers, over stdio and streamable HTTP, in both
//! protocol eras: listing, calls with typed arguments, exit codes, reading, prompts, and the
//! asks (sampling answered offline, elicitation from scripted input, roots, logs, progress).

mod common;

use common::{stdio, toolsmith, toolsmith_owned, HttpServer};
use serde_json::Value;

const ERAS: [&str; 2] = ["2025-11-25", "2026-07-28"];

#[test]
fn the_sentiment_tool_is_answered_by_the_offline_model_over_stdio_in_both_eras() {
    for era in ERAS {
        let run = toolsmith_owned(
            &stdio(
                &[
                    "call",
                    "analyze_sentiment",
                    "text=I love it",
                    "--protocol",
                    era,
                ],
                "sentiment_server",
            ),
            "",
        );
        assert_eq!(run.code, 0, "{era}: {run:?}");
        assert!(
            run.stdout.contains("\"label\": \"positive\""),
            "{era}: {run:?}"
        );
        assert!(
            run.stderr
                .contains("answered by the built-in offline model (model lexicon-sentiment-v1)"),
            "{era}: {run:?}"
        );
    }
}

#[test]
fn the_sentiment_tool_is_answered_offline_over_http_in_both_eras() {
    let server = HttpServer::start("sentiment_server");
    for era in ERAS {
        let run = toolsmith(
            &[
                "call",
                "analyze_sentiment",
                "text=The box arrived broken and late.",
                "--protocol",
                era,
                "--url",
                &server.url,
            ],
            "",
        );
        assert_eq!(run.code, 0, "{era}: {run:?}");
        assert!(
            run.stdout.contains("\"label\": \"negative\""),
            "{era}: {run:?}"
        );
    }
}

#[test]
fn tools_are_listed_with_their_arguments_and_as_json() {
    let run = toolsmith_owned(&stdio(&["tools"], "sentiment_server"), "");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("analyze_sentiment\n"), "{run:?}");
    assert!(
        run.stdout
            .contains("text: string (required) — The text to classify"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("texts: array of string (required)"),
        "{run:?}"
    );

    let run = toolsmith_owned(&stdio(&["tools", "--json"], "sentiment_server"), "");
    assert_eq!(run.code, 0, "{run:?}");
    let listed: Value = serde_json::from_str(&run.stdout).expect("--json prints JSON");
    let names: Vec<&str> = listed["tools"]
        .as_array()
        .expect("a tools array")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["analyze_sentiment", "analyze_batch"]);
}

#[test]
fn arguments_are_typed_from_the_schema_and_a_mistyped_one_is_a_usage_error() {
    let run = toolsmith_owned(
        &stdio(
            &[
                "call",
                "analyze_batch",
                r#"texts=["I love it", "I hate it"]"#,
            ],
            "sentiment_server",
        ),
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    let labels: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("\"label\": "))
        .collect();
    assert_eq!(labels, ["\"positive\",", "\"negative\","], "{run:?}");

    let run = toolsmith_owned(
        &stdio(
            &["call", "analyze_batch", "texts=just one"],
            "sentiment_server",
        ),
        "",
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("argument `texts`: `just one` is not array"),
        "{run:?}"
    );
}

#[test]
fn a_tool_error_exits_1_and_a_protocol_error_exits_3() {
    for era in ERAS {
        let run = toolsmith_owned(
            &stdio(
                &["call", "test_error_handling", "--protocol", era],
                "everything_server",
            ),
            "",
        );
        assert_eq!(run.code, 1, "{era}: {run:?}");
        assert!(
            run.stdout
                .starts_with("error: the tool reported a failure\n"),
            "{era}: {run:?}"
        );
        let run = toolsmith_owned(
            &stdio(
                &["call", "no_such_tool", "--protocol", era],
                "everything_server",
            ),
            "",
        );
        assert_eq!(run.code, 3, "{era}: {run:?}");
        assert!(run.stderr.contains("no_such_tool"), "{era}: {run:?}");
        // With arguments, the tool's schema is looked up first: the same failure.
        let run = toolsmith_owned(
            &stdio(
                &["call", "no_such_tool", "a=1", "--protocol", era],
                "everything_server",
            ),
            "",
        );
        assert_eq!(run.code, 3, "{era}: {run:?}");
        assert!(
            run.stderr
                .contains("the server has no tool `no_such_tool` (it has: "),
            "{era}: {run:?}"
        );
    }
    let run = toolsmith(&["tools", "--", "/nonexistent/server"], "");
    assert_eq!(run.code, 3, "{run:?}");
    let run = toolsmith(&["tools"], "");
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("name a server"), "{run:?}");
}

#[test]
fn resources_are_listed_and_read_over_http_in_both_eras() {
    let server = HttpServer::start("everything_server");
    for era in ERAS {
        let base = ["--protocol", era, "--url", &server.url];
        let run = toolsmith(&[&["resources"][..], &base].concat(), "");
        assert_eq!(run.code, 0, "{era}: {run:?}");
        assert!(
            run.stdout
                .contains("test://static-text  static-text — Static Text Resource"),
            "{era}: {run:?}"
        );
        assert!(
            run.stdout.contains("test://template/{id}/data"),
            "{era}: {run:?}"
        );
        let run = toolsmith(&[&["read", "test://static-text"][..], &base].concat(), "");
        assert_eq!(run.code, 0, "{era}: {run:?}");
        assert_eq!(
            run.stdout,
            "[resource test://static-text (text/plain)]\n\
             This is the content of the static text resource.\n",
            "{era}"
        );
    }
}

#[test]
fn a_prompt_is_listed_and_got_with_its_arguments() {
    let server = HttpServer::start("everything_server");
    for era in ERAS {
        let base = ["--protocol", era, "--url", &server.url];
        let run = toolsmith(&[&["prompts"][..], &base].concat(), "");
        assert_eq!(run.code, 0, "{era}: {run:?}");
        assert!(
            run.stdout.contains("arg1 (required) — First test argument"),
            "{era}: {run:?}"
        );
        let get = [
            "prompt",
            "test_prompt_with_arguments",
            "arg1=x y",
            "arg2=42",
        ];
        let run = toolsmith(&[&get[..], &base].concat(), "");
        assert_eq!(run.code, 0, "{era}: {run:?}");
        assert!(
            run.stdout.contains("arg1='x y', arg2='42'"),
            "{era}: {run:?}"
        );
    }
}

#[test]
fn an_elicitation_is_answered_from_scripted_input_in_both_eras() {
    for era in ERAS {
        // Required fields are asked in the order `required` lists them: username, then email.
        let run = toolsmith_owned(
            &stdio(
                &[
                    "call",
                    "test_elicitation",
                    "message=Who are you?",
                    "--protocol",
                    era,
                ],
                "everything_server",
            ),
            "y\nada\nada@example.com\n",
        );
        assert_eq!(run.code, 0, "{era}: {run:?}");
        assert!(run.stderr.contains("asks: Who are you?"), "{era}: {run:?}");
        assert!(
            run.stdout
                .contains(r#"content={"email":"ada@example.com","username":"ada"}"#),
            "{era}: {run:?}"
        );
        let run = toolsmith_owned(
            &stdio(
                &[
                    "call",
                    "test_elicitation",
                    "message=Who?",
                    "--protocol",
                    era,
                ],
                "everything_server",
            ),
            "n\n",
        );
        assert!(run.stdout.contains("action=decline"), "{era}: {run:?}");
    }
}

#[test]
fn interactive_sampling_takes_a_typed_answer_or_a_refusal() {
    let run = toolsmith_owned(
        &stdio(
            &[
                "call",
                "test_sampling",
                "prompt=Capital of France?",
                "--interactive",
            ],
            "everything_server",
        ),
        "t\nParis, of course\n",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("user: Capital of France?"), "{run:?}");
    assert!(run.stdout.contains("Paris, of course"), "{run:?}");
    assert!(
        run.stderr.contains("answered by you at the terminal"),
        "{run:?}"
    );

    let run = toolsmith_owned(
        &stdio(
            &[
                "call",
                "test_sampling",
                "prompt=Capital of France?",
                "--interactive",
            ],
            "everything_server",
        ),
        "n\n",
    );
    assert_ne!(run.code, 0, "{run:?}");
    assert!(!run.stdout.contains("Paris"), "{run:?}");
    assert!(
        run.stdout.contains("user rejected") || run.stderr.contains("user rejected"),
        "{run:?}"
    );
}

#[test]
fn roots_come_from_root_options() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    for era in ERAS {
        let run = toolsmith_owned(
            &stdio(
                &[
                    "call",
                    "test_input_required_result_list_roots",
                    "--protocol",
                    era,
                    "--root",
                    &one.path().display().to_string(),
                    "--root",
                    &two.path().display().to_string(),
                ],
                "everything_server",
            ),
            "",
        );
        assert_eq!(run.code, 0, "{era}: {run:?}");
        assert!(run.stdout.contains("Found 2 root(s)"), "{era}: {run:?}");
    }
}

#[test]
fn server_logs_and_progress_go_to_stderr() {
    let run = toolsmith_owned(
        &stdio(&["call", "test_tool_with_logging"], "everything_server"),
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("[server info] Tool execution started"),
        "{run:?}"
    );
    assert!(!run.stdout.contains("Tool execution started"), "{run:?}");
    let run = toolsmith_owned(
        &stdio(
            &["call", "test_tool_with_logging", "--log-level", "warning"],
            "everything_server",
        ),
        "",
    );
    assert!(!run.stderr.contains("[server info]"), "{run:?}");

    // stderr is not a terminal here: one line per update instead of a bar.
    let run = toolsmith_owned(
        &stdio(&["call", "test_tool_with_progress"], "everything_server"),
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("progress 50/100: Completed step 50 of 100"),
        "{run:?}"
    );
}
