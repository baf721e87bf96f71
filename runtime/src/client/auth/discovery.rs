//! Finding the authorization server: protected resource metadata (RFC 9728), then the
//! authorization server's metadata (RFC 8414, OpenID Connect Discovery), with the locations
//! and checks the MCP authorization spec lists.

use reqwest::Url;
use serde::Deserialize;

use super::challenge::Challenge;
use super::fetch::get_json;

/// Protected resource metadata (the fields the client uses).
#[derive(Debug, Clone, Deserialize)]
pub(super) struct ResourceMetadata {
    pub resource: Option<String>,
    #[serde(default)]
    pub authorization_servers: Vec<String>,
    pub scopes_supported: Option<Vec<String>>,
}

/// Authorization server metadata (the fields the client uses).
#[derive(Debug, Clone, Deserialize)]
pub(super) struct ServerMetadata {
    pub issuer: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: String,
    pub registration_endpoint: Option<String>,
    pub scopes_supported: Option<Vec<String>>,
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    pub code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    pub client_id_metadata_document_supported: bool,
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}

/// Where to get tokens for the server, and for which resource.
#[derive(Debug, Clone)]
pub(super) struct Discovered {
    /// The `resource` parameter: the resource identifier exactly as the metadata publishes it
    /// (the server URL when there is no metadata).
    pub resource: String,
    /// The resource's `scopes_supported`.
    pub scopes_supported: Option<Vec<String>>,
    /// The issuer the authorization server metadata was looked up for (and checked against).
    pub issuer: String,
    pub server: ServerMetadata,
}

/// The origin of `url` as `scheme://host[:port]`, without a trailing slash.
fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// `url`'s path without its trailing slashes (`""` for the root).
fn trimmed_path(url: &Url) -> &str {
    url.path().trim_end_matches('/')
}

