//! In a real terminal (a detached tmux session), a tool's progress is drawn as a bar.

mod common;

use std::process::{Command, Output};

use common::example;

/// `tmux -L SOCKET ARGS` (a server of our own, not the user's).
fn tmux(socket: &str, args: &[&str]) -> Output {
    Command::new("tmux")
        .arg("-L")
        .arg(socket)
        .args(args)
        .output()
        .expect("run tmux")
}

#[test]
fn progress_is_drawn_as_a_bar_in_a_terminal() {
    if Command::new("tmux").arg("-V").output().is_err() {
        // CI installs tmux (.ci/setup-apt.sh) and requires every test to run.
        assert!(
            std::env::var_os("TOOLSMITH_REQUIRE_INTEROP").is_none(),
            "tmux is not installed (run `bash .ci/setup-apt.sh`)"
        );
        eprintln!("tmux is not installed: skipping the terminal test (`bash .ci/setup-apt.sh`)");
        return;
    }
    let socket = format!("toolsmith-cli-test-{}", std::process::id());
    let server = example("everything_server");
    let toolsmith = env!("CARGO_BIN_EXE_toolsmith");
    // The command (at most 60 s) signals `done` when it has finished; the pane stays open to
    // be read.
    let script = format!(
        "timeout 60 '{toolsmith}' call test_tool_with_progress -- '{}'; echo \"exit=$?\"; \
         tmux -L {socket} wait-for -S done; sleep 600",
        server.display()
    );
    let started = tmux(
        &socket,
        &[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "120",
            "-y",
            "20",
            "sh",
            "-c",
            &script,
        ],
    );
    assert!(started.status.success(), "{started:?}");
    let waited = tmux(&socket, &["wait-for", "done"]);
    let pane = tmux(&socket, &["capture-pane", "-p", "-t", "t"]);
    tmux(&socket, &["kill-server"]);
    assert!(waited.status.success(), "{waited:?}");
    let screen = String::from_utf8_lossy(&pane.stdout);
    assert!(screen.contains("exit=0"), "{screen}");
    assert!(
        screen.contains("100% Completed step 100 of 100"),
        "{screen}"
    );
    assert!(screen.contains('█'), "no bar drawn:\n{screen}");
    // Not the line-per-update form used when stderr is not a terminal.
    assert!(!screen.contains("progress 50/100"), "{screen}");
}
