use syn::parse::Parser;
use syn::{Attribute, LitBool, LitStr};

use crate::errors::Errors;

/// `#[tool(...)]` options.
#[derive(Default)]
pub(crate) struct ToolAttr {
    pub name: Option<LitStr>,
    pub description: Option<LitStr>,
    pub title: Option<LitStr>,
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
    /// Client capabilities the tool cannot work without (`requires(sampling, elicitation)`).
    pub requires: Vec<syn::Ident>,
    /// OAuth scopes a caller's token must carry (`scopes = ["files:read"]`).
    pub scopes: Vec<LitStr>,
    /// Icon sources (`icons = ["https://example.com/icon.png"]`).
    pub icons: Vec<LitStr>,
    /// Task support (`task = "optional" | "required" | "forbidden"`): the `TaskSupport` variant.
    pub task: Option<&'static str>,
    /// `escalate`: a task call starts as a request and becomes a task on `ctx.run_as_task()`.
    pub escalate: bool,
    /// Where `escalate` was given (to point at it when `task` is missing).
    pub escalate_at: Option<proc_macro2::Span>,
    /// `crate = "path::to::toolsmith"`, for crates that re-export Toolsmith.
    pub krate: Option<CratePath>,
}

/// Parse the value of `task = ".."`: the spec's `taskSupport` values, as a `TaskSupport` variant.
fn parse_task(
    slot: &mut Option<&'static str>,
    meta: &syn::meta::ParseNestedMeta<'_>,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error("this option is given twice"));
    }
    let lit: LitStr = meta.value()?.parse()?;
    *slot = Some(match lit.value().as_str() {
        "optional" => "Optional",
        "required" => "Required",
        "forbidden" => "Forbidden",
        _ => {
            return Err(syn::Error::new(
                lit.span(),
                "expected `task = \"optional\"` (a task when the client supports tasks) or `task = \"required\"` (only as a task)",
            ))
        }
    });
    Ok(())
}

/// A `crate = "..."` option: the path the expansion uses instead of `::toolsmith`, and the
/// option's path token (to point at it).
pub(crate) struct CratePath {
    pub path: syn::Path,
    pub key: syn::Path,
}

/// Parse the value of `crate = "..."`: a path, spanned at the string so that a path that does not
/// resolve is reported there.
pub(crate) fn crate_path(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<CratePath> {
    let lit: LitStr = meta.value()?.parse()?;
    let path = lit.parse::<syn::Path>().map_err(|_| {
        syn::Error::new(
            lit.span(),
            "expected the path of the Toolsmith crate as re-exported, like `crate = \"my_sdk::toolsmith\"`",
        )
    })?;
    Ok(CratePath {
        path,
        key: meta.path.clone(),
    })
}

/// `crate = "..."` given twice is an error at the second one.
pub(crate) fn set_crate(
    slot: &mut Option<CratePath>,
    meta: &syn::meta::ParseNestedMeta<'_>,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error("this option is given twice"));
    }
    *slot = Some(crate_path(meta)?);
    Ok(())
}

/// Parse the value of `scopes = ["a", "b"]`: string literals, each one OAuth scope token (checked
/// with the runtime's rule, spanned at the offending literal). Given twice is an error.
pub(crate) fn parse_scopes(
    slot: &mut Vec<LitStr>,
    meta: &syn::meta::ParseNestedMeta<'_>,
) -> syn::Result<()> {
    parse_str_list(
        slot,
        meta,
        StrList {
            list: "expected a list of scopes, like `scopes = [\"files:read\"]`",
            item: "expected a scope as a string literal, like `\"files:read\"`",
            empty: "`scopes = []` names no scope; leave the option out instead",
        },
        |v| toolsmith_rules::check_scope(v).map_err(|e| e.to_string()),
    )
}

/// Parse the value of `icons = ["https://..", ..]`: string literals, each an icon source
/// (checked with the runtime's rule, spanned at the offending literal). Given twice is an error.
pub(crate) fn parse_icons(
    slot: &mut Vec<LitStr>,
    meta: &syn::meta::ParseNestedMeta<'_>,
) -> syn::Result<()> {
    parse_str_list(
        slot,
        meta,
        StrList {
            list: "expected a list of icon URLs, like `icons = [\"https://example.com/icon.png\"]`",
            item: "expected an icon URL as a string literal, like \
                   `\"https://example.com/icon.png\"`",
            empty: "`icons = []` names no icon; leave the option out instead",
        },
        |v| toolsmith_rules::check_icon_src(v).map_err(|e| e.to_string()),
    )
}

/// The messages of a list-of-strings option.
struct StrList {
    /// The value is not a list.
    list: &'static str,
    /// An element is not a string literal.
    item: &'static str,
    /// The list is empty.
    empty: &'static str,
}

/// Parse `option = ["a", "b"]` into `slot`: a non-empty list of string literals, each passing
/// `check` (its error spanned at the literal). Given twice is an error.
fn parse_str_list(
    slot: &mut Vec<LitStr>,
    meta: &syn::meta::ParseNestedMeta<'_>,
    messages: StrList,
    check: impl Fn(&str) -> Result<(), String>,
) -> syn::Result<()> {
    if !slot.is_empty() {
        return Err(meta.error("this option is given twice"));
    }
    let array: syn::ExprArray = meta
        .value()?
        .parse()
        .map_err(|e| syn::Error::new(e.span(), messages.list))?;
    for elem in &array.elems {
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) = elem
        else {
            return Err(syn::Error::new_spanned(elem, messages.item));
        };
        if let Err(e) = check(&lit.value()) {
            return Err(syn::Error::new(lit.span(), e));
        }
        slot.push(lit.clone());
    }
    if slot.is_empty() {
        return Err(meta.error(messages.empty));
    }
    Ok(())
}

