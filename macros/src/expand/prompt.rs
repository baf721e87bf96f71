use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemFn;

use super::wrapper::{opt_str as opt, output_conversion, unit_handler, with_errors};
use crate::errors::Errors;
use crate::parse::{doc_comment, option_inner, parse_signature, HandlerAttr, ParamKind};
use crate::validate::check_prompt_fn;

/// `#[prompt]` on a free `async fn`: each parameter (but the context) is a prompt argument.
pub(crate) fn prompt_fn(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let opts = HandlerAttr::parse(
        attr,
        "prompt",
        &["name", "title", "description"],
        &mut errors,
    );
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let e = syn::Error::new(Span::call_site(), "#[prompt] goes on an `async fn`");
            let e = e.to_compile_error();
            return quote!(#item #e);
        }
    };
    let model = parse_signature(&func.sig, &mut errors);
    check_prompt_fn(&model, &mut errors);
    if let Err(e) = errors.finish() {
        return with_errors(func, model.sig, e);
    }

    let p = quote!(::toolsmith::__private);
    let ident = &func.sig.ident;
    let name = opts
        .name
        .as_ref()
        .map(|n| n.value())
        .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_owned());
    let title = opt(opts.title.as_ref().map(|t| t.value()));
    let description = opt(opts
        .description
        .as_ref()
        .map(|d| d.value())
        .or_else(|| doc_comment(&func.attrs)));

    let mut lets = Vec::new();
    let mut call_args = Vec::new();
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
            ParamKind::Whole { .. } => unreachable!("rejected by validation"),
        }
    }
    let (convert, assert) = output_conversion(&model.ret, "prompt");
    let sig_span = model.sig.span();
    let call = quote_spanned! {sig_span=>
        ::std::boxed::Box::pin(async move {
            #(#lets)*
            #convert(#ident(#(#call_args),*).await)
        })
    };
    let registration = quote! {

                #assert
                fn __handler<'a>(
                    __ctx: ::toolsmith::Context<'a>,
                    __args: #p::PromptArgs,
                ) -> #p::BoxFuture<'a, ::core::result::Result<#p::GetPromptResult, #p::ErrorObject>> {
                    #call
                }
                #p::PromptDef::new(
                    #p::PromptMeta {
                        name: #name,
                        title: #title,
                        description: #description,
                        arguments: ::std::vec![#(#arg_metas),*],
                    },
                    __handler,
                )
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
