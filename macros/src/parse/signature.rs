use syn::{FnArg, GenericArgument, Ident, LitStr, Pat, PathArguments, ReturnType, Signature, Type};

use super::attr::parse_arg_attrs;
use crate::errors::Errors;

/// What a parameter is, decided by its type (never its name).
pub(crate) enum ParamKind {
    /// `Context<'_>`: injected per request.
    Context,
    /// An input property named after the parameter.
    Arg {
        ident: Ident,
        description: Option<LitStr>,
        /// The wire name from `#[arg(name = "..")]`.
        rename: Option<LitStr>,
        optional: bool,
    },
    /// `Params<T>`: the whole argument object decoded as `T`.
    Whole { inner: Box<Type> },
}

pub(crate) struct Param {
    pub kind: ParamKind,
    pub ty: Type,
}

/// How the return value becomes a result.
pub(crate) enum ReturnKind {
    /// `Result<T, E>` (any path ending in `Result`).
    Result(Type),
    /// Anything else (`()` when omitted).
    Plain(Type),
}

/// A `#[tool]` function, as parsed.
pub(crate) struct FnModel {
    /// The signature with `#[arg]` attributes removed.
    pub sig: Signature,
    pub params: Vec<Param>,
    pub has_receiver: bool,
    pub ret: ReturnKind,
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        Type::Group(g) => last_segment(&g.elem),
        Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

/// `Context`, `Context<'_>`, `toolsmith::Context<'_>`: recognised by the type's last segment.
/// `&Context<'_>` counts too, so that validation can say to take it by value.
pub(crate) fn is_context(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => is_context(&r.elem),
        _ => last_segment(ty).is_some_and(|s| s.ident == "Context"),
    }
}

/// The `T` of `Params<T>`.
fn params_inner(ty: &Type) -> Option<&Type> {
    let seg = last_segment(ty).filter(|s| s.ident == "Params")?;
    match &seg.arguments {
        PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

fn is_option(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "Option")
}

/// The `T` of `Option<T>`.
pub(crate) fn option_inner(ty: &Type) -> Option<&Type> {
    let seg = last_segment(ty).filter(|s| s.ident == "Option")?;
    match &seg.arguments {
        PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

/// True when `ty` mentions `Context` anywhere (used to reject returning it).
pub(crate) fn mentions_context(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_path_segment(&mut self, s: &'ast syn::PathSegment) {
            if s.ident == "Context" {
                self.0 = true;
            }
            syn::visit::visit_path_segment(self, s);
        }
    }
    let mut f = Finder(false);
    syn::visit::Visit::visit_type(&mut f, ty);
    f.0
}

/// Parse a function signature into the model, removing the inert `#[arg]` attributes.
pub(crate) fn parse_signature(sig: &Signature, errors: &mut Errors) -> FnModel {
    let mut sig = sig.clone();
    let mut params = Vec::new();
    let mut has_receiver = false;
    for input in sig.inputs.iter_mut() {
        match input {
            FnArg::Receiver(_) => has_receiver = true,
            FnArg::Typed(pt) => {
                let arg = parse_arg_attrs(&mut pt.attrs, errors);
                let ty = (*pt.ty).clone();
                let kind = if is_context(&ty) {
                    if let Some(d) = &arg.description {
                        errors.spanned(
                            d,
                            "the context is not an input: it takes no #[arg] description",
                        );
                    }
                    ParamKind::Context
                } else if let Some(inner) = params_inner(&ty) {
                    ParamKind::Whole {
                        inner: Box::new(inner.clone()),
                    }
                } else {
                    match &*pt.pat {
                        Pat::Ident(pi) if pi.subpat.is_none() => ParamKind::Arg {
                            ident: pi.ident.clone(),
                            description: arg.description,
                            rename: arg.name,
                            optional: is_option(&ty),
                        },
                        other => {
                            errors.spanned(
                                other,
                                "a #[tool] parameter must be a plain name (`text: String`); destructure inside the body, or take the whole input as `Params(args): Params<MyArgs>`",
                            );
                            continue;
                        }
                    }
                };
                params.push(Param { kind, ty });
            }
        }
    }
    let ret = match &sig.output {
        ReturnType::Default => ReturnKind::Plain(syn::parse_quote!(())),
        ReturnType::Type(_, ty) => {
            if last_segment(ty).is_some_and(|s| s.ident == "Result") {
                ReturnKind::Result((**ty).clone())
            } else {
                ReturnKind::Plain((**ty).clone())
            }
        }
    };
    FnModel {
        sig,
        params,
        has_receiver,
        ret,
    }
}
