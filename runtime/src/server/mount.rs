//! `Server::mount`: one server exposes another's tools, resources and prompts under a prefix.

use super::registry::CompletionRef;
use super::Server;

impl Server {
    /// Expose `other`'s tools, resources, prompts and completers through this server, under
    /// `prefix`.
    ///
    /// - Tools and prompts are renamed `<prefix>_<name>` (`_` is allowed by the tool name rule,
    ///   and `prefix` must itself follow it: letters, digits, `_`, `-`, `.`).
    /// - Resources and resource templates keep their URIs: a URI already names what it points
    ///   at (and handlers return it in contents and links), so rewriting it would break those
    ///   references. Their names are prefixed like tools. Two servers offering the same URI is a
    ///   registration error, as with any duplicate.
    /// - Completers follow their prompt's new name, or their template's unchanged URI.
    ///
    /// The mounted handlers run here, with this server's [`Context`](crate::Context): their
    /// samples, elicitations, logs and progress go to the client connected to this server, and
    /// this server's sampling policy and limits apply. What `other` offers is taken when it is
    /// mounted (its own registration errors are reported by this server's `serve*`), and its
    /// server-level settings (name, instructions, sampler, limits) are not used; later changes
    /// through `other`'s [`ServerHandle`](crate::ServerHandle) are not seen here: use this
    /// server's handle.
    ///
    /// ```
    /// use toolsmith::prelude::*;
    ///
    /// /// Add two numbers.
    /// #[tool]
    /// async fn add(a: i64, b: i64) -> i64 {
    ///     a + b
    /// }
    ///
    /// let math = Server::new("math", "1.0.0").tool(add);
    /// // Offers the tool `math_add`.
    /// let server = Server::new("hub", "1.0.0").mount("math", math);
    /// # drop(server);
    /// ```
    pub fn mount(mut self, prefix: &str, other: Server) -> Self {
        if let Err(e) = toolsmith_rules::check_tool_name(prefix) {
            self.errors.push(format!(
                "mount prefix `{prefix}` breaks the tool name rule: {e}"
            ));
            return self;
        }
        self.errors.extend(
            other
                .errors
                .iter()
                .map(|e| format!("mounted server `{prefix}`: {e}")),
        );
        let registry = other.handle().shared.registry();
        let named = |name: &str| format!("{prefix}_{name}");
        let mut server = self;
        for tool in registry.tool_defs() {
            server = server.tool(tool.renamed(named(tool.name())));
        }
        for resource in registry.resource_defs() {
            server = server.resource(resource.renamed(named(resource.name())));
        }
        for prompt in registry.prompt_defs() {
            server = server.prompt(prompt.renamed(named(prompt.name())));
        }
        for (reference, argument, completer) in registry.completers() {
            let reference = match reference {
                CompletionRef::Prompt(name) => CompletionRef::Prompt(named(name)),
                CompletionRef::Resource(uri) => CompletionRef::Resource(uri.clone()),
            };
            let (argument, completer) = (argument.to_owned(), completer.clone());
            server = server.register(move |r| {
                r.add_completer(reference, argument, completer);
                Ok(())
            });
        }
        server
    }
}
