//! The HTTP transport against a stand-in dispatcher that knows no MCP at all: the transport
//! routes by what the dispatcher decides, hands the request's headers over as facts, keeps the
//! sessions it is given, and maps error codes to statuses; no server is involved.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use futures::future::BoxFuture;
use http::{Request as HttpRequest, StatusCode};
use serde_json::{json, Value};
use tower::ServiceExt;

use super::{router, HttpConfig};
use crate::jsonrpc::{ErrorObject, Message, Notification, Request, Response};
use crate::protocol::codes::HEADER_MISMATCH;
use crate::protocol::Era;
use crate::transport::{
    Dispatch, FrameReceiver, Headers, Limits, Outbox, RequestFacts, SessionDispatch,
};

/// Decides by made-up headers and method names, so nothing can pass through MCP knowledge.
#[derive(Default)]
struct Stand {
    limits: Limits,
    /// The `x-probe` header of every request handed to `serve_stateless`.
    probes: Mutex<Vec<Option<String>>>,
}

impl Dispatch for Stand {
    fn limits(&self) -> &Limits {
        &self.limits
    }

    fn era(&self, _message: &Message, facts: &RequestFacts) -> Era {
        match facts.get_str("x-era") {
            Some("new") => Era::Stateless,
            _ => Era::Handshake,
        }
    }

    fn opens_session(&self, message: &Message) -> bool {
        matches!(message, Message::Request(r) if r.method == "knock")
    }

    fn open_session(&self) -> (Arc<dyn SessionDispatch>, FrameReceiver) {
        let (_outbox, rx) = Outbox::channel();
        (Arc::new(Room), rx)
    }

    fn serve_stateless(
        &self,
        request: Request,
        facts: RequestFacts,
        sink: Outbox,
    ) -> BoxFuture<'static, ()> {
        let probe = facts.get_str("x-probe").map(str::to_owned);
        self.probes.lock().unwrap().push(probe.clone());
        Box::pin(async move {
            let outcome = match probe {
                Some(p) => Ok(json!({ "probe": p })),
                None => Err(ErrorObject::new(HEADER_MISMATCH, "no probe")),
            };
            sink.send(&Message::Response(Response {
                id: Some(request.id),
                outcome,
            }));
        })
    }
}

/// A session that answers every request with its method.
struct Room;

impl SessionDispatch for Room {
    fn request(
        self: Arc<Self>,
        request: Request,
        _era: Era,
        _facts: RequestFacts,
        sink: Outbox,
    ) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            sink.send(&Message::Response(Response {
                id: Some(request.id),
                outcome: Ok(json!({ "served": request.method })),
            }));
        })
    }
    fn notification(&self, _notification: Notification) {}
    fn response(&self, _response: Response) {}
    fn is_open(&self) -> bool {
        true
    }
    fn is_busy(&self) -> bool {
        false
    }
    fn facts(&self) -> Option<crate::transport::http::SessionFacts> {
        None
    }
    fn changes(&self) -> u64 {
        0
    }
    fn restore(&self, _facts: crate::transport::http::SessionFacts) {}
    fn close(self: Arc<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async {})
    }
}

fn post(method: &str, headers: &[(&str, &str)]) -> HttpRequest<Body> {
    let mut builder = HttpRequest::post("/mcp")
        .header("host", "localhost")
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method}).to_string();
    builder.body(Body::from(body)).unwrap()
}

async fn send(
    app: &axum::Router,
    request: HttpRequest<Body>,
) -> (StatusCode, Option<String>, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let session = response
        .headers()
        .get("mcp-session-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, session, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn frames_go_where_the_dispatcher_says_with_their_headers_as_facts() {
    let stand = Arc::new(Stand::default());
    let app = router(
        Arc::clone(&stand) as Arc<dyn Dispatch>,
        HttpConfig::default(),
    );

    // The dispatcher's era, not the method, routes a request outside any session.
    let (status, session, body) = send(
        &app,
        post("whatever/at-all", &[("x-era", "new"), ("x-probe", "hello")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(session, None);
    assert_eq!(body["result"]["probe"], "hello");
    assert_eq!(*stand.probes.lock().unwrap(), [Some("hello".to_owned())]);

    // An error of the stateless era carries its status.
    let (status, _, body) = send(&app, post("whatever/at-all", &[("x-era", "new")])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], HEADER_MISMATCH);

    // Otherwise a session is needed: one the dispatcher says the frame opens, then kept.
    let (status, _, _) = send(&app, post("other", &[])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, session, body) = send(&app, post("knock", &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["result"]["served"], "knock");
    let id = session.expect("a session id for the opening request");
    let (status, _, body) = send(&app, post("other", &[("mcp-session-id", &id)])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["result"]["served"], "other");
    assert_eq!(
        stand.probes.lock().unwrap().len(),
        2,
        "sessions are not stateless"
    );
}
