use syn::parse::Parser;
use syn::LitStr;

use super::attr::{parse_icons, parse_scopes, set_crate, CratePath};
use crate::errors::Errors;

/// `#[resource(...)]` and `#[prompt(...)]` options (each kind accepts its own subset).
#[derive(Default)]
pub(crate) struct HandlerAttr {
    pub uri: Option<LitStr>,
    pub name: Option<LitStr>,
    pub title: Option<LitStr>,
    pub description: Option<LitStr>,
    pub mime_type: Option<LitStr>,
    /// OAuth scopes a caller's token must carry (`scopes = ["files:read"]`).
    pub scopes: Vec<LitStr>,
    /// Icon sources (`icons = ["https://example.com/icon.png"]`).
    pub icons: Vec<LitStr>,
    /// `crate = "path::to::toolsmith"`, for crates that re-export Toolsmith.
    pub krate: Option<CratePath>,
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
            if key == "crate" {
                return set_crate(&mut out.krate, &meta);
            }
            if key == "scopes" {
                return parse_scopes(&mut out.scopes, &meta);
            }
            if key == "icons" {
                return parse_icons(&mut out.icons, &meta);
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

    /// Parse from an attribute on a method in a `#[tools]` block (`#[kind]` or `#[kind(...)]`).
    pub fn from_attribute(
        attr: &syn::Attribute,
        kind: &str,
        allowed: &[&str],
        errors: &mut Errors,
    ) -> HandlerAttr {
        match &attr.meta {
            syn::Meta::Path(_) => HandlerAttr::default(),
            syn::Meta::List(list) => HandlerAttr::parse(list.tokens.clone(), kind, allowed, errors),
            syn::Meta::NameValue(nv) => {
                errors.spanned(nv, format!("expected `#[{kind}]` or `#[{kind}(...)]`"));
                HandlerAttr::default()
            }
        }
    }
}
