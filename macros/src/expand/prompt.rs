use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemFn;

use super::resource::HandlerParts;
use super::wrapper::unit_handler;
use super::wrapper::{not_a_fn, opt_str as opt, output_conversion, private_path, stand_in};
use crate::errors::Errors;
use crate::parse::{doc_comment, option_inner, parse_signature, FnModel, HandlerAttr, ParamKind};
use crate::validate::check_prompt_fn;

/// The options `#[prompt(...)]` takes.
pub(crate) const PROMPT_OPTIONS: &[&str] =
    &["name", "title", "description", "scopes", "icons", "crate"];

/// The parts of a prompt. `callee` names the user's function (`name` or `<Type>::name`); methods
/// get `__this` as their first argument. `p` is the path of `__private`.
pub(crate) fn prompt_parts(
    opts: &HandlerAttr,
    model: &FnModel,
    docs: Option<String>,
    callee: TokenStream,
    p: &TokenStream,
) -> HandlerParts {
    let ident = &model.sig.ident;
    let name = opts
        .name
        .as_ref()
        .map(|n| n.value())
        .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_owned());
    let title = opt(opts.title.as_ref().map(|t| t.value()));
    let description = opt(opts.description.as_ref().map(|d| d.value()).or(docs));

    let mut lets = Vec::new();
    let mut call_args = if model.has_receiver {
        vec![quote!(__this)]
    } else {
        Vec::new()
    };
    let mut arg_metas = Vec::new();
    for param in &model.params {
        match &param.kind {
            ParamKind::Context => call_args.push(quote!(__ctx)),
            ParamKind::Arg {
                ident,
                description,
                rename,
                optional,
            } => {
                let ty = &param.ty;
                let arg = rename
                    .as_ref()
                    .map(|n| n.value())
                    .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_owned());
                let read = match option_inner(ty).filter(|_| *optional) {
                    Some(inner) => quote_spanned!(ty.span()=> __args.optional::<#inner>(#arg)?),
                    None => quote_spanned!(ty.span()=> __args.required::<#ty>(#arg)?),
                };
                lets.push(quote!(let #ident: #ty = #read;));
                call_args.push(quote!(#ident));
                let desc = match description {
                    Some(d) => quote!(::core::option::Option::Some(#d)),
                    None => quote!(::core::option::Option::None),
                };
                let required = !optional;
                arg_metas.push(quote! {
                    #p::PromptArgMeta { name: #arg, description: #desc, required: #required }
                });
            }
            // Rejected by validation; nothing is generated then.
            ParamKind::Whole { .. } => {}
        }
    }
    let convert = output_conversion(&model.ret, "prompt", p);
    let sig_span = model.sig.span();
    let body = quote_spanned! {sig_span=>
        ::std::boxed::Box::pin(async move {
            #(#lets)*
            #convert(#callee(#(#call_args),*).await)
        })
    };
    let scopes = &opts.scopes;
    let icons = &opts.icons;
    let meta = quote! {
        #p::PromptMeta {
            name: #name,
            title: #title,
            description: #description,
            arguments: ::std::vec![#(#arg_metas),*],
            scopes: &[#(#scopes),*],
            icons: &[#(#icons),*],
        }
    };
    HandlerParts { meta, body }
}

/// `#[prompt]` on a free `async fn`: each parameter (but the context) is a prompt argument.
pub(crate) fn prompt_fn(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let opts = HandlerAttr::parse(attr, "prompt", PROMPT_OPTIONS, &mut errors);
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            return not_a_fn(
                item,
                "#[prompt] goes on an `async fn` (for methods, put #[tools] on the impl block)",
            )
        }
    };
    let model = parse_signature(&func.sig, &mut errors);
    check_prompt_fn(&model, false, &mut errors);
    let p = private_path(opts.krate.as_ref());
    if let Err(e) = errors.finish() {
        let (marker, def) = (quote!(#p::PromptMarker), quote!(#p::PromptDef));
        return stand_in(func, model.sig, model.has_receiver, marker, def, e);
    }

    let ident = &func.sig.ident;
    let HandlerParts { meta, body } =
        prompt_parts(&opts, &model, doc_comment(&func.attrs), quote!(#ident), &p);
    let registration = quote! {
        fn __handler<'a>(
            __ctx: #p::Context<'a>,
            __args: #p::PromptArgs,
        ) -> #p::BoxFuture<'a, ::core::result::Result<#p::GetPromptResult, #p::ErrorObject>> {
            #body
        }
        #p::PromptDef::new(#meta, __handler)
    };
    unit_handler(
        &func,
        &model.sig,
        "prompt",
        quote!(#p::PromptMarker),
        quote!(#p::PromptDef),
        registration,
    )
}