/// Where to look for the protected resource metadata of `server`, in order: the challenge's
/// `resource_metadata`, the path-suffixed well-known location, the root one.
pub(super) fn resource_metadata_urls(server: &Url, challenge: &Challenge) -> Vec<Url> {
    let mut urls = Vec::new();
    if let Some(u) = challenge
        .resource_metadata
        .as_deref()
        .and_then(|u| Url::parse(u).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
    {
        urls.push(u);
    }
    let base = origin(server);
    let path = trimmed_path(server);
    let mut well_known = Vec::new();
    if !path.is_empty() {
        well_known.push(format!("{base}/.well-known/oauth-protected-resource{path}"));
    }
    well_known.push(format!("{base}/.well-known/oauth-protected-resource"));
    for u in well_known.iter().filter_map(|u| Url::parse(u).ok()) {
        if !urls.contains(&u) {
            urls.push(u);
        }
    }
    urls
}

/// Where to look for the metadata of the authorization server `issuer`, in the order of the
/// MCP spec: with a path, RFC 8414 path insertion, then OpenID path insertion, then OpenID
/// path appending; without one, RFC 8414 then OpenID.
pub(super) fn server_metadata_urls(issuer: &Url) -> Vec<Url> {
    let base = origin(issuer);
    let path = trimmed_path(issuer);
    let candidates = if path.is_empty() {
        vec![
            format!("{base}/.well-known/oauth-authorization-server"),
            format!("{base}/.well-known/openid-configuration"),
        ]
    } else {
        vec![
            format!("{base}/.well-known/oauth-authorization-server{path}"),
            format!("{base}/.well-known/openid-configuration{path}"),
            format!("{base}{path}/.well-known/openid-configuration"),
        ]
    };
    candidates
        .iter()
        .filter_map(|u| Url::parse(u).ok())
        .collect()
}

/// True when `resource` (from the metadata) identifies `server`: the same origin, and the
/// server's path is the resource's path or below it.
pub(super) fn resource_matches(server: &Url, resource: &str) -> bool {
    let Ok(resource) = Url::parse(resource) else {
        return false;
    };
    if resource.origin() != server.origin() || resource.fragment().is_some() {
        return false;
    }
    let want = trimmed_path(&resource);
    let have = trimmed_path(server);
    have == want || (have.starts_with(want) && have[want.len()..].starts_with('/'))
}

/// True for an HTTPS URL, or an HTTP one on a loopback host (a local development server):
/// authorization codes, secrets and tokens travel to these endpoints.
pub(super) fn secure_endpoint(url: &str) -> bool {
    let Ok(url) = Url::parse(url) else {
        return false;
    };
    match url.scheme() {
        "https" => true,
        "http" => {
            let host = url.host_str().unwrap_or_default();
            host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        _ => false,
    }
}

/// Refuse an authorization server whose endpoints are not [secure](secure_endpoint).
fn check_endpoints(m: &ServerMetadata) -> Result<(), String> {
    let endpoints = [
        m.authorization_endpoint.as_deref(),
        Some(m.token_endpoint.as_str()),
        m.registration_endpoint.as_deref(),
    ];
    match endpoints.into_iter().flatten().find(|e| !secure_endpoint(e)) {
        Some(e) => Err(format!(
            "the authorization server {} has the endpoint `{e}`, which is neither HTTPS nor on              this machine; not sending credentials there",
            m.issuer
        )),
        None => Ok(()),
    }
}

/// Find the protected resource metadata and the authorization server of `server`.
pub(super) async fn discover(
    http: &reqwest::Client,
    server: &Url,
    challenge: &Challenge,
) -> Result<Discovered, String> {
    let mut found = None;
    for url in resource_metadata_urls(server, challenge) {
        if let Some(m) =
            get_json::<ResourceMetadata>(http, "protected resource metadata", &url).await?
        {
            found = Some((url, m));
            break;
        }
    }
    let Some((url, metadata)) = found else {
        // No protected resource metadata (the 2025-03-26 revision): the authorization server
        // is at the MCP server's origin.
        tracing::debug!(%server, "no protected resource metadata; using the server's origin");
        return legacy(http, server).await;
    };
    let resource = match metadata.resource {
        Some(r) if resource_matches(server, &r) => r,
        Some(r) => {
            return Err(format!(
                "the protected resource metadata at {url} is for `{r}`, not for {server}; not \
                 logging in to it"
            ))
        }
        None => server.as_str().to_owned(),
    };
    let Some(issuer) = metadata.authorization_servers.first().cloned() else {
        return Err(format!(
            "the protected resource metadata at {url} names no authorization server"
        ));
    };
    let issuer_url = Url::parse(&issuer)
        .map_err(|e| format!("the authorization server `{issuer}` is not a valid URL: {e}"))?;
    let server_metadata = server_metadata(http, &issuer, &issuer_url)
        .await?
        .ok_or_else(|| format!("no authorization server metadata found for {issuer}"))?;
    check_endpoints(&server_metadata)?;
    Ok(Discovered {
        resource,
        scopes_supported: metadata.scopes_supported,
        issuer,
        server: server_metadata,
    })
}

/// The metadata of `issuer` from the first location that has it, checked to be `issuer`'s.
async fn server_metadata(
    http: &reqwest::Client,
    issuer: &str,
    issuer_url: &Url,
) -> Result<Option<ServerMetadata>, String> {
    for url in server_metadata_urls(issuer_url) {
        let Some(m) =
            get_json::<ServerMetadata>(http, "authorization server metadata", &url).await?
        else {
            continue;
        };
        if m.issuer != issuer {
            return Err(format!(
                "the authorization server metadata at {url} is for issuer `{}`, not `{issuer}`; \
                 not using it",
                m.issuer
            ));
        }
        return Ok(Some(m));
    }
    Ok(None)
}

/// Without protected resource metadata (2025-03-26): the authorization server is the MCP
/// server's origin, with its metadata there (whose `issuer` that revision does not constrain:
/// the server is trusted for its own origin) or, without that, the default endpoints
/// `/authorize`, `/token` and `/register` there, which that revision requires to support PKCE.
async fn legacy(http: &reqwest::Client, server: &Url) -> Result<Discovered, String> {
    let base = origin(server);
    let base_url = Url::parse(&base).map_err(|e| format!("bad origin {base}: {e}"))?;
    let mut found = None;
    for url in server_metadata_urls(&base_url) {
        if let Some(m) =
            get_json::<ServerMetadata>(http, "authorization server metadata", &url).await?
        {
            found = Some(m);
            break;
        }
    }
    let issuer = found.as_ref().map_or(base.clone(), |m| m.issuer.clone());
    let metadata = match found {
        Some(m) => m,
        None => ServerMetadata {
            issuer: base.clone(),
            authorization_endpoint: Some(format!("{base}/authorize")),
            token_endpoint: format!("{base}/token"),
            registration_endpoint: Some(format!("{base}/register")),
            scopes_supported: None,
            token_endpoint_auth_methods_supported: None,
            code_challenge_methods_supported: Some(vec!["S256".into()]),
            client_id_metadata_document_supported: false,
            authorization_response_iss_parameter_supported: false,
        },
    };
    check_endpoints(&metadata)?;
    Ok(Discovered {
        resource: server.as_str().to_owned(),
        scopes_supported: None,
        issuer,
        server: metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    fn strings(urls: Vec<Url>) -> Vec<String> {
        urls.into_iter().map(String::from).collect()
    }

    #[test]
    fn resource_metadata_is_looked_for_in_the_spec_order() {
        let header = Challenge {
            resource_metadata: Some("https://mcp.example/custom/prm.json".into()),
            ..Challenge::default()
        };
        assert_eq!(
            strings(resource_metadata_urls(
                &url("https://mcp.example/api/mcp"),
                &header
            )),
            [
                "https://mcp.example/custom/prm.json",
                "https://mcp.example/.well-known/oauth-protected-resource/api/mcp",
                "https://mcp.example/.well-known/oauth-protected-resource",
            ]
        );
        assert_eq!(
            strings(resource_metadata_urls(
                &url("https://mcp.example/"),
                &Challenge::default()
            )),
            ["https://mcp.example/.well-known/oauth-protected-resource"]
        );
    }

    #[test]
    fn server_metadata_locations_follow_the_issuer_path() {
        assert_eq!(
            strings(server_metadata_urls(&url("https://auth.example/tenant1"))),
            [
                "https://auth.example/.well-known/oauth-authorization-server/tenant1",
                "https://auth.example/.well-known/openid-configuration/tenant1",
                "https://auth.example/tenant1/.well-known/openid-configuration",
            ]
        );
        assert_eq!(
            strings(server_metadata_urls(&url("https://auth.example:8443"))),
            [
                "https://auth.example:8443/.well-known/oauth-authorization-server",
                "https://auth.example:8443/.well-known/openid-configuration",
            ]
        );
    }

    #[test]
    fn credentials_go_to_https_or_this_machine_only() {
        assert!(secure_endpoint("https://as.example/token"));
        assert!(secure_endpoint("http://localhost:8080/token"));
        assert!(secure_endpoint("http://127.0.0.1/token"));
        assert!(secure_endpoint("http://[::1]:9/token"));
        assert!(!secure_endpoint("http://as.example/token"));
        assert!(!secure_endpoint("http://10.0.0.1/token"));
        assert!(!secure_endpoint("ftp://as.example/token"));
        assert!(!secure_endpoint("not a url"));
    }

    #[test]
    fn a_resource_matches_its_server_and_paths_below_it() {
        let server = url("http://localhost:3000/mcp");
        assert!(resource_matches(&server, "http://localhost:3000/mcp"));
        assert!(resource_matches(&server, "http://localhost:3000"));
        assert!(resource_matches(&server, "http://localhost:3000/"));
        assert!(!resource_matches(&server, "https://evil.example.com/mcp"));
        assert!(!resource_matches(&server, "http://localhost:3001/mcp"));
        assert!(!resource_matches(&server, "http://localhost:3000/mc"));
        assert!(!resource_matches(
            &server,
            "http://localhost:3000/mcp/deeper"
        ));
        assert!(!resource_matches(&server, "not a url"));
    }
}
