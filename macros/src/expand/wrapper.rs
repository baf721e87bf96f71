use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use syn::{ItemFn, Signature};

use crate::parse::ReturnKind;

/// The shape every free-function handler expands to: a function of the handler's name that
/// builds its definition (what `Server::resource`/`prompt` take, given the kind's `marker` and
/// returning `def`), with the user's function kept inside it under its own name, and
/// `registration` the statements that build the definition.
pub(crate) fn unit_handler(
    func: &ItemFn,
    sig: &Signature,
    kind: &str,
    marker: TokenStream,
    def: TokenStream,
    registration: TokenStream,
) -> TokenStream {
    let ident = &func.sig.ident;
    let vis = &func.vis;
    let attrs = &func.attrs;
    let doc_attrs: Vec<_> = attrs.iter().filter(|a| a.path().is_ident("doc")).collect();
    let block = &func.block;
    let note = format!("*An MCP {kind}: register it with `Server::{kind}`.*");
    quote! {
        #(#doc_attrs)*
        ///
        #[doc = #note]
        #vis fn #ident(_: #marker) -> #def {
            #(#attrs)*
            #sig #block

            #registration
        }
    }
}

/// The user's item unchanged (minus inert attributes), followed by the errors: so that the body
/// still type-checks and the errors stay focused on what the macro found.
pub(crate) fn with_errors(mut func: ItemFn, sig: Signature, error: syn::Error) -> TokenStream {
    func.sig = sig;
    let errors = error.to_compile_error();
    quote!(#func #errors)
}

/// `Some("..")` or `None` as tokens.
pub(crate) fn opt_str(v: Option<String>) -> TokenStream {
    match v {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

/// The conversion of a handler's return value and the compile-time check of its type (spanned at
/// the type): `__private::{kind}_output` / `assert_{kind}_output` for a plain type, the
/// `_result_` pair for a `Result`.
pub(crate) fn output_conversion(ret: &ReturnKind, kind: &str) -> (TokenStream, TokenStream) {
    let p = quote!(::toolsmith::__private);
    let (ty, infix) = match ret {
        ReturnKind::Plain(ty) => (ty, ""),
        ReturnKind::Result(ty) => (ty, "result_"),
    };
    let convert = format_ident!("{kind}_{infix}output");
    let assert = format_ident!("assert_{kind}_{infix}output");
    (
        quote!(#p::#convert::<#ty>),
        quote_spanned!(ty.span()=> let _ = #p::#assert::<#ty>;),
    )
}
