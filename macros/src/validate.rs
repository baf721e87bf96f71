//! Checks that need the whole model: async-ness, context parameters, names, return types.

use syn::{GenericArgument, LitStr, PathArguments, ReturnType, Type};

use crate::errors::Errors;
use crate::parse::{FnModel, ParamKind, ToolAttr};

/// The spec's tool-name rule, as the runtime checks it at registration.
fn tool_name_problem(name: &str) -> Option<String> {
    toolsmith_rules::check_tool_name(name)
        .err()
        .map(|e| e.to_string())
}

/// The tool's name: `name = ".."` or the function's name (without `r#`).
pub(crate) fn tool_name(attr: &ToolAttr, model: &FnModel, errors: &mut Errors) -> String {
    match &attr.name {
        Some(lit) => {
            let name = lit.value();
            if let Some(problem) = tool_name_problem(&name) {
                errors.spanned(lit, problem);
            }
            name
        }
        None => {
            let ident = &model.sig.ident;
            let name = ident.to_string().trim_start_matches("r#").to_owned();
            if let Some(problem) = tool_name_problem(&name) {
                errors.spanned(ident, problem);
            }
            name
        }
    }
}

fn check_context_lifetime(ty: &Type, errors: &mut Errors) {
    let Type::Path(p) = ty else {
        errors.spanned(
            ty,
            "take the context by value: `ctx: Context<'_>` (it is `Copy`)",
        );
        return;
    };
    let Some(seg) = p.path.segments.last() else {
        return;
    };
    if let PathArguments::AngleBracketed(args) = &seg.arguments {
        for arg in &args.args {
            match arg {
                GenericArgument::Lifetime(lt) if lt.ident == "_" => {}
                other => errors.spanned(
                    other,
                    "write the context as `Context<'_>`: it borrows the request and lives only as long as the call",
                ),
            }
        }
    }
}

/// Checks every handler (`#[tool]`, `#[resource]`, `#[prompt]`) needs: an `async fn`, not
/// generic, at most one `Context<'_>`, and no returned context. `kind` is the attribute's name.
pub(crate) fn check_handler_fn(model: &FnModel, kind: &str, errors: &mut Errors) {
    let sig = &model.sig;
    if sig.asyncness.is_none() {
        errors.spanned(
            sig.fn_token,
            format!(
                "#[{kind}] functions must be `async fn`: write `async fn {}(..)`",
                sig.ident
            ),
        );
    }
    if !sig.generics.params.is_empty() {
        errors.spanned(
            &sig.generics,
            format!("a #[{kind}] function can't be generic: its inputs must be known"),
        );
    }
    if let Some(v) = &sig.variadic {
        errors.spanned(v, format!("a #[{kind}] function can't be variadic"));
    }
    let mut contexts = model
        .params
        .iter()
        .filter(|p| matches!(p.kind, ParamKind::Context));
    if let Some(first) = contexts.next() {
        check_context_lifetime(&first.ty, errors);
    }
    for extra in contexts {
        errors.spanned(
            &extra.ty,
            format!("a #[{kind}] takes at most one `Context<'_>` parameter; it is `Copy`, so pass the one you have"),
        );
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        if crate::parse::mentions_context(ty) {
            errors.spanned(
                ty,
                format!("a #[{kind}] can't return its `Context`: the context lives only as long as the request"),
            );
        } else if let Type::ImplTrait(_) = &**ty {
            errors.spanned(
                ty,
                format!("a #[{kind}] must name its return type; `impl Trait` can't be turned into a result"),
            );
        }
    }
}

/// The receiver rules every handler kind shares: a method only inside `#[tools]`, and there it
/// takes `&self`. `in_impl` is true under `#[tools]`.
fn check_receiver(model: &FnModel, kind: &str, in_impl: bool, errors: &mut Errors) {
    let sig = &model.sig;
    if model.has_receiver && !in_impl {
        errors.spanned(
            &sig.inputs,
            format!("#[{kind}] on a method needs `#[tools]` on its impl block, and the state registered with `Server::tools(state)`"),
        );
    }
    if in_impl {
        if let Some(syn::FnArg::Receiver(r)) = sig.inputs.first() {
            if !matches!(r.kind, syn::ReceiverKind::Reference(_, _, None)) {
                errors.spanned(r, format!("a {kind} method takes `&self` (state is shared between concurrent calls; use interior mutability)"));
            }
        } else {
            errors.spanned(
                &sig.ident,
                format!("a #[{kind}] method inside #[tools] must take `&self`"),
            );
        }
    }
}

