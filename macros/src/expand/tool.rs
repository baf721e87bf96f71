use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, ItemFn, LitStr};

use super::args::{args_struct, ArgField};
use super::wrapper::{not_a_fn, private_path, result_args, stand_in};
use crate::errors::Errors;
use crate::parse::{doc_comment, parse_signature, FnModel, ParamKind, ReturnKind, ToolAttr};
use crate::validate::{check_tool_fn, tool_name};

/// Everything generated for one tool, independent of free function vs method.
pub(crate) struct ToolParts {
    /// The argument struct (or nothing, for `Params<T>`).
    pub args_struct: TokenStream,
    /// The type the arguments decode into.
    pub args_ty: TokenStream,
    /// True for a generated argument struct (a `ToolArgs`, built with `__private::args_tool*`),
    /// false for the user's `Params<T>` type (built with `ToolDef::from_fn`/`from_method`).
    pub generated: bool,
    /// `ToolMeta { .. }`.
    pub meta: TokenStream,
    /// The `outputSchema` expression.
    pub output_schema: TokenStream,
    /// The call of the user's function given `__args` and `__ctx` (and `__this` for methods),
    /// converted into a `CallToolResult`. It becomes the body of a closure in the same function
    /// as `output_schema`, so that a bad return type is reported once, at the user's return type.
    pub call: TokenStream,
    /// `__private::without_context` when the function takes no `Context` (its definition says
    /// so), else nothing: what the definition's constructor is wrapped in.
    pub context: TokenStream,
}

