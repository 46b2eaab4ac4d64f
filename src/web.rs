//! `--web.config.file`: TLS and basic authentication, in the file format of
//! the Prometheus exporter-toolkit, so one file serves netgauge and every
//! other exporter on the host.
//!
//! ```yaml
//! tls_server_config:
//!   cert_file: server.crt
//!   key_file: server.key
//!   client_auth_type: RequireAndVerifyClientCert   # optional
//!   client_ca_file: ca.crt
//!   min_version: TLS12
//! basic_auth_users:
//!   prometheus: $2y$10$...        # bcrypt hash
//! http_server_config:
//!   headers: {Strict-Transport-Security: max-age=31536000}
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine;
use hyper::header::{HeaderName, HeaderValue};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebConfig {
    tls_server_config: Option<RawTls>,
    #[serde(default)]
    basic_auth_users: BTreeMap<String, String>,
    http_server_config: Option<RawHttp>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    cert_file: Option<String>,
    key_file: Option<String>,
    client_auth_type: Option<String>,
    client_ca_file: Option<String>,
    min_version: Option<String>,
    max_version: Option<String>,
    /// Accepted for compatibility; rustls chooses from its own safe set.
    #[serde(default)]
    cipher_suites: Vec<String>,
    #[serde(default)]
    curve_preferences: Vec<String>,
    prefer_server_cipher_suites: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    http2: Option<bool>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

/// The web configuration in effect. The default is plain HTTP, no auth.
#[derive(Default, Clone)]
pub struct WebConfig {
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    auth: Option<Arc<BasicAuth>>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

#[derive(Debug, thiserror::Error)]
pub enum WebConfigError {
    #[error("{}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}:{line}:{column}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: u64,
        column: u64,
        message: String,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

impl WebConfig {
    pub fn load(path: &Path) -> Result<WebConfig, WebConfigError> {
        let invalid = |message: String| WebConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|source| WebConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let raw: RawWebConfig = match serde_saphyr::from_str::<Option<RawWebConfig>>(&text) {
            Ok(r) => r.unwrap_or_default(),
            Err(e) => {
                let e = e.without_snippet();
                let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((0, 0));
                return Err(WebConfigError::Parse {
                    path: path.to_path_buf(),
                    line,
                    column,
                    message: e.render_with_options(
                        serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off },
                    ),
                });
            }
        };
        let base = path.parent().unwrap_or(Path::new(""));
        let tls = match raw.tls_server_config {
            Some(t) => Some(tls_acceptor(&t, base).map_err(invalid)?),
            None => None,
        };
        for (user, hash) in &raw.basic_auth_users {
            if hash.parse::<bcrypt::HashParts>().is_err() {
                return Err(invalid(format!(
                    "basic_auth_users.{user}: not a bcrypt hash (generate one with `htpasswd -nBC 10 {user}`)"
                )));
            }
        }
        let auth = (!raw.basic_auth_users.is_empty()).then(|| {
            Arc::new(BasicAuth {
                users: raw.basic_auth_users.into_iter().collect(),
                verified: Mutex::new(HashMap::new()),
            })
        });
        let mut headers = Vec::new();
        if let Some(h) = raw.http_server_config {
            if h.http2 == Some(true) {
                tracing::warn!("http_server_config.http2 is accepted but netgauge serves HTTP/1.1 only");
            }
            for (k, v) in h.headers {
                let name = HeaderName::try_from(k.as_str())
                    .map_err(|e| invalid(format!("http_server_config.headers.{k}: {e}")))?;
                let value = HeaderValue::try_from(v.as_str())
                    .map_err(|e| invalid(format!("http_server_config.headers.{k}: {e}")))?;
                headers.push((name, value));
            }
        }
        Ok(WebConfig { tls, auth, headers })
    }

    /// Checks an `Authorization` header. `true` when no users are configured.
    pub fn authorized(&self, header: Option<&HeaderValue>) -> bool {
        match &self.auth {
            None => true,
            Some(a) => header.and_then(|h| h.to_str().ok()).is_some_and(|h| a.check(h)),
        }
    }

    pub fn requires_auth(&self) -> bool {
        self.auth.is_some()
    }
}

fn tls_acceptor(t: &RawTls, base: &Path) -> Result<tokio_rustls::TlsAcceptor, String> {
    let file = |p: &Option<String>, key: &str| -> Result<PathBuf, String> {
        let p = p
            .as_ref()
            .ok_or_else(|| format!("tls_server_config.{key} is required"))?;
        Ok(base.join(p))
    };
    let cert_path = file(&t.cert_file, "cert_file")?;
    let key_path = file(&t.key_file, "key_file")?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .and_then(|i| i.collect::<Result<_, _>>())
        .map_err(|e| format!("tls_server_config.cert_file {}: {e}", cert_path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "tls_server_config.cert_file {}: no certificate in it",
            cert_path.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .map_err(|e| format!("tls_server_config.key_file {}: {e}", key_path.display()))?;

    let version =
        |v: &Option<String>, key: &str| -> Result<Option<&'static rustls::SupportedProtocolVersion>, String> {
            match v.as_deref() {
                None => Ok(None),
                Some("TLS12") => Ok(Some(&rustls::version::TLS12)),
                Some("TLS13") => Ok(Some(&rustls::version::TLS13)),
                Some(o) => Err(format!(
                    "tls_server_config.{key}: '{o}' is not supported (TLS12 or TLS13)"
                )),
            }
        };
    let min = version(&t.min_version, "min_version")?;
    let max = version(&t.max_version, "max_version")?;
    let mut versions: Vec<&'static rustls::SupportedProtocolVersion> =
        vec![&rustls::version::TLS12, &rustls::version::TLS13];
    if min.is_some_and(|m| m.version == rustls::ProtocolVersion::TLSv1_3) {
        versions.retain(|v| v.version == rustls::ProtocolVersion::TLSv1_3);
    }
    if max.is_some_and(|m| m.version == rustls::ProtocolVersion::TLSv1_2) {
        versions.retain(|v| v.version == rustls::ProtocolVersion::TLSv1_2);
    }
    if versions.is_empty() {
        return Err("tls_server_config: min_version is above max_version".into());
    }
    if !t.cipher_suites.is_empty() || !t.curve_preferences.is_empty() || t.prefer_server_cipher_suites.is_some() {
        tracing::warn!("tls_server_config: cipher_suites, curve_preferences and prefer_server_cipher_suites are ignored; rustls uses its own safe defaults");
    }

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| format!("tls_server_config: {e}"))?;
    let client_auth = t.client_auth_type.as_deref().unwrap_or("NoClientCert");
    let builder = match client_auth {
        "NoClientCert" | "" => builder.with_no_client_auth(),
        "RequireAndVerifyClientCert" | "VerifyClientCertIfGiven" => {
            let ca_path = file(&t.client_ca_file, "client_ca_file")?;
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_file_iter(&ca_path).map_err(|e| format!("tls_server_config.client_ca_file {}: {e}", ca_path.display()))? {
                let c = c.map_err(|e| format!("tls_server_config.client_ca_file {}: {e}", ca_path.display()))?;
                roots.add(c).map_err(|e| format!("tls_server_config.client_ca_file {}: {e}", ca_path.display()))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if client_auth == "VerifyClientCertIfGiven" { verifier.allow_unauthenticated() } else { verifier };
            builder.with_client_cert_verifier(verifier.build().map_err(|e| format!("tls_server_config.client_ca_file: {e}"))?)
        }
        other => {
            return Err(format!(
                "tls_server_config.client_auth_type: '{other}' is not supported (NoClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert)"
            ))
        }
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| format!("tls_server_config: certificate and key do not match: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

struct BasicAuth {
    users: HashMap<String, String>,
    /// bcrypt is slow on purpose; a scrape every 15 s must not pay for it
    /// each time. Caches (user, hash, password) triples that verified, as
    /// the exporter-toolkit does.
    verified: Mutex<HashMap<(String, String), String>>,
}

/// A valid bcrypt hash to compare against for unknown users, so the answer
/// takes as long as for known ones.
const DUMMY_HASH: &str = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

impl BasicAuth {
    fn check(&self, header: &str) -> bool {
        let Some(encoded) = header.strip_prefix("Basic ") else {
            return false;
        };
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
            return false;
        };
        let Ok(decoded) = String::from_utf8(decoded) else {
            return false;
        };
        let Some((user, pass)) = decoded.split_once(':') else {
            return false;
        };
        let Some(hash) = self.users.get(user) else {
            let _ = bcrypt::verify(pass, DUMMY_HASH);
            return false;
        };
        let key = (user.to_owned(), pass.to_owned());
        if let Ok(cache) = self.verified.lock() {
            if cache.get(&key) == Some(hash) {
                return true;
            }
        }
        let ok = bcrypt::verify(pass, hash).unwrap_or(false);
        if ok {
            if let Ok(mut cache) = self.verified.lock() {
                cache.insert(key, hash.clone());
            }
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn basic_auth_accepts_the_right_password_only() {
        let dir = tempfile::tempdir().unwrap();
        let hash = bcrypt::hash("s3cret", 4).unwrap();
        let p = write(dir.path(), "web.yml", &format!("basic_auth_users:\n  prom: '{hash}'\n"));
        let w = WebConfig::load(&p).unwrap();
        let header = |u: &str, p: &str| {
            HeaderValue::try_from(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            ))
            .unwrap()
        };
        assert!(w.authorized(Some(&header("prom", "s3cret"))));
        assert!(w.authorized(Some(&header("prom", "s3cret"))), "cached path");
        assert!(!w.authorized(Some(&header("prom", "wrong"))));
        assert!(!w.authorized(Some(&header("other", "s3cret"))));
        assert!(!w.authorized(None));
        assert!(!w.authorized(Some(&HeaderValue::from_static("Bearer x"))));
        assert!(DUMMY_HASH.parse::<bcrypt::HashParts>().is_ok());
    }

    #[test]
    fn rejects_bad_files_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let e = WebConfig::load(&write(dir.path(), "a.yml", "basic_auth_users:\n  u: plain\n"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("basic_auth_users.u: not a bcrypt hash"), "{e}");
        let e = WebConfig::load(&write(
            dir.path(),
            "b.yml",
            "tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n",
        ))
        .err()
        .unwrap()
        .to_string();
        assert!(
            e.contains("tls_server_config.cert_file") && e.contains("nope.crt"),
            "{e}"
        );
        let e = WebConfig::load(&write(dir.path(), "c.yml", "tls_server_confg: {}\n"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("c.yml:1:1") && e.contains("unknown field"), "{e}");
    }
}
