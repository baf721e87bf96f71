//! `#[derive(Elicit)]`: marks a struct as an elicitation form (or an enum as a form's choice list)
//! and checks at compile time that it is flat, as the spec requires: every field a string,
//! number, integer, boolean, enum of unit variants, a `Vec` of such an enum (multi-select), or an
//! `Option` of these. A field of another type is an error at that field's type.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

use super::wrapper::private_path;
use crate::errors::Errors;
use crate::parse::{crate_path, CratePath};

/// `#[elicit(crate = "..")]` on the type, for crates that re-export Toolsmith.
fn elicit_crate(input: &DeriveInput, errors: &mut Errors) -> Option<CratePath> {
    let mut krate = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("elicit")) {
        let result = attr.parse_nested_meta(|meta| {
            if !meta.path.is_ident("crate") {
                return Err(
                    meta.error("unknown #[elicit] option; the only one is `crate = \"..\"`")
                );
            }
            if krate.is_some() {
                return Err(meta.error("this option is given twice"));
            }
            krate = Some(crate_path(&meta)?);
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    krate
}

pub(crate) fn derive_elicit(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    if !input.generics.params.is_empty() {
        errors.spanned(
            &input.generics,
            "#[derive(Elicit)] does not support generic types",
        );
    }
    let p = private_path(elicit_crate(&input, &mut errors).as_ref());
    let ident = &input.ident;
    let body = match &input.data {
        Data::Struct(s) => {
            let Fields::Named(fields) = &s.fields else {
                errors.spanned(
                    &s.fields,
                    "an elicitation form is a struct with named fields",
                );
                return errors.finish().unwrap_err().to_compile_error();
            };
            let checks = fields.named.iter().map(|f| {
                let ty = &f.ty;
                quote_spanned! {ty.span()=> #p::assert_elicit_field::<#ty>(); }
            });
            quote! {
                impl #p::ElicitForm for #ident {}
                const _: () = {
                    #[allow(dead_code)]
                    fn __check_fields() { #(#checks)* }
                };
            }
        }
        Data::Enum(e) => {
            for v in &e.variants {
                if !matches!(v.fields, Fields::Unit) {
                    errors.spanned(
                        v,
                        "an elicitation choice list is an enum of unit variants (each variant one option)",
                    );
                }
            }
            quote! {
                impl #p::ElicitField for #ident {}
                impl #p::ElicitChoice for #ident {}
            }
        }
        Data::Union(u) => {
            errors.spanned(
                u.union_token,
                "#[derive(Elicit)] goes on a struct (a form) or an enum (a choice list)",
            );
            quote!()
        }
    };
    match errors.finish() {
        Ok(()) => body,
        Err(e) => e.to_compile_error(),
    }
}
