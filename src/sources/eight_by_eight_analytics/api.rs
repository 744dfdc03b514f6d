//! Requests to the token endpoint and the real-time API: the client-credentials grant,
//! bearer auth with `X-Tenant-Info`, and `page`/`size` paging through `X-Total-Pages`.
//!
//! The token request is a form POST with HTTP Basic `client_id:client_secret`, as 8x8
//! documents it: the shared client-credentials grant of `crate::oauth2`.

use std::collections::HashSet;

use super::config::Config;
use super::types::{self, Paging, Record};
use crate::http::{join, ParseError, PollContext, SourceError};
use crate::oauth2::ClientCredentials;
use crate::secret::Secret;

/// Endpoint label of the token request.
pub const TOKEN: &str = "token";
/// Endpoint label of `/queues`.
pub const QUEUES: &str = "queues";
/// Endpoint label of `/agents`.
pub const AGENTS: &str = "agents";

/// The API version used: v5, the current one, which has every metric read here
/// (`acceptedInSla.today` needs v3+).
pub const VERSION: &str = "v5";
/// Bound on the pages of one list read in one poll (a million records at 1,000 a page).
pub const MAX_PAGES: u64 = 1000;

const AUTH_HINT: &str =
    "check client_id and client_secret (an Admin Console API key with the \"analytics realtime-api\" product)";
const FORBIDDEN_HINT: &str =
    "the API key needs the \"analytics realtime-api\" product (8x8 Admin Console)";
const URL_HINT: &str = "check base_url and region";

/// A real-time API client for one source: its settings and its token.
pub struct Api {
    cfg: Config,
    tokens: ClientCredentials,
}

impl Api {
    /// A client for `cfg` (no token yet).
    pub fn new(cfg: Config) -> Self {
        let tokens = ClientCredentials::new(
            join(&cfg.base_url, "/oauth/v2/token"),
            cfg.client_id.clone(),
            cfg.client_secret.clone(),
            AUTH_HINT,
            URL_HINT,
        );
        Api { cfg, tokens }
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// `{base_url}{region}/analytics/cc/v5/realtime-metrics{path}`.
    pub fn metrics_url(&self, path: &str) -> String {
        join(
            &self.cfg.base_url,
            &format!(
                "{}/analytics/cc/{VERSION}/realtime-metrics{path}",
                self.cfg.region.path_prefix()
            ),
        )
    }

    /// A token good now (at most one token request a poll).
    async fn token(&mut self, ctx: &PollContext) -> Result<Secret, SourceError> {
        self.tokens.token(ctx, TOKEN).await
    }

    /// One GET of the real-time API with the token; a 401 drops the token.
    async fn get<T>(
        &mut self,
        ctx: &PollContext,
        endpoint: &'static str,
        url: &str,
        query: &[(&str, String)],
        parse: impl FnOnce(&reqwest::header::HeaderMap, &[u8]) -> Result<T, ParseError>,
    ) -> Result<T, SourceError> {
        let token = self.token(ctx).await?;
        let mut req = ctx
            .client()
            .get(url)
            .bearer_auth(token.expose())
            .header(reqwest::header::ACCEPT, "application/json")
            .query(query);
        if let Some(t) = &self.cfg.tenant {
            req = req.header("X-Tenant-Info", t.as_str());
        }
        match ctx.fetch_with_headers(endpoint, req, parse).await {
            Ok(v) => Ok(v),
            Err(e) => {
                if matches!(e, SourceError::Status { status: 401, .. }) {
                    // Revoked or expired early: the next poll asks for a new one.
                    self.tokens.invalidate();
                }
                Err(with_message(e))
            }
        }
    }

    /// Every page of a list endpoint: `page` from 0 while `X-Total-Pages` says there is
    /// more (without the header: while pages are full), never past the last page.
    /// Records are de-duplicated by id, the first kept, so a list that shifts between
    /// pages counts nothing twice.
    pub async fn pages<const N: usize>(
        &mut self,
        ctx: &PollContext,
        endpoint: &'static str,
        path: &str,
        keys: &'static [&'static str; N],
        extra: &[(&str, String)],
    ) -> Result<Vec<Record<N>>, SourceError> {
        let url = self.metrics_url(path);
        let size = self.cfg.page_size;
        let mut out: Vec<Record<N>> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut page = 0u64;
        loop {
            let mut query: Vec<(&str, String)> =
                keys.iter().map(|k| ("metrics", k.to_string())).collect();
            query.extend(extra.iter().cloned());
            query.push(("page", page.to_string()));
            query.push(("size", size.to_string()));
            let (records, paging) = self
                .get(ctx, endpoint, &url, &query, |h, body| {
                    Ok((types::parse_records(body, keys)?, Paging::from_headers(h)))
                })
                .await?;
            let got = records.len() as u64;
            ctx.records(endpoint, got);
            for r in records {
                let fresh = match r.id.as_ref().or(r.name.as_ref()) {
                    Some(k) => seen.insert(k.clone()),
                    None => true,
                };
                if fresh {
                    out.push(r);
                }
            }
            let more = match paging.total_pages {
                Some(total) => page + 1 < total,
                None => got >= size,
            };
            if !more || got == 0 {
                return Ok(out);
            }
            page += 1;
            if page >= MAX_PAGES {
                return Err(SourceError::Decode {
                    endpoint,
                    url,
                    detail: format!("more than {MAX_PAGES} pages of {size}; raise page_size"),
                });
            }
        }
    }
}