/// A flag (`read_only`) or an explicit boolean (`read_only = false`).
fn flag(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<bool> {
    if meta.input.peek(syn::Token![=]) {
        Ok(meta.value()?.parse::<LitBool>()?.value)
    } else {
        Ok(true)
    }
}

impl ToolAttr {
    pub fn parse(tokens: proc_macro2::TokenStream, errors: &mut Errors) -> ToolAttr {
        let mut out = ToolAttr::default();
        let parser = syn::meta::parser(|meta| {
            let set_once = |slot: &mut Option<LitStr>, meta: &syn::meta::ParseNestedMeta<'_>| {
                if slot.is_some() {
                    return Err(meta.error("this option is given twice"));
                }
                *slot = Some(meta.value()?.parse()?);
                Ok(())
            };
            if meta.path.is_ident("name") {
                set_once(&mut out.name, &meta)
            } else if meta.path.is_ident("description") {
                set_once(&mut out.description, &meta)
            } else if meta.path.is_ident("title") {
                set_once(&mut out.title, &meta)
            } else if meta.path.is_ident("read_only") {
                out.read_only = Some(flag(&meta)?);
                Ok(())
            } else if meta.path.is_ident("destructive") {
                out.destructive = Some(flag(&meta)?);
                Ok(())
            } else if meta.path.is_ident("idempotent") {
                out.idempotent = Some(flag(&meta)?);
                Ok(())
            } else if meta.path.is_ident("open_world") {
                out.open_world = Some(flag(&meta)?);
                Ok(())
            } else if meta.path.is_ident("crate") {
                set_crate(&mut out.krate, &meta)
            } else if meta.path.is_ident("scopes") {
                parse_scopes(&mut out.scopes, &meta)
            } else if meta.path.is_ident("icons") {
                parse_icons(&mut out.icons, &meta)
            } else if meta.path.is_ident("task") {
                parse_task(&mut out.task, &meta)
            } else if meta.path.is_ident("escalate") {
                out.escalate = flag(&meta)?;
                out.escalate_at = Some(syn::spanned::Spanned::span(&meta.path));
                Ok(())
            } else if meta.path.is_ident("requires") {
                meta.parse_nested_meta(|cap| {
                    let Some(ident) = cap.path.get_ident() else {
                        return Err(
                            cap.error("expected a capability: sampling, elicitation or roots")
                        );
                    };
                    if !matches!(
                        ident.to_string().as_str(),
                        "sampling" | "elicitation" | "roots"
                    ) {
                        return Err(cap.error(
                            "unknown client capability; expected sampling, elicitation or roots",
                        ));
                    }
                    out.requires.push(ident.clone());
                    Ok(())
                })
            } else {
                Err(meta.error(
                    "unknown #[tool] option; expected one of: name, description, title, read_only, destructive, idempotent, open_world, requires, scopes, icons, task, escalate, crate",
                ))
            }
        });
        if let Err(e) = parser.parse2(tokens) {
            errors.push(e);
        }
        if let (true, Some(at)) = (out.escalate, out.escalate_at) {
            if matches!(out.task, None | Some("Forbidden")) {
                errors.push(syn::Error::new(
                    at,
                    "`escalate` makes a call a task on `ctx.run_as_task()`; it needs `task = \"optional\"` or `task = \"required\"`",
                ));
            }
        }
        out
    }

    /// Parse from an attribute on a method (`#[tool]` or `#[tool(...)]`).
    pub fn from_attribute(attr: &Attribute, errors: &mut Errors) -> ToolAttr {
        match &attr.meta {
            syn::Meta::Path(_) => ToolAttr::default(),
            syn::Meta::List(list) => ToolAttr::parse(list.tokens.clone(), errors),
            syn::Meta::NameValue(nv) => {
                errors.spanned(nv, "expected `#[tool]` or `#[tool(...)]`");
                ToolAttr::default()
            }
        }
    }
}

/// `#[arg(description = "..", name = "..")]` on a parameter.
#[derive(Default)]
pub(crate) struct ArgAttr {
    pub description: Option<LitStr>,
    /// The name on the wire, when it differs from the parameter's (e.g. `resourceUri`).
    pub name: Option<LitStr>,
}

/// Read and remove the `#[arg(...)]` attributes of a parameter.
pub(crate) fn parse_arg_attrs(attrs: &mut Vec<Attribute>, errors: &mut Errors) -> ArgAttr {
    let mut out = ArgAttr::default();
    attrs.retain(|a| {
        if !a.path().is_ident("arg") {
            return true;
        }
        let result = a.parse_nested_meta(|meta| {
            if meta.path.is_ident("description") {
                out.description = Some(meta.value()?.parse()?);
                Ok(())
            } else if meta.path.is_ident("name") {
                out.name = Some(meta.value()?.parse()?);
                Ok(())
            } else {
                Err(meta.error(
                    "unknown #[arg] option; expected `description = \"..\"` or `name = \"..\"`",
                ))
            }
        });
        if let Err(e) = result {
            errors.push(e);
        }
        false
    });
    out
}
