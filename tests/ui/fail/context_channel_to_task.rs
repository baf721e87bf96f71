// Sending the context through a channel to a task that outlives the request doesn't compile.
use toolsmith::prelude::*;

#[tool]
async fn hand_off(ctx: Context<'_>) -> String {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Context<'_>>();
    tokio::spawn(async move {
        while let Some(c) = rx.recv().await {
            c.info("later").await;
        }
    });
    tx.send(ctx).ok();
    "sent".to_owned()
}

fn main() {
    let _ = Server::new("x", "1").tool(hand_off);
}
