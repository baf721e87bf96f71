use proc_macro2::TokenStream;
use quote::quote;
use syn::{Ident, ItemFn, Signature};

/// The shape every free-function handler expands to: a unit value of the function's name (what
/// `Server::tool`/`resource`/`prompt` take), the original function kept as `call`, and the
/// registration impl (`registration`) hidden in a `const _` block.
pub(crate) fn unit_handler(
    func: &ItemFn,
    sig: &Signature,
    kind: &str,
    registration: TokenStream,
) -> TokenStream {
    let ident = &func.sig.ident;
    let vis = &func.vis;
    let attrs = &func.attrs;
    let doc_attrs: Vec<_> = attrs.iter().filter(|a| a.path().is_ident("doc")).collect();
    let mut sig = sig.clone();
    sig.ident = Ident::new("call", ident.span());
    let block = &func.block;
    let note = format!(
        "*An MCP {kind}: register it with `Server::{kind}`; call the function itself with `call`.*"
    );
    quote! {
        #(#doc_attrs)*
        ///
        #[doc = #note]
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy)]
        #vis struct #ident;

        impl #ident {
            #(#attrs)*
            #vis #sig #block
        }

        const _: () = {
            #registration
        };
    }
}

/// The user's item unchanged (minus inert attributes), followed by the errors: so that the body
/// still type-checks and the errors stay focused on what the macro found.
pub(crate) fn with_errors(mut func: ItemFn, sig: Signature, error: syn::Error) -> TokenStream {
    func.sig = sig;
    let errors = error.to_compile_error();
    quote!(#func #errors)
}
