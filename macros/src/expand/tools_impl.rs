//! `#[tools]` on an impl block: its `#[tool]`, `#[resource]` and `#[prompt]` methods become
//! handlers bound to shared state, listed by one `ToolBox` impl that `Server::tools(state)` reads.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::parse::Parser;
use syn::{Attribute, ImplItem, ItemImpl};

use super::prompt::{prompt_parts, PROMPT_OPTIONS};
use super::resource::{resource_parts, HandlerParts, RESOURCE_OPTIONS};
use super::tool::{tool_parts, ToolParts};
use super::wrapper::{not_a_fn, private_path};
use crate::errors::Errors;
use crate::parse::{crate_path, doc_comment, parse_signature, CratePath, HandlerAttr, ToolAttr};
use crate::validate::{check_prompt_fn, check_resource_fn, check_tool_fn};

#[derive(Clone, Copy)]
enum Kind {
    Tool,
    Resource,
    Prompt,
}

/// The handler kind an attribute on a method declares (`#[tool]`, `#[toolsmith::resource]`..).
fn handler_kind(attr: &Attribute) -> Option<Kind> {
    let last = attr.path().segments.last()?;
    match last.ident.to_string().as_str() {
        "tool" => Some(Kind::Tool),
        "resource" => Some(Kind::Resource),
        "prompt" => Some(Kind::Prompt),
        _ => None,
    }
}

/// `#[tools]` or `#[tools(crate = "..")]`.
fn parse_tools_attr(attr: TokenStream, errors: &mut Errors) -> Option<CratePath> {
    let mut krate = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("crate") {
            if krate.is_some() {
                return Err(meta.error("this option is given twice"));
            }
            krate = Some(crate_path(&meta)?);
            Ok(())
        } else {
            Err(meta.error("unknown #[tools] option; the only one is `crate = \"..\"`"))
        }
    });
    if let Err(e) = parser.parse2(attr) {
        errors.push(e);
    }
    krate
}

/// `crate = ".."` belongs on `#[tools]`, which emits the one impl all the methods share.
fn no_crate_on_method(krate: Option<CratePath>, errors: &mut Errors) {
    if let Some(c) = krate {
        errors.spanned(
            c.key,
            "inside #[tools], give `crate = \"..\"` once, on `#[tools(crate = \"..\")]`",
        );
    }
}

