//! Resources: static URIs and URI templates, their definitions, and how return values become
//! contents.

mod def;
mod dynamic;
mod output;
mod template;

pub(crate) use def::ResourceKind;
pub use def::{
    IntoResource, ResourceDef, ResourceFn, ResourceMarker, ResourceMeta, ResourceMethod,
    ResourceRequest,
};
pub use output::{Blob, Json, ResourceOutput};
pub use template::{TemplateError, UriTemplate};
