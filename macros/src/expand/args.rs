use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Type};

/// One input argument of a tool.
pub(crate) struct ArgField<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub description: Option<&'a LitStr>,
    /// `#[arg(name = "..")]`.
    pub rename: Option<&'a LitStr>,
    /// An `Option`: absent means `None`, and the schema lists it with `"default": null`.
    pub optional: bool,
}

/// The argument struct of a tool and its `ToolArgs` impl: a `match` on the argument names that
/// decodes each through `__private::arg::<T>`, and one `ArgsSchema::arg::<T>` call per argument.
/// What serde's and schemars' derives would do, with the generic work in the runtime, once per
/// argument type (`runtime/src/tool/args.rs`). Each call that needs `T: Deserialize` or
/// `T: JsonSchema` is spanned at the argument's type, so a type without them is reported there.
pub(crate) fn args_struct(ident: &Ident, fields: &[ArgField<'_>], p: &TokenStream) -> TokenStream {
    let mut defs = Vec::new();
    let mut slots = Vec::new();
    let mut arms = Vec::new();
    let mut finish = Vec::new();
    let mut describe = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let (name, ty) = (f.ident, f.ty);
        let span = ty.span();
        let key = match f.rename {
            Some(r) => r.value(),
            None => name.unraw().to_string(),
        };
        let slot = format_ident!("__arg{}", i);
        defs.push(quote_spanned!(span=> #name: #ty));
        slots.push(quote! {
            let mut #slot: ::core::option::Option<#ty> = ::core::option::Option::None;
        });
        arms.push(quote_spanned! {span=>
            #key => #slot = ::core::option::Option::Some(
                #p::arg::<#ty>(::core::option::Option::Some(__value), #key)?
            ),
        });
        finish.push(if f.optional {
            quote!(#name: ::core::option::Option::unwrap_or_default(#slot))
        } else {
            quote_spanned! {span=>
                #name: match #slot {
                    ::core::option::Option::Some(__v) => __v,
                    ::core::option::Option::None => #p::arg::<#ty>(::core::option::Option::None, #key)?,
                }
            }
        });
        let description = match f.description {
            Some(d) => quote!(::core::option::Option::Some(#d)),
            None => quote!(::core::option::Option::None),
        };
        let (default, optional) = if f.optional {
            (
                quote! {{
                    #[allow(unused_imports)]
                    use #p::{NoDefault as _, SerializedDefault as _};
                    (&#p::NullDefault::<#ty>::new()).default_value()
                }},
                quote!(true),
            )
        } else {
            (quote!(::core::option::Option::None), quote!(false))
        };
        describe.push(quote_spanned! {span=>
            __schema.arg::<#ty>(#key, #description, #default, #optional);
        });
    }
    let decode_loop = if fields.is_empty() {
        quote!(let _ = __args;)
    } else {
        quote! {
            for (__key, __value) in __args {
                match __key.as_str() {
                    #(#arms)*
                    _ => {}
                }
            }
        }
    };
    quote! {
        #[allow(non_camel_case_types)]
        struct #ident { #(#defs,)* }

        impl #p::ToolArgs for #ident {
            fn decode(
                __args: #p::Map<::std::string::String, #p::Value>,
            ) -> ::core::result::Result<Self, ::std::string::String> {
                #(#slots)*
                #decode_loop
                ::core::result::Result::Ok(Self { #(#finish,)* })
            }

            fn describe(__schema: &mut #p::ArgsSchema<'_>) {
                #(#describe)*
            }
        }
    }
}