/// `#[tools]` on an impl block.
pub(crate) fn tool_impl(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let krate = parse_tools_attr(attr, &mut errors);
    let p = private_path(krate.as_ref());
    let mut imp: ItemImpl = match syn::parse2(item.clone()) {
        Ok(i) => i,
        Err(_) => return not_a_fn(item, "#[tools] goes on an inherent `impl` block"),
    };
    if let Some((path, _)) = &imp.trait_ {
        errors.spanned(
            path,
            "#[tools] goes on an inherent `impl Type` block, not a trait impl",
        );
    }
    if !imp.generics.params.is_empty() {
        errors.spanned(
            &imp.generics,
            "#[tools] can't be used on a generic impl block",
        );
    }
    let self_ty = imp.self_ty.clone();
    let state = quote!(::std::sync::Arc::clone(&__state));

    let mut structs = Vec::new();
    let mut tools = Vec::new();
    let mut resources = Vec::new();
    let mut prompts = Vec::new();
    for item in imp.items.iter_mut() {
        let ImplItem::Fn(method) = item else { continue };
        let Some((pos, kind)) = method
            .attrs
            .iter()
            .enumerate()
            .find_map(|(i, a)| handler_kind(a).map(|k| (i, k)))
        else {
            continue;
        };
        let attr = method.attrs.remove(pos);
        if let Some(second) = method.attrs.iter().find(|a| handler_kind(a).is_some()) {
            errors.spanned(
                second,
                "a method is one handler: keep one of #[tool], #[resource] and #[prompt]",
            );
        }
        let model = parse_signature(&method.sig, &mut errors);
        let docs = doc_comment(&method.attrs);
        let ident = method.sig.ident.clone();
        let callee = quote!(<#self_ty>::#ident);
        match kind {
            Kind::Tool => {
                let tool_attr = ToolAttr::from_attribute(&attr, &mut errors);
                check_tool_fn(&model, true, &mut errors);
                let args_ident = format_ident!("__{}_Args", ident);
                let ToolParts {
                    args_struct,
                    args_ty,
                    generated,
                    meta,
                    output_schema,
                    call,
                    context,
                } = tool_parts(
                    &tool_attr,
                    &model,
                    docs,
                    &args_ident,
                    callee,
                    &p,
                    &mut errors,
                );
                no_crate_on_method(tool_attr.krate, &mut errors);
                structs.push(args_struct);
                let ctor = if generated {
                    quote!(#p::args_tool_method::<#self_ty, #args_ty>)
                } else {
                    quote!(#p::ToolDef::from_method::<#self_ty, #args_ty>)
                };
                tools.push(quote! {
                    #context(#ctor(
                        #state,
                        #meta,
                        #output_schema,
                        |__this, __ctx, __args| #call,
                    ))
                });
            }
            Kind::Resource => {
                let opts =
                    HandlerAttr::from_attribute(&attr, "resource", RESOURCE_OPTIONS, &mut errors);
                check_resource_fn(&model, opts.uri.as_ref(), true, &mut errors);
                let HandlerParts { meta, body } = resource_parts(&opts, &model, docs, callee, &p);
                no_crate_on_method(opts.krate, &mut errors);
                resources.push(quote! {
                    #p::ResourceDef::from_method::<#self_ty>(
                        #state,
                        #meta,
                        |__this, __ctx, __req| #body,
                    )
                });
            }
            Kind::Prompt => {
                let opts =
                    HandlerAttr::from_attribute(&attr, "prompt", PROMPT_OPTIONS, &mut errors);
                check_prompt_fn(&model, true, &mut errors);
                let HandlerParts { meta, body } = prompt_parts(&opts, &model, docs, callee, &p);
                no_crate_on_method(opts.krate, &mut errors);
                prompts.push(quote! {
                    #p::PromptDef::from_method::<#self_ty>(
                        #state,
                        #meta,
                        |__this, __ctx, __args| #body,
                    )
                });
            }
        }
        // The method keeps its body; only the inert #[arg] attributes go.
        method.sig = model.sig;
    }
    if let Err(e) = errors.finish() {
        let errors = e.to_compile_error();
        // A stand-in `ToolBox` (when one can be named) so that `Server::tools(state)` raises
        // nothing more: the errors above are the whole story.
        let stand_in = imp.generics.params.is_empty().then(|| {
            quote! {
                impl #p::ToolBox for #self_ty {
                    fn tool_defs(_: ::std::sync::Arc<Self>) -> ::std::vec::Vec<#p::ToolDef> {
                        ::core::unreachable!()
                    }
                }
            }
        });
        return quote!(#imp #stand_in #errors);
    }
    // Only the lists that have entries are emitted; the others keep the trait's empty default.
    let resource_defs = (!resources.is_empty()).then(|| {
        quote! {
            fn resource_defs(
                __state: ::std::sync::Arc<Self>,
            ) -> ::std::vec::Vec<
                ::core::result::Result<#p::ResourceDef, #p::TemplateError>,
            > {
                ::std::vec![#(#resources),*]
            }
        }
    });
    let prompt_defs = (!prompts.is_empty()).then(|| {
        quote! {
            fn prompt_defs(__state: ::std::sync::Arc<Self>) -> ::std::vec::Vec<#p::PromptDef> {
                ::std::vec![#(#prompts),*]
            }
        }
    });
    quote! {
        #imp

        const _: () = {
            #(#structs)*

            impl #p::ToolBox for #self_ty {
                fn tool_defs(__state: ::std::sync::Arc<Self>) -> ::std::vec::Vec<#p::ToolDef> {
                    ::std::vec![#(#tools),*]
                }
                #resource_defs
                #prompt_defs
            }
        };
    }
}
