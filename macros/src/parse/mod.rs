//! Parsing: attributes and signatures into the model. No code generation here.

mod attr;
mod handler_attr;
mod signature;

pub(crate) use attr::{crate_path, CratePath, ToolAttr};
pub(crate) use handler_attr::HandlerAttr;
pub(crate) use signature::{
    mentions_context, option_inner, parse_signature, FnModel, ParamKind, ReturnKind,
};

/// The doc comment of an item, with the one leading space rustdoc adds stripped, or `None`.
pub(crate) fn doc_comment(attrs: &[syn::Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|l| l.strip_prefix(' ').map(str::to_owned).unwrap_or(l))
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}
