use toolsmith::prelude::*;

#[derive(Default)]
struct Notes {
    count: u64,
}

#[tools]
impl Notes {
    /// How many notes were written.
    #[resource(uri = "notes://count")]
    async fn count(&mut self) -> String {
        self.count += 1;
        self.count.to_string()
    }

    /// Summarise the notes.
    #[prompt(crate = "toolsmith")]
    async fn summarise(&self) -> String {
        format!("Summarise {} notes", self.count)
    }
}

fn main() {
    let _ = Server::new("x", "1").tools(Notes::default());
}
