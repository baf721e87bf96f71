use proc_macro2::TokenStream;
use quote::quote;
use syn::{ItemFn, Signature};

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
