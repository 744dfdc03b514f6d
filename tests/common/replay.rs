//! Replays a vendor's documented example payloads: a route table in
//! `tests/fixtures/<vendor>/golden.yml` says which fixture answers which request. It
//! knows no vendor format; what is vendor-specific (paths, parameters, files, dates) is
//! data in that file, so the golden test (tests/golden.rs) is one loop over the
//! registry.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::{MockResponse, Recorded};

/// `tests/fixtures/<vendor>/golden.yml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenCase {
    /// The poll time (RFC 3339): the day the examples are dated.
    pub now: chrono::DateTime<chrono::Utc>,
    /// How many polls, a minute apart (later polls must add nothing).
    pub polls: u32,
    /// The vendor keys of the source (a relative `*_file` is in the fixture folder).
    pub keys: serde_yaml_ng::Mapping,
    /// Literal replacements in every body (to put the examples on one day).
    #[serde(default)]
    pub replace: Vec<(String, String)>,
    /// The routes, first match wins; a request no route matches gets 404.
    pub routes: Vec<Route>,
}

/// One route of the table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// HTTP method.
    pub method: String,
    /// Path below the base URL.
    pub path: String,
    /// Parameters that must be present with these values (query, form body, or a JSON
    /// body's top-level string members).
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// Fixture file answering it.
    #[serde(default)]
    pub file: Option<String>,
    /// Or the body itself.
    #[serde(default)]
    pub body: Option<String>,
    /// Offset/limit paging of the JSON array at `list`: `[list, offset param, limit param]`.
    #[serde(default)]
    pub paged: Option<(String, String, String)>,
    /// Response headers (paging headers such as `X-Total-Pages`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

impl GoldenCase {
    /// Reads `dir/golden.yml`.
    pub fn load(dir: &Path) -> GoldenCase {
        let path = dir.join("golden.yml");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (every vendor needs one)", path.display()));
        serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The source's vendor keys as YAML lines of a `sources:` entry, relative files
    /// made absolute.
    pub fn keys_yaml(&self, dir: &Path) -> String {
        let mut out = String::new();
        for (k, v) in &self.keys {
            let key = k.as_str().expect("string keys");
            let value = match v {
                serde_yaml_ng::Value::String(s) if key.ends_with("_file") => {
                    dir.join(s).display().to_string()
                }
                other => serde_yaml_ng::to_string(other).unwrap().trim().to_string(),
            };
            out.push_str(&format!("    {key}: {value}\n"));
        }
        out
    }

    /// A mock handler answering the routes from the files in `dir`.
    pub fn handler(&self, dir: &Path) -> impl Fn(&Recorded) -> MockResponse + Send + Sync {
        let routes = self.routes.clone();
        let replace = self.replace.clone();
        let dir: PathBuf = dir.to_path_buf();
        move |r: &Recorded| {
            // A form body's fields, or a JSON object body's top-level strings.
            let form: Vec<(String, String)> =
                match serde_json::from_slice::<serde_json::Map<String, Value>>(&r.body) {
                    Ok(obj) => obj
                        .into_iter()
                        .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
                        .collect(),
                    Err(_) => url::form_urlencoded::parse(&r.body).into_owned().collect(),
                };
            let param = |k: &str| {
                r.param(k)
                    .map(str::to_string)
                    .or_else(|| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
            };
            let Some(route) = routes.iter().find(|rt| {
                rt.method == r.method
                    && rt.path == r.path
                    && rt
                        .params
                        .iter()
                        .all(|(k, v)| param(k).as_deref() == Some(v.as_str()))
            }) else {
                return MockResponse::status(404, "no route");
            };
            let mut body = match (&route.file, &route.body) {
                (Some(f), _) => std::fs::read_to_string(dir.join(f))
                    .unwrap_or_else(|e| panic!("fixture {f}: {e}")),
                (None, Some(b)) => b.clone(),
                (None, None) => String::new(),
            };
            for (from, to) in &replace {
                body = body.replace(from, to);
            }
            if let Some((list, offset, limit)) = &route.paged {
                body = page(&body, list, param(offset), param(limit));
            }
            let content_type = if body.trim_start().starts_with('<') {
                "application/xml"
            } else {
                "application/json"
            };
            let mut resp = MockResponse::status(200, body);
            resp.headers
                .push(("content-type".into(), content_type.into()));
            resp.headers
                .extend(route.headers.iter().map(|(k, v)| (k.clone(), v.clone())));
            resp
        }
    }
}

/// The part of the JSON array at `list` from `offset`, at most `limit` long.
fn page(body: &str, list: &str, offset: Option<String>, limit: Option<String>) -> String {
    let mut doc: Value = serde_json::from_str(body).expect("paged fixture is JSON");
    let offset: usize = offset.and_then(|v| v.parse().ok()).unwrap_or(0);
    let limit: usize = limit.and_then(|v| v.parse().ok()).unwrap_or(usize::MAX);
    if let Some(Value::Array(items)) = doc.get_mut(list) {
        *items = items.iter().skip(offset).take(limit).cloned().collect();
    }
    doc.to_string()
}
