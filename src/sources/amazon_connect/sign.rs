//! Credentials and SigV4: the source's AWS credentials (static keys, or the standard
//! chain from `aws-config`, optionally through an STS `AssumeRole`), cached until a few
//! minutes before they expire, and the signing of each Connect request with
//! `aws-sigv4` (service `connect`, the configured region).
//!
//! The chain's own calls (STS, the ECS and EC2 metadata endpoints) go through
//! `aws-smithy-http-client` on rustls with `ring`, the crypto provider the rest of the
//! binary uses; the Connect requests themselves stay on the source's reqwest client, so
//! that the body cap, outcome counting, `Retry-After`, `proxy_url` and `ca_file` apply.

use std::time::{Duration, SystemTime};

use aws_config::BehaviorVersion;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;

use super::config::{Config, CredentialSource};
use crate::http::SourceError;

/// The SigV4 service name of the Connect API.
pub const SERVICE: &str = "connect";
/// Temporary credentials are renewed this long before they expire.
pub const REFRESH_BEFORE: Duration = Duration::from_secs(300);
/// How long resolving credentials (a chain walk, an STS call) may take.
pub const RESOLVE_TIMEOUT: Duration = Duration::from_secs(30);
/// The session name of an assumed role (shown in CloudTrail).
pub const SESSION_NAME: &str = "contact-center-exporter";

fn static_keys(id: &str, secret: &crate::secret::Secret) -> Credentials {
    Credentials::new(id, secret.expose(), None, None, "config")
}

/// An error and its sources, `: `-separated (the chain says which provider failed
/// and why only in the sources).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        src = s.source();
    }
    out
}

/// The credentials of one source and their cache.
pub struct Signer {
    region: String,
    source: CredentialSource,
    role_arn: Option<String>,
    provider: Option<SharedCredentialsProvider>,
    cached: Option<Credentials>,
}

impl Signer {
    /// A signer for `cfg` (nothing is resolved until the first request).
    pub fn new(cfg: &Config) -> Self {
        Signer {
            region: cfg.region.clone(),
            source: cfg.credentials.clone(),
            role_arn: cfg.role_arn.clone(),
            provider: None,
            cached: None,
        }
    }

    /// The provider, built on first use: static keys, or the default chain (which reads
    /// the environment when it resolves, not when it is built), wrapped in an
    /// `AssumeRole` when `role_arn` is set.
    async fn provider(&mut self) -> Result<SharedCredentialsProvider, SourceError> {
        if let Some(p) = &self.provider {
            return Ok(p.clone());
        }
        if let (
            CredentialSource::Static {
                access_key_id,
                secret_access_key,
            },
            None,
        ) = (&self.source, &self.role_arn)
        {
            let p = SharedCredentialsProvider::new(static_keys(access_key_id, secret_access_key));
            self.provider = Some(p.clone());
            return Ok(p);
        }
        let region = aws_config::Region::new(self.region.clone());
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(region.clone())
            .http_client(http);
        match &self.source {
            CredentialSource::Static {
                access_key_id,
                secret_access_key,
            } => {
                loader = loader.credentials_provider(static_keys(access_key_id, secret_access_key));
            }
            CredentialSource::Chain { profile: Some(p) } => loader = loader.profile_name(p),
            CredentialSource::Chain { profile: None } => {}
        }
        let sdk = loader.load().await;
        let base = sdk.credentials_provider();
        let provider = match (&self.role_arn, base) {
            (Some(arn), _) => SharedCredentialsProvider::new(
                aws_config::sts::AssumeRoleProvider::builder(arn)
                    .session_name(SESSION_NAME)
                    .region(region)
                    .configure(&sdk)
                    .build()
                    .await,
            ),
            (None, Some(p)) => p,
            (None, None) => {
                return Err(SourceError::Credentials(
                    "the AWS credential chain is not available".into(),
                ))
            }
        };
        self.provider = Some(provider.clone());
        Ok(provider)
    }

    /// Credentials good at `now`: the cached ones, or freshly resolved ones when none
    /// are cached or they expire within [`REFRESH_BEFORE`].
    pub async fn credentials(&mut self, now: SystemTime) -> Result<Credentials, SourceError> {
        if let Some(c) = &self.cached {
            match c.expiry() {
                None => return Ok(c.clone()),
                Some(exp) if exp > now + REFRESH_BEFORE => return Ok(c.clone()),
                Some(_) => {}
            }
        }
        let provider = self.provider().await?;
        let resolved = tokio::time::timeout(RESOLVE_TIMEOUT, provider.provide_credentials())
            .await
            .map_err(|_| {
                SourceError::Credentials(format!(
                    "resolving AWS credentials took longer than {}s",
                    RESOLVE_TIMEOUT.as_secs()
                ))
            })?
            .map_err(|e| {
                SourceError::Credentials(format!(
                    "cannot resolve AWS credentials: {}",
                    error_chain(&e)
                ))
            })?;
        self.cached = Some(resolved.clone());
        Ok(resolved)
    }

    /// Forgets the cached credentials (after a 403 that says they are invalid or
    /// expired): the next request resolves them again.
    pub fn invalidate(&mut self) {
        self.cached = None;
    }

    /// Signs `req` (its URL, method, `Content-Type` and body) for `connect` in the
    /// source's region at `time`, adding `X-Amz-Date`, `Authorization` and, for
    /// temporary credentials, `X-Amz-Security-Token`.
    pub fn sign(
        &self,
        creds: &Credentials,
        req: &mut reqwest::Request,
        time: SystemTime,
    ) -> Result<(), SourceError> {
        let fail = |what: &str, e: &dyn std::fmt::Display| {
            SourceError::Credentials(format!("cannot sign the request ({what}): {e}"))
        };
        let identity = creds.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(SERVICE)
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| fail("parameters", &e))?
            .into();
        let headers: Vec<(&str, &str)> = req
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
            .collect();
        let body = req.body().and_then(|b| b.as_bytes()).unwrap_or(&[]);
        let signable = SignableRequest::new(
            req.method().as_str(),
            req.url().as_str(),
            headers.into_iter(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| fail("request", &e))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| fail("signature", &e))?
            .into_parts();
        let (headers, _) = instructions.into_parts();
        let mut out = Vec::with_capacity(headers.len());
        for h in headers {
            let name = reqwest::header::HeaderName::from_static(h.name());
            let mut value = reqwest::header::HeaderValue::from_str(h.value())
                .map_err(|e| fail("header", &e))?;
            value.set_sensitive(h.sensitive());
            out.push((name, value));
        }
        for (name, value) in out {
            req.headers_mut().insert(name, value);
        }
        Ok(())
    }
}