fn opt_lit(v: &Option<LitStr>) -> TokenStream {
    match v {
        Some(l) => quote!(::core::option::Option::Some(#l)),
        None => quote!(::core::option::Option::None),
    }
}

fn opt_bool(v: Option<bool>) -> TokenStream {
    match v {
        Some(b) => quote!(::core::option::Option::Some(#b)),
        None => quote!(::core::option::Option::None),
    }
}

/// The parts of a tool. `callee` names the user's function (`name` or `<Type>::name`); methods
/// get `__this` as their first argument. `p` is the path of `__private`.
pub(crate) fn tool_parts(
    attr: &ToolAttr,
    model: &FnModel,
    docs: Option<String>,
    args_ident: &Ident,
    callee: TokenStream,
    p: &TokenStream,
    errors: &mut Errors,
) -> ToolParts {
    let name = tool_name(attr, model, errors);
    let description = match (&attr.description, docs) {
        (Some(d), _) => quote!(::core::option::Option::Some(#d)),
        (None, Some(doc)) => quote!(::core::option::Option::Some(#doc)),
        (None, None) => quote!(::core::option::Option::None),
    };
    let title = opt_lit(&attr.title);
    let title_owned = match &attr.title {
        Some(l) => quote!(::core::option::Option::Some(::std::string::String::from(#l))),
        None => quote!(::core::option::Option::None),
    };
    let (ro, de, id, ow) = (
        opt_bool(attr.read_only),
        opt_bool(attr.destructive),
        opt_bool(attr.idempotent),
        opt_bool(attr.open_world),
    );
    let requires = attr.requires.iter().map(|r| r.to_string());
    let scopes = &attr.scopes;
    let icons = &attr.icons;
    let task = format_ident!("{}", attr.task.unwrap_or("Forbidden"));
    let escalate = attr.escalate;
    let meta = quote! {
        #p::ToolMeta {
            name: #name,
            title: #title,
            description: #description,
            // Field by field: `ToolAnnotations` is `#[non_exhaustive]`.
            annotations: {
                let mut __annotations = #p::ToolAnnotations::default();
                __annotations.title = #title_owned;
                __annotations.read_only_hint = #ro;
                __annotations.destructive_hint = #de;
                __annotations.idempotent_hint = #id;
                __annotations.open_world_hint = #ow;
                __annotations
            },
            requires: &[#(#requires),*],
            scopes: &[#(#scopes),*],
            icons: &[#(#icons),*],
            task: #p::TaskSupport::#task,
            escalate: #escalate,
        }
    };

    // Arguments: one struct field per input parameter, or the user's own type for `Params<T>`.
    let whole = model.params.iter().find_map(|p| match &p.kind {
        ParamKind::Whole { inner } => Some(inner.clone()),
        _ => None,
    });
    let mut fields = Vec::new();
    // Methods are called as `Type::method(__this, ..)`.
    let mut call_args = if model.has_receiver {
        vec![quote!(__this)]
    } else {
        Vec::new()
    };
    for param in &model.params {
        match &param.kind {
            ParamKind::Context => call_args.push(quote!(__ctx)),
            ParamKind::Whole { .. } => call_args.push(quote!(#p::Params(__args))),
            ParamKind::Arg {
                ident,
                description,
                rename,
                optional,
            } => {
                fields.push(ArgField {
                    ident,
                    ty: &param.ty,
                    description: description.as_ref(),
                    rename: rename.as_ref(),
                    optional: *optional,
                });
                call_args.push(quote!(__args.#ident));
            }
        }
    }
    let generated = whole.is_none();
    let (args_struct, args_ty) = match whole {
        Some(inner) => (quote!(), quote!(#inner)),
        None => (args_struct(args_ident, &fields, p), quote!(#args_ident)),
    };

    // The user's return type (or its `T` and `E`) is named in each turbofish: rustc then blames
    // that type, and reports each unmet bound once (same span, same function body).
    let (convert, output_schema) = match &model.ret {
        ReturnKind::Plain(ty) => (
            quote!(#p::output::<#ty>),
            quote!(#p::output_schema::<#ty>()),
        ),
        ReturnKind::Result(ty) => {
            let (ok, err) = result_args(ty);
            let schema = match ok {
                Some(ok) => quote!(#p::output_schema::<#ok>()),
                None => quote!(#p::result_output_schema::<#ty>()),
            };
            let (ok, err) = (
                ok.map_or_else(|| quote!(_), |t| quote!(#t)),
                err.map_or_else(|| quote!(_), |t| quote!(#t)),
            );
            (quote!(#p::result_output::<#ok, #err>), schema)
        }
    };
    let takes_context = model
        .params
        .iter()
        .any(|p| matches!(p.kind, ParamKind::Context));
    let context = if takes_context {
        TokenStream::new()
    } else {
        quote!(#p::without_context)
    };
    let sig_span = model.sig.span();
    let call = quote_spanned! {sig_span=>
        ::std::boxed::Box::pin(async move { #convert(#callee(#(#call_args),*).await) })
    };
    ToolParts {
        args_struct,
        args_ty,
        generated,
        meta,
        output_schema,
        call,
        context,
    }
}

/// `#[tool]` on a free `async fn`.
pub(crate) fn tool_fn(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let tool_attr = ToolAttr::parse(attr, &mut errors);
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            return not_a_fn(
                item,
                "#[tool] goes on an `async fn` (for methods, put #[tools] on the impl block)",
            )
        }
    };
    let model = parse_signature(&func.sig, &mut errors);
    check_tool_fn(&model, false, &mut errors);
    let docs = doc_comment(&func.attrs);
    let ident = &func.sig.ident;
    let p = private_path(tool_attr.krate.as_ref());
    let parts = tool_parts(
        &tool_attr,
        &model,
        docs,
        &format_ident!("__{}_Args", ident),
        quote!(#ident),
        &p,
        &mut errors,
    );
    if let Err(e) = errors.finish() {
        let (marker, def) = (quote!(#p::ToolMarker), quote!(#p::ToolDef));
        return stand_in(func, model.sig, model.has_receiver, marker, def, e);
    }
    let vis = &func.vis;
    let attrs = &func.attrs;
    let sig = &model.sig;
    let block = &func.block;

    let doc_attrs: Vec<_> = attrs.iter().filter(|a| a.path().is_ident("doc")).collect();
    let ToolParts {
        args_struct,
        args_ty,
        generated,
        meta,
        output_schema,
        call,
        context,
    } = parts;
    let ctor = if generated {
        quote!(#p::args_tool::<#args_ty>)
    } else {
        quote!(#p::ToolDef::from_fn::<#args_ty>)
    };
    // The name becomes a function that builds the tool (what `Server::tool(name)` takes); the
    // user's function lives inside it under its own name. A function, unlike a unit struct,
    // never captures a local binding of the same name.
    quote! {
        #(#doc_attrs)*
        ///
        /// *An MCP tool: register it with `Server::tool`.*
        #vis fn #ident(_: #p::ToolMarker) -> #p::ToolDef {
            #(#attrs)*
            #sig #block

            #args_struct

            #context(#ctor(
                #meta,
                #output_schema,
                |__ctx, __args| #call,
            ))
        }
    }
}
