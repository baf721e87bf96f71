use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemFn;

use super::wrapper::{opt_str as opt, output_conversion, unit_handler, with_errors};
use crate::errors::Errors;
use crate::parse::{doc_comment, parse_signature, HandlerAttr, ParamKind};
use crate::validate::check_resource_fn;

/// `#[resource(uri = "..")]` on a free `async fn`.
pub(crate) fn resource_fn(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let opts = HandlerAttr::parse(
        attr,
        "resource",
        &["uri", "name", "title", "description", "mime_type"],
        &mut errors,
    );
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let e = syn::Error::new(Span::call_site(), "#[resource] goes on an `async fn`");
            let e = e.to_compile_error();
            return quote!(#item #e);
        }
    };
    let model = parse_signature(&func.sig, &mut errors);
    check_resource_fn(&model, opts.uri.as_ref(), &mut errors);
    if let Err(e) = errors.finish() {
        return with_errors(func, model.sig, e);
    }

    let p = quote!(::toolsmith::__private);
    let ident = &func.sig.ident;
    let uri = opts.uri.as_ref().expect("checked").value();
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
    let mime = opt(opts.mime_type.as_ref().map(|m| m.value()));

    let mut lets = Vec::new();
    let mut call_args = Vec::new();
    for param in &model.params {
        match &param.kind {
            ParamKind::Context => call_args.push(quote!(__ctx)),
            ParamKind::Arg { ident, rename, .. } => {
                let ty = &param.ty;
                let var = rename
                    .as_ref()
                    .map(|n| n.value())
                    .unwrap_or_else(|| ident.to_string());
                lets.push(quote_spanned! {ty.span()=>
                    let #ident: #ty = #p::template_var::<#ty>(&__req, #var)?;
                });
                call_args.push(quote!(#ident));
            }
            ParamKind::Whole { .. } => unreachable!("rejected by validation"),
        }
    }
    let (convert, assert) = output_conversion(&model.ret, "resource");
    let sig_span = model.sig.span();
    let call = quote_spanned! {sig_span=>
        ::std::boxed::Box::pin(async move {
            #(#lets)*
            let __out = #ident(#(#call_args),*).await;
            #convert(__out, &__req.uri, #mime)
        })
    };
    let registration = quote! {

                #assert
                fn __handler<'a>(
                    __ctx: ::toolsmith::Context<'a>,
                    __req: #p::ResourceRequest,
                ) -> #p::BoxFuture<'a, ::core::result::Result<#p::ReadResourceResult, #p::ErrorObject>> {
                    #call
                }
                #p::ResourceDef::new(
                    #p::ResourceMeta {
                        uri: #uri,
                        name: #name,
                        title: #title,
                        description: #description,
                        mime_type: #mime,
                    },
                    __handler,
                )
    };
    unit_handler(
        &func,
        &model.sig,
        "resource",
        quote!(#p::ResourceMarker),
        quote!(::core::result::Result<#p::ResourceDef, #p::TemplateError>),
        registration,
    )
}