/// Check a parsed `#[tool]` function. `in_impl` is true under `#[tools]`.
pub(crate) fn check_tool_fn(model: &FnModel, in_impl: bool, errors: &mut Errors) {
    check_handler_fn(model, "tool", errors);
    check_receiver(model, "tool", in_impl, errors);

    let wholes = model
        .params
        .iter()
        .filter(|p| matches!(p.kind, ParamKind::Whole { .. }))
        .count();
    if wholes > 0 {
        let args = model
            .params
            .iter()
            .filter(|p| !matches!(p.kind, ParamKind::Context));
        if args.count() > 1 {
            let p = model
                .params
                .iter()
                .find(|p| matches!(p.kind, ParamKind::Whole { .. }))
                .expect("counted");
            errors.spanned(&p.ty, "`Params<T>` takes the whole argument object, so it must be the only parameter besides the context");
        }
    }

    for p in &model.params {
        if !matches!(p.kind, ParamKind::Context) && borrows(&p.ty) {
            errors.spanned(&p.ty, "a #[tool] parameter can't borrow: it is decoded from the call's JSON arguments; take an owned type (`String` for `&str`, `Vec<T>` for `&[T]`)");
        }
    }
}

/// True when `ty` holds a reference or a non-`'static` lifetime (so it can't be decoded as owned).
fn borrows(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type_reference(&mut self, _: &'ast syn::TypeReference) {
            self.0 = true;
        }
        fn visit_lifetime(&mut self, l: &'ast syn::Lifetime) {
            self.0 |= l.ident != "static";
        }
    }
    let mut f = Finder(false);
    syn::visit::Visit::visit_type(&mut f, ty);
    f.0
}

/// Check a `#[resource]`: a URI is given, and the template's variables and the function's
/// parameters match one to one, by name. `in_impl` is true under `#[tools]`.
pub(crate) fn check_resource_fn(
    model: &FnModel,
    uri: Option<&LitStr>,
    in_impl: bool,
    errors: &mut Errors,
) {
    check_handler_fn(model, "resource", errors);
    check_receiver(model, "resource", in_impl, errors);
    let Some(uri) = uri else {
        errors.spanned(
            &model.sig.ident,
            "#[resource] needs a URI: `#[resource(uri = \"config://app\")]` or a template like `#[resource(uri = \"users://{id}/profile\")]`",
        );
        return;
    };
    let value = uri.value();
    // The rule the runtime applies at registration: what passes here can't fail there.
    let template = match toolsmith_rules::UriTemplate::parse(&value) {
        Ok(t) => t,
        Err(e) => {
            errors.spanned(uri, e.to_string());
            return;
        }
    };
    let vars: Vec<String> = template.variables().map(str::to_owned).collect();
    let mut params = Vec::new();
    for p in &model.params {
        match &p.kind {
            ParamKind::Context => {}
            ParamKind::Whole { .. } => errors.spanned(&p.ty, "`Params<T>` is for tools; a #[resource] takes its URI template variables as parameters"),
            ParamKind::Arg { ident, rename, .. } => {
                let name = rename.as_ref().map(|n| n.value()).unwrap_or_else(|| ident.to_string());
                if !vars.contains(&name) {
                    errors.spanned(
                        ident,
                        format!("`{name}` is not a variable of the URI template `{value}`; a #[resource] takes only template variables (and a `Context<'_>`)"),
                    );
                }
                params.push(name);
            }
        }
    }
    for v in &vars {
        if !params.contains(v) {
            errors.spanned(
                uri,
                format!("the URI template variable `{{{v}}}` has no parameter: add `{v}: String` (or any `FromStr` type) to the function"),
            );
        }
    }
}

/// Check a `#[prompt]`: a function whose parameters are the prompt's arguments. `in_impl` is true
/// under `#[tools]`.
pub(crate) fn check_prompt_fn(model: &FnModel, in_impl: bool, errors: &mut Errors) {
    check_handler_fn(model, "prompt", errors);
    check_receiver(model, "prompt", in_impl, errors);
    for p in &model.params {
        if let ParamKind::Whole { .. } = p.kind {
            errors.spanned(
                &p.ty,
                "`Params<T>` is for tools; a #[prompt] takes each argument as a parameter",
            );
        }
    }
}
