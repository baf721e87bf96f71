//! The authorization server's metadata (RFC 8414, or OpenID Connect discovery), read once to
//! find its keys (`jwks_uri`) and introspection endpoint.

use serde_json::{Map, Value};

use super::fetch::Fetcher;

/// The metadata URLs to try for `issuer`, in order: RFC 8414 (the well-known path inserted
/// before the issuer's path), then OpenID Connect discovery (appended, and inserted).
pub(crate) fn discovery_urls(issuer: &str) -> Vec<String> {
    let issuer = issuer.trim_end_matches('/');
    let (origin, path) = match issuer.split_once("://") {
        Some((scheme, rest)) => match rest.find('/') {
            Some(i) => (format!("{scheme}://{}", &rest[..i]), &rest[i..]),
            None => (issuer.to_owned(), ""),
        },
        None => (issuer.to_owned(), ""),
    };
    let mut urls = vec![
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
        format!("{issuer}/.well-known/openid-configuration"),
    ];
    if !path.is_empty() {
        urls.push(format!("{origin}/.well-known/openid-configuration{path}"));
    }
    urls
}

/// The metadata of `issuer`: the first discovery URL that answers with a document whose
/// `issuer` is `issuer` (RFC 8414 §3.3: anything else is not to be used).
pub(crate) async fn discover(fetch: &Fetcher, issuer: &str) -> Result<Map<String, Value>, String> {
    let mut errors = Vec::new();
    for url in discovery_urls(issuer) {
        match fetch.get_json(&url).await {
            Ok(doc) => {
                let named = doc.get("issuer").and_then(Value::as_str);
                if named.map(|n| n.trim_end_matches('/')) == Some(issuer.trim_end_matches('/')) {
                    return Ok(doc);
                }
                errors.push(format!(
                    "`{url}` names the issuer {:?}, not `{issuer}`",
                    named.unwrap_or("(none)")
                ));
            }
            Err(e) => errors.push(e),
        }
    }
    Err(format!(
        "no metadata for the issuer `{issuer}`: {}",
        errors.join("; ")
    ))
}

/// The URL in field `field` of `doc`, or an error naming it.
pub(crate) fn url_field(
    doc: &Map<String, Value>,
    field: &str,
    issuer: &str,
) -> Result<String, String> {
    doc.get(field)
        .and_then(Value::as_str)
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map(str::to_owned)
        .ok_or_else(|| format!("the metadata of `{issuer}` has no `{field}` URL"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_inserts_and_appends() {
        assert_eq!(
            discovery_urls("https://as.example/"),
            [
                "https://as.example/.well-known/oauth-authorization-server",
                "https://as.example/.well-known/openid-configuration"
            ]
        );
        assert_eq!(
            discovery_urls("https://as.example/tenant1"),
            [
                "https://as.example/.well-known/oauth-authorization-server/tenant1",
                "https://as.example/tenant1/.well-known/openid-configuration",
                "https://as.example/.well-known/openid-configuration/tenant1"
            ]
        );
    }
}
