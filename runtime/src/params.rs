/// Take a tool's whole argument object as one type: `async fn f(Params(args): Params<MyArgs>)`.
///
/// `T` derives `Deserialize` and `JsonSchema`, and its schema (an object) becomes the tool's
/// input schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Params<T>(pub T);
