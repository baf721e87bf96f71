//! DNS-rebinding protection: `Host` and `Origin` checked against allow-lists.

use http::HeaderMap;

/// The host part of a `Host` header or an origin's authority (port and brackets removed).
fn host_of(authority: &str) -> &str {
    let authority = authority.trim();
    if let Some(rest) = authority.strip_prefix('[') {
        // [::1]:8080
        return rest.split(']').next().unwrap_or(rest);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// Which hosts and origins may reach the server.
#[derive(Debug, Clone, Default)]
pub(crate) struct Guard {
    /// Allowed host names (no port); `None` disables the check.
    pub hosts: Option<Vec<String>>,
    /// Allowed origins as `scheme://host` (any port); `None` disables the check.
    pub origins: Option<Vec<String>>,
}

/// Why a request was refused.
#[derive(Debug, PartialEq)]
pub(crate) enum Refusal {
    Host(String),
    Origin(String),
}

impl Guard {
    /// Loopback only: `localhost`, `127.0.0.1`, `[::1]`, over http or https, any port.
    pub(crate) fn loopback() -> Self {
        let hosts = ["localhost", "127.0.0.1", "::1"];
        Guard {
            hosts: Some(hosts.iter().map(|h| h.to_string()).collect()),
            origins: Some(
                hosts
                    .iter()
                    .flat_map(|h| {
                        let h = if h.contains(':') {
                            format!("[{h}]")
                        } else {
                            h.to_string()
                        };
                        [format!("http://{h}"), format!("https://{h}")]
                    })
                    .collect(),
            ),
        }
    }

    pub(crate) fn check(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        if let Some(hosts) = &self.hosts {
            let host = headers
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("");
            let name = host_of(host);
            if !hosts.iter().any(|h| h.eq_ignore_ascii_case(name)) {
                return Err(Refusal::Host(host.to_owned()));
            }
        }
        if let (Some(origins), Some(origin)) = (&self.origins, headers.get(http::header::ORIGIN)) {
            let origin = origin.to_str().unwrap_or("");
            let ok = origin.split_once("://").is_some_and(|(scheme, authority)| {
                let host = host_of(authority.trim_end_matches('/'));
                let bracketed = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host.to_owned()
                };
                let candidate = format!(
                    "{}://{}",
                    scheme.to_ascii_lowercase(),
                    bracketed.to_ascii_lowercase()
                );
                origins.iter().any(|o| o.eq_ignore_ascii_case(&candidate))
            });
            if !ok {
                return Err(Refusal::Origin(origin.to_owned()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn loopback_guard() {
        let g = Guard::loopback();
        assert!(g.check(&headers(&[("host", "127.0.0.1:8080")])).is_ok());
        assert!(g.check(&headers(&[("host", "localhost")])).is_ok());
        assert!(g.check(&headers(&[("host", "[::1]:9")])).is_ok());
        assert!(g
            .check(&headers(&[
                ("host", "localhost:1"),
                ("origin", "http://localhost:3000")
            ]))
            .is_ok());
        assert_eq!(
            g.check(&headers(&[("host", "evil.example:80")])),
            Err(Refusal::Host("evil.example:80".into()))
        );
        assert_eq!(
            g.check(&headers(&[
                ("host", "127.0.0.1"),
                ("origin", "https://evil.example")
            ])),
            Err(Refusal::Origin("https://evil.example".into()))
        );
        assert!(g.check(&headers(&[])).is_err());
        assert!(Guard::default()
            .check(&headers(&[("host", "anything")]))
            .is_ok());
    }
}
