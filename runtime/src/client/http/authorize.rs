//! The bearer token on HTTP messages and, with an OAuth login (feature `auth`), sending a
//! request again after logging in when the server answers `401` or `403 insufficient_scope`.
//! The token goes only to the server's URL: redirects are not followed.

use reqwest::RequestBuilder;

use super::{describe, failure, HttpTransport};
use crate::client::connection::TransportFailure;

impl HttpTransport {
    /// `builder` with the current access token, if any.
    pub(super) fn with_token(&self, builder: RequestBuilder) -> RequestBuilder {
        #[cfg(feature = "auth")]
        if let Some(token) = self.options.auth.as_ref().and_then(|a| a.bearer()) {
            return builder.bearer_auth(token);
        }
        builder
    }

    /// Send what `make` builds. With a login, an authorization challenge is answered by
    /// logging in and sending again, at most
    /// [`MAX_AUTHORIZATIONS`](crate::client::auth::MAX_AUTHORIZATIONS) times.
    pub(super) async fn send_authorized(
        &self,
        make: impl Fn() -> RequestBuilder,
    ) -> Result<reqwest::Response, TransportFailure> {
        #[cfg(feature = "auth")]
        if let Some(auth) = &self.options.auth {
            return self.send_with_login(auth, make).await;
        }
        self.send_once(make()).await
    }

    async fn send_once(
        &self,
        builder: RequestBuilder,
    ) -> Result<reqwest::Response, TransportFailure> {
        builder.send().await.map_err(|e| {
            failure(
                None,
                format!("could not reach {}: {}", self.url, describe(&e)),
            )
        })
    }

    #[cfg(feature = "auth")]
    async fn send_with_login(
        &self,
        auth: &crate::client::auth::OAuth,
        make: impl Fn() -> RequestBuilder,
    ) -> Result<reqwest::Response, TransportFailure> {
        use crate::client::auth::MAX_AUTHORIZATIONS;
        use reqwest::header::WWW_AUTHENTICATE;
        use reqwest::StatusCode;

        auth.refresh_if_expiring().await;
        let mut logins = 0;
        loop {
            let sent = auth.bearer();
            let builder = match &sent {
                Some(token) => make().bearer_auth(token),
                None => make(),
            };
            let response = self.send_once(builder).await?;
            let status = response.status();
            if status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN {
                return Ok(response);
            }
            let challenges: Vec<String> = response
                .headers()
                .get_all(WWW_AUTHENTICATE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(str::to_owned)
                .collect();
            if logins == MAX_AUTHORIZATIONS {
                return Err(failure(
                    Some(status),
                    format!(
                        "the server still refused the request ({status}) after \
                         {MAX_AUTHORIZATIONS} authorizations; giving up"
                    ),
                ));
            }
            let values: Vec<&str> = challenges.iter().map(String::as_str).collect();
            match auth
                .challenged(status.as_u16(), &values, sent.as_deref())
                .await
            {
                Ok(true) => logins += 1,
                // Not an authorization challenge: the caller reads the answer.
                Ok(false) => return Ok(response),
                Err(reason) => {
                    return Err(failure(
                        Some(status),
                        format!("the server requires authorization ({status}), and logging in failed: {reason}"),
                    ))
                }
            }
        }
    }
}
