use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemFn;

use super::wrapper::unit_handler;
use super::wrapper::{not_a_fn, opt_str as opt, output_conversion, private_path, stand_in};
use crate::errors::Errors;
use crate::parse::{doc_comment, parse_signature, FnModel, HandlerAttr, ParamKind};
use crate::validate::check_resource_fn;

/// The options `#[resource(...)]` takes.
pub(crate) const RESOURCE_OPTIONS: &[&str] = &[
    "uri",
    "name",
    "title",
    "description",
    "mime_type",
    "scopes",
    "icons",
    "crate",
];

/// What one resource expands to, whether a free function or a method.
pub(crate) struct HandlerParts {
    /// `ResourceMeta { .. }` / `PromptMeta { .. }`.
    pub meta: TokenStream,
    /// The handler's body given `__ctx` and `__req` (or `__args`), and `__this` for methods: a
    /// boxed future of the result.
    pub body: TokenStream,
}

/// The parts of a resource. `callee` names the user's function (`name` or `<Type>::name`);
/// methods get `__this` as their first argument. `p` is the path of `__private`.
pub(crate) fn resource_parts(
    opts: &HandlerAttr,
    model: &FnModel,
    docs: Option<String>,
    callee: TokenStream,
    p: &TokenStream,
) -> HandlerParts {
    let ident = &model.sig.ident;
    // A missing URI was reported by validation; nothing is generated then.
    let uri = opts.uri.as_ref().map(|u| u.value()).unwrap_or_default();
    let name = opts
        .name
        .as_ref()
        .map(|n| n.value())
        .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_owned());
    let title = opt(opts.title.as_ref().map(|t| t.value()));
    let description = opt(opts.description.as_ref().map(|d| d.value()).or(docs));
    let mime = opt(opts.mime_type.as_ref().map(|m| m.value()));

    let mut lets = Vec::new();
    let mut call_args = if model.has_receiver {
        vec![quote!(__this)]
    } else {
        Vec::new()
    };
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
            // Rejected by validation; nothing is generated then.
            ParamKind::Whole { .. } => {}
        }
    }
    let convert = output_conversion(&model.ret, "resource", p);
    let sig_span = model.sig.span();
    let body = quote_spanned! {sig_span=>
        ::std::boxed::Box::pin(async move {
            #(#lets)*
            let __out = #callee(#(#call_args),*).await;
            #convert(__out, &__req.uri, #mime)
        })
    };
    let scopes = &opts.scopes;
    let icons = &opts.icons;
    let meta = quote! {
        #p::ResourceMeta {
            uri: #uri,
            name: #name,
            title: #title,
            description: #description,
            mime_type: #mime,
            scopes: &[#(#scopes),*],
            icons: &[#(#icons),*],
        }
    };
    HandlerParts { meta, body }
}

/// `#[resource(uri = "..")]` on a free `async fn`.
pub(crate) fn resource_fn(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let opts = HandlerAttr::parse(attr, "resource", RESOURCE_OPTIONS, &mut errors);
    let func: ItemFn =
        match syn::parse2(item.clone()) {
            Ok(f) => f,
            Err(_) => return not_a_fn(
                item,
                "#[resource] goes on an `async fn` (for methods, put #[tools] on the impl block)",
            ),
        };
    let model = parse_signature(&func.sig, &mut errors);
    check_resource_fn(&model, opts.uri.as_ref(), false, &mut errors);
    let p = private_path(opts.krate.as_ref());
    let def = quote!(::core::result::Result<#p::ResourceDef, #p::TemplateError>);
    if let Err(e) = errors.finish() {
        let marker = quote!(#p::ResourceMarker);
        return stand_in(func, model.sig, model.has_receiver, marker, def, e);
    }

    let ident = &func.sig.ident;
    let HandlerParts { meta, body } =
        resource_parts(&opts, &model, doc_comment(&func.attrs), quote!(#ident), &p);
    let registration = quote! {
        fn __handler<'a>(
            __ctx: #p::Context<'a>,
            __req: #p::ResourceRequest,
        ) -> #p::BoxFuture<'a, ::core::result::Result<#p::ReadResourceResult, #p::ErrorObject>> {
            #body
        }
        #p::ResourceDef::new(#meta, __handler)
    };
    unit_handler(
        &func,
        &model.sig,
        "resource",
        quote!(#p::ResourceMarker),
        def,
        registration,
    )
}
