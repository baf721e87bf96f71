use syn::parse::Parser;
use syn::LitStr;

use crate::errors::Errors;

/// `#[resource(...)]` and `#[prompt(...)]` options (each kind accepts its own subset).
#[derive(Default)]
pub(crate) struct HandlerAttr {
    pub uri: Option<LitStr>,
    pub name: Option<LitStr>,
    pub title: Option<LitStr>,
    pub description: Option<LitStr>,
    pub mime_type: Option<LitStr>,
}

impl HandlerAttr {
    /// Parse the options of `#[kind(...)]`; `allowed` lists the option names this kind takes.
    pub fn parse(
        tokens: proc_macro2::TokenStream,
        kind: &str,
        allowed: &[&str],
        errors: &mut Errors,
    ) -> HandlerAttr {
        let mut out = HandlerAttr::default();
        let parser = syn::meta::parser(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            if !allowed.contains(&key.as_str()) {
                return Err(meta.error(format!(
                    "unknown #[{kind}] option; expected one of: {}",
                    allowed.join(", ")
                )));
            }
            let slot = match key.as_str() {
                "uri" => &mut out.uri,
                "name" => &mut out.name,
                "title" => &mut out.title,
                "description" => &mut out.description,
                _ => &mut out.mime_type,
            };
            if slot.is_some() {
                return Err(meta.error("this option is given twice"));
            }
            *slot = Some(meta.value()?.parse()?);
            Ok(())
        });
        if let Err(e) = parser.parse2(tokens) {
            errors.push(e);
        }
        out
    }
}
