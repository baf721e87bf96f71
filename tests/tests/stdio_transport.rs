//! The server's stdio transport as a real child process: with pipes (non-blocking, on the
//! reactor) and with a regular file or `/dev/null` as stdin (which cannot be polled: served by
//! tokio's blocking-pool stdin and stdout instead). Either way every request is answered, in full, and
//! the server exits when its input ends.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

fn requests(calls: usize) -> String {
    let mut lines = vec![
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "stdio-transport-test", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    ];
    for i in 1..=calls {
        lines.push(json!({"jsonrpc": "2.0", "id": i, "method": "ping"}));
    }
    lines.push(json!({"jsonrpc": "2.0", "id": calls + 1, "method": "tools/list"}));
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Run the server to completion with `stdin`, returning the answers it wrote, by id.
fn answers(stdin: Stdio, feed: Option<String>) -> Vec<Value> {
    let binary = toolsmith_tests::interop::example_binary("sentiment_server");
    let mut child = Command::new(binary)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sentiment_server");
    if let Some(feed) = feed {
        let mut input = child.stdin.take().unwrap();
        std::thread::spawn(move || input.write_all(feed.as_bytes()));
    }
    let (done_tx, done) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait_with_output());
    });
    let output = done
        .recv_timeout(Duration::from_secs(60))
        .expect("the server exits when its input ends")
        .unwrap();
    assert!(output.status.success(), "exit status {}", output.status);
    let text = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    let mut answers: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    answers.sort_by_key(|a| a["id"].as_u64());
    answers
}

fn check(answers: &[Value], calls: usize) {
    assert_eq!(answers.len(), calls + 2, "one answer per request");
    assert_eq!(answers[0]["result"]["protocolVersion"], "2025-11-25");
    for (i, a) in answers.iter().enumerate().take(calls + 1).skip(1) {
        assert_eq!(a["id"], i, "{a}");
        assert_eq!(a["result"], json!({}), "{a}");
    }
    let tools = answers[calls + 1]["result"]["tools"]
        .as_array()
        .expect("tools");
    assert!(
        tools.iter().any(|t| t["name"] == "analyze_sentiment"),
        "{tools:?}"
    );
}

#[test]
fn pipes_are_served_and_the_server_exits_at_end_of_input() {
    check(&answers(Stdio::piped(), Some(requests(2_000))), 2_000);
}

#[test]
fn a_regular_file_as_stdin_is_served_by_the_fallback_transport() {
    let path = std::env::temp_dir().join(format!("toolsmith-stdin-{}.jsonl", std::process::id()));
    std::fs::write(&path, requests(2_000)).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let result = answers(Stdio::from(file), None);
    std::fs::remove_file(&path).ok();
    check(&result, 2_000);
}

#[test]
fn an_empty_input_ends_the_server_at_once_with_no_output() {
    assert_eq!(answers(Stdio::null(), None), Vec::<Value>::new());
}

#[cfg(unix)]
#[test]
fn one_socket_as_both_stdin_and_stdout_is_served() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::net::UnixStream;

    let (ours, theirs) = UnixStream::pair().unwrap();
    let binary = toolsmith_tests::interop::example_binary("sentiment_server");
    let mut child = Command::new(binary)
        .stdin(Stdio::from(std::os::fd::OwnedFd::from(
            theirs.try_clone().unwrap(),
        )))
        .stdout(Stdio::from(std::os::fd::OwnedFd::from(theirs)))
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sentiment_server");
    ours.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut writer = ours.try_clone().unwrap();
    let feed = requests(500);
    let feeding = std::thread::spawn(move || {
        writer.write_all(feed.as_bytes()).unwrap();
        writer.shutdown(std::net::Shutdown::Write).unwrap();
    });
    let mut answers: Vec<Value> = BufReader::new(&ours)
        .lines()
        .map(|l| serde_json::from_str(&l.expect("a line within 30 s")).unwrap())
        .collect();
    feeding.join().unwrap();
    answers.sort_by_key(|a| a["id"].as_u64());
    check(&answers, 500);
    assert!(child.wait().unwrap().success());
}