/// A 400 (or any non-success) whose body is 8x8's `{"message": ...}`: the message
/// alone, with a hint for the documented ones.
fn with_message(e: SourceError) -> SourceError {
    e.reword_status(|w| {
        let message = types::error_message(w.detail.as_bytes());
        if w.hint.is_none() {
            w.hint = match w.status {
                400 => message.as_deref().and_then(types::hint_for_message),
                401 => {
                    Some("the token was refused; a new one is requested at the next poll".into())
                }
                403 => Some(FORBIDDEN_HINT.to_string()),
                404 => Some(URL_HINT.to_string()),
                _ => None,
            };
        }
        if let Some(m) = message {
            w.detail = m;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendor::Entry;

    fn api(region: &str, base: Option<&str>) -> Api {
        let keys: super::super::config::Keys =
            serde_yaml_ng::from_str(&format!("client_id: k\nclient_secret: s\nregion: {region}"))
                .unwrap();
        let entry = Entry::new("eight_by_eight_analytics", base, Default::default());
        Api::new(Config::from_keys(keys, &entry).unwrap())
    }

    #[test]
    fn urls_per_region_keep_a_base_path() {
        assert_eq!(
            api("us", None).metrics_url("/queues"),
            "https://api.8x8.com/analytics/cc/v5/realtime-metrics/queues"
        );
        assert_eq!(
            api("eu", None).metrics_url("/agents"),
            "https://api.8x8.com/eu/analytics/cc/v5/realtime-metrics/agents"
        );
        assert_eq!(
            api("ca", Some("http://127.0.0.1:9/mock/")).metrics_url("/queues"),
            "http://127.0.0.1:9/mock/ca/analytics/cc/v5/realtime-metrics/queues"
        );
    }

    #[test]
    fn error_bodies_become_their_message() {
        let e = with_message(SourceError::Status {
            endpoint: QUEUES,
            url: "u".into(),
            status: 400,
            detail:
                r#"{ "message": "Bad request: Field 'size' must be less than or equal to 1000" }"#
                    .into(),
            hint: None,
            retry_after: None,
            error_type: None,
        });
        assert_eq!(
            e.to_string(),
            "queues: HTTP 400 from u: Bad request: Field 'size' must be less than or equal to 1000"
        );
        let e = with_message(SourceError::Status {
            endpoint: QUEUES,
            url: "u".into(),
            status: 400,
            detail: r#"{"message": "Bad request: Invalid value for X-Tenant-Info header."}"#.into(),
            hint: None,
            retry_after: None,
            error_type: None,
        });
        assert!(e.to_string().ends_with(
            "Bad request: Invalid value for X-Tenant-Info header. (the API key serves several tenants: set tenant to the tenant id)"
        ), "{e}");
        let e = with_message(SourceError::Status {
            endpoint: QUEUES,
            url: "u".into(),
            status: 502,
            detail: "<html>bad gateway</html>".into(),
            hint: None,
            retry_after: None,
            error_type: None,
        });
        assert_eq!(
            e.to_string(),
            "queues: HTTP 502 from u: <html>bad gateway</html>"
        );
    }
}
