//! Running the built `toolsmith` binary against the repository's example servers.

#![allow(dead_code)] // each test file uses its own part

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The workspace root (this crate's parent directory).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ has a parent")
        .to_path_buf()
}

/// An example server's executable, built (once per test run) into the target directory the
/// `toolsmith` binary was built in.
pub fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<bool>> = OnceLock::new();
    let mut built = BUILT.get_or_init(Mutex::default).lock().unwrap();
    let profile_dir = Path::new(env!("CARGO_BIN_EXE_toolsmith"))
        .parent()
        .expect("the binary is in a directory")
        .to_path_buf();
    if !*built {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let target = profile_dir.parent().expect("a target directory");
        let output = Command::new(&cargo)
            .args(["build", "-p", "toolsmith-examples"])
            .args([
                "--example",
                "sentiment_server",
                "--example",
                "everything_server",
                "--example",
                "oauth_server",
            ])
            .env("CARGO_TARGET_DIR", target)
            .current_dir(workspace())
            .stdin(Stdio::null())
            .output()
            .expect("run cargo build");
        assert!(
            output.status.success(),
            "building the example servers failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        *built = true;
    }
    profile_dir.join("examples").join(name)
}

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Run `toolsmith ARGS` with `stdin` as its input, without any `OPENAI_*` variable (so the
/// offline model answers).
pub fn toolsmith(args: &[&str], stdin: &str) -> Run {
    toolsmith_with_env(args, stdin, &[])
}

/// [`toolsmith`] with these environment variables set.
pub fn toolsmith_with_env(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_toolsmith"))
        .args(args)
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("OPENAI_MODELS")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start toolsmith");
    let mut input = child.stdin.take().expect("stdin is piped");
    input.write_all(stdin.as_bytes()).expect("write stdin");
    drop(input);
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("wait for toolsmith");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// `args` followed by `-- SERVER` (an example over stdio).
pub fn stdio(args: &[&str], server: &str) -> Vec<String> {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.push("--".into());
    all.push(example(server).display().to_string());
    all
}

/// Run with owned arguments.
pub fn toolsmith_owned(args: &[String], stdin: &str) -> Run {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    toolsmith(&args, stdin)
}

/// An example server over streamable HTTP on a free loopback port; killed on drop.
pub struct HttpServer {
    child: Child,
    /// Its MCP endpoint.
    pub url: String,
}

impl HttpServer {
    /// Start `name --http ADDR` and wait until it accepts connections.
    pub fn start(name: &str) -> HttpServer {
        let path = example(name);
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut child = Command::new(&path)
            .arg("--http")
            .arg(addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server");
        let deadline = Instant::now() + Duration::from_secs(20);
        // The server gives no other sign that it listens: try to connect until it does.
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("{name} exited with {status} before listening on {addr}");
            }
            assert!(Instant::now() < deadline, "{name} did not listen on {addr}");
            std::thread::sleep(Duration::from_millis(50));
        }
        HttpServer {
            child,
            url: format!("http://{addr}/mcp"),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
