use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use syn::{GenericArgument, ItemFn, PathArguments, Signature, Type};

use crate::parse::{CratePath, ReturnKind};

/// The path of the runtime's macro support: `::toolsmith::__private`, or `<path>::__private`
/// under `crate = "<path>"`.
pub(crate) fn private_path(krate: Option<&CratePath>) -> TokenStream {
    match krate {
        Some(c) => {
            let path = &c.path;
            quote!(#path::__private)
        }
        None => quote!(::toolsmith::__private),
    }
}

/// The shape every free-function handler expands to: a function of the handler's name that
/// builds its definition (what `Server::tool`/`resource`/`prompt` take, given the kind's
/// `marker` and returning `def`), with the user's function kept inside it under its own name,
/// and `registration` the statements that build the definition.
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

/// What a handler with errors expands to: the errors, and a stand-in of the same shape as the
/// real expansion (a function of the handler's name taking the kind's `marker` and returning
/// `def`), so that registering it (`Server::resource(name)`) raises nothing more: the errors are
/// the whole story. The user's function is kept inside, so that its body still type-checks. A
/// method outside `#[tools]` stays a method (only associated items may be emitted there).
pub(crate) fn stand_in(
    mut func: ItemFn,
    sig: Signature,
    has_receiver: bool,
    marker: TokenStream,
    def: TokenStream,
    error: syn::Error,
) -> TokenStream {
    let errors = error.to_compile_error();
    if has_receiver {
        func.sig = sig;
        return quote!(#func #errors);
    }
    let ident = &func.sig.ident;
    let vis = &func.vis;
    let attrs = &func.attrs;
    let block = &func.block;
    quote! {
        #vis fn #ident(_: #marker) -> #def {
            #(#attrs)*
            #[allow(dead_code)]
            #sig #block
            ::core::unreachable!()
        }
        #errors
    }
}

/// `Some("..")` or `None` as tokens.
pub(crate) fn opt_str(v: Option<String>) -> TokenStream {
    match v {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

/// The `T` and `E` written in a `Result<T, E>` return type (`anyhow::Result<T>` has no `E`).
pub(crate) fn result_args(ty: &Type) -> (Option<&Type>, Option<&Type>) {
    let Type::Path(p) = ty else {
        return (None, None);
    };
    let Some(PathArguments::AngleBracketed(args)) = p.path.segments.last().map(|s| &s.arguments)
    else {
        return (None, None);
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    (types.next(), types.next())
}

/// The conversion of a handler's return value: `__private::{kind}_output::<T>` for a plain type,
/// `{kind}_result_output::<T, E>` for a `Result<T, E>` (`_` for what is not written). The user's
/// types are named in the turbofish, so an unsupported one is reported once, at that type. `p`
/// is the path of `__private`.
pub(crate) fn output_conversion(ret: &ReturnKind, kind: &str, p: &TokenStream) -> TokenStream {
    match ret {
        ReturnKind::Plain(ty) => {
            let convert = format_ident!("{kind}_output");
            quote!(#p::#convert::<#ty>)
        }
        ReturnKind::Result(ty) => {
            let convert = format_ident!("{kind}_result_output");
            let (ok, err) = result_args(ty);
            let (ok, err) = (
                ok.map_or_else(|| quote!(_), |t| quote!(#t)),
                err.map_or_else(|| quote!(_), |t| quote!(#t)),
            );
            quote!(#p::#convert::<#ok, #err>)
        }
    }
}

/// The error for an attribute on something that is not a function, spanned at that item.
pub(crate) fn not_a_fn(item: TokenStream, message: &str) -> TokenStream {
    let e = syn::Error::new_spanned(&item, message).to_compile_error();
    quote!(#item #e)
}
