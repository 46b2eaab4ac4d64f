//! A target's SNMP settings: defaults, then the named auth block, then the
//! target's own keys, checked for the version they end up with.

use std::collections::BTreeMap;

use serde_saphyr::{Location, Spanned};

use super::super::raw::RawSnmp;
use super::super::*;
use super::Validator;

impl Validator {
    /// Effective SNMP settings: defaults ⊕ the named auth block ⊕ the target's own keys.
    pub(super) fn snmp(
        &mut self,
        field: &str,
        own: Option<&Spanned<RawSnmp>>,
        defaults_in: Option<(&std::path::Path, &Spanned<RawSnmp>)>,
        auths: &BTreeMap<String, Spanned<RawSnmp>>,
    ) -> Option<SnmpSettings> {
        let defaults = defaults_in.map(|(_, d)| d);
        let anchor = own.or(defaults).map(|s| s.referenced)?;
        let auth_ref = own
            .and_then(|o| o.value.auth.clone())
            .or_else(|| defaults.and_then(|d| d.value.auth.clone()));
        let mut merged = defaults.map(|d| d.value.clone()).unwrap_or_default();
        if let Some(name) = &auth_ref {
            if self.bad_auths.contains(&name.value) {
                return None;
            }
            match auths.get(&name.value) {
                Some(block) => overlay(&mut merged, &block.value),
                // Reported, then validation goes on without it to find further problems.
                None => {
                    let known: Vec<&str> = auths.keys().map(String::as_str).collect();
                    self.problem(
                        name.referenced,
                        format!("{field}.auth"),
                        format!(
                            "no auth block named '{}' (known: {})",
                            name.value,
                            if known.is_empty() {
                                "none".into()
                            } else {
                                known.join(", ")
                            }
                        ),
                    );
                }
            }
        }
        if let Some(o) = own {
            overlay(&mut merged, &o.value);
        }
        let (before, warned) = (self.problems.len(), self.warnings.len());
        let settings = self.snmp_settings(field, anchor, &merged);
        if let Some((file, d)) = defaults_in {
            attribute_to_defaults(&mut self.problems, before, field, file, &d.value);
            attribute_to_defaults(&mut self.warnings, warned, field, file, &d.value);
        }
        settings
    }
}

/// Problems with a key a target inherited from `defaults.snmp` are the
/// defaults' problems: named `defaults.snmp.KEY` in the defaults' file,
/// and said once, not once per target. `list[from..]` are this target's.
fn attribute_to_defaults(
    list: &mut Vec<Problem>,
    from: usize,
    field: &str,
    file: &std::path::Path,
    defaults: &RawSnmp,
) {
    let keys = all_keys(defaults);
    let mut found = list.split_off(from);
    for p in &mut found {
        let inherited = keys
            .iter()
            .find(|(k, at)| at.line() == p.line && at.column() == p.column && p.field == format!("{field}.{k}"));
        if let Some((k, _)) = inherited {
            p.field = format!("defaults.snmp.{k}");
            p.file = file.to_path_buf();
        }
    }
    for p in found {
        let seen = list.iter().any(|q| {
            q.file == p.file && q.line == p.line && q.column == p.column && q.field == p.field && q.message == p.message
        });
        if !seen {
            list.push(p);
        }
    }
}

impl Validator {
    pub(super) fn snmp_settings(&mut self, field: &str, anchor: Location, s: &RawSnmp) -> Option<SnmpSettings> {
        let before = self.problems.len();
        let version = match &s.version {
            None if s.username.is_some() => SnmpVersion::V3,
            None => SnmpVersion::V2c,
            Some(v) => match v.value.0.trim().to_ascii_lowercase().as_str() {
                "1" | "v1" => SnmpVersion::V1,
                "2" | "2c" | "v2c" => SnmpVersion::V2c,
                "3" | "v3" => SnmpVersion::V3,
                other => {
                    self.problem(
                        v.referenced,
                        format!("{field}.version"),
                        format!("'{other}' is not an SNMP version (1, 2c or 3)"),
                    );
                    SnmpVersion::V2c
                }
            },
        };
        let credentials = match version {
            SnmpVersion::V1 | SnmpVersion::V2c => {
                for (key, at) in v3_keys(s) {
                    self.problem(
                        at,
                        format!("{field}.{key}"),
                        format!("only meaningful with version 3 (this target uses version {version})"),
                    );
                }
                let community = self
                    .secret(
                        field,
                        "community",
                        s.community.as_ref(),
                        s.community_file.as_ref(),
                        anchor,
                    )
                    .unwrap_or_else(|| Secret::new("public"));
                if version == SnmpVersion::V1 {
                    SnmpCredentials::V1 { community }
                } else {
                    SnmpCredentials::V2c { community }
                }
            }
            SnmpVersion::V3 => {
                if let Some(c) = s.community.as_ref().or(s.community_file.as_ref()) {
                    self.problem(
                        c.referenced,
                        format!("{field}.community"),
                        "communities are for versions 1 and 2c; version 3 uses username/password",
                    );
                }
                let username = match &s.username {
                    Some(u) => self.expand(&format!("{field}.username"), u).unwrap_or_default(),
                    None => {
                        self.problem(
                            anchor,
                            format!("{field}.username"),
                            "missing field (required for version 3)",
                        );
                        String::new()
                    }
                };
                let auth_password =
                    self.secret(field, "password", s.password.as_ref(), s.password_file.as_ref(), anchor);
                let priv_password = self.secret(
                    field,
                    "priv_password",
                    s.priv_password.as_ref(),
                    s.priv_password_file.as_ref(),
                    anchor,
                );
                let level = match &s.security_level {
                    Some(l) => match l.value.to_ascii_lowercase().as_str() {
                        "noauthnopriv" => SecurityLevel::NoAuthNoPriv,
                        "authnopriv" => SecurityLevel::AuthNoPriv,
                        "authpriv" => SecurityLevel::AuthPriv,
                        other => {
                            self.problem(
                                l.referenced,
                                format!("{field}.security_level"),
                                format!("'{other}' is not one of noAuthNoPriv, authNoPriv, authPriv"),
                            );
                            SecurityLevel::NoAuthNoPriv
                        }
                    },
                    None if priv_password.is_some() => SecurityLevel::AuthPriv,
                    None if auth_password.is_some() => SecurityLevel::AuthNoPriv,
                    None => SecurityLevel::NoAuthNoPriv,
                };
                let at = s.security_level.as_ref().map_or(anchor, |l| l.referenced);
                // A password that was given but could not be read is already
                // reported: saying it is missing too would be noise.
                let given = |a: &Option<Spanned<String>>, b: &Option<Spanned<String>>| a.is_some() || b.is_some();
                if level != SecurityLevel::NoAuthNoPriv
                    && auth_password.is_none()
                    && !given(&s.password, &s.password_file)
                {
                    self.problem(
                        at,
                        format!("{field}.password"),
                        "security level needs an auth password (password or password_file)",
                    );
                }
                if level == SecurityLevel::AuthPriv
                    && priv_password.is_none()
                    && !given(&s.priv_password, &s.priv_password_file)
                {
                    self.problem(
                        at,
                        format!("{field}.priv_password"),
                        "authPriv needs a privacy password (priv_password or priv_password_file)",
                    );
                }
                for (pw, key) in [(&auth_password, "password"), (&priv_password, "priv_password")] {
                    if let Some(p) = pw {
                        if level != SecurityLevel::NoAuthNoPriv && p.expose().len() < 8 {
                            self.problem(
                                at,
                                format!("{field}.{key}"),
                                "SNMPv3 passwords must be at least 8 characters (RFC 3414)",
                            );
                        }
                    }
                }
                let auth_protocol = match &s.auth_protocol {
                    None => AuthProtocol::Md5,
                    Some(p) => match p.value.to_ascii_uppercase().replace('-', "").as_str() {
                        "MD5" => AuthProtocol::Md5,
                        "SHA" | "SHA1" => AuthProtocol::Sha,
                        "SHA224" => AuthProtocol::Sha224,
                        "SHA256" => AuthProtocol::Sha256,
                        "SHA384" => AuthProtocol::Sha384,
                        "SHA512" => AuthProtocol::Sha512,
                        other => {
                            self.problem(
                                p.referenced,
                                format!("{field}.auth_protocol"),
                                format!("'{other}' is not one of MD5, SHA, SHA224, SHA256, SHA384, SHA512"),
                            );
                            AuthProtocol::Md5
                        }
                    },
                };
                let priv_protocol = match &s.priv_protocol {
                    None => PrivProtocol::Des,
                    Some(p) => match p.value.to_ascii_uppercase().replace('-', "").as_str() {
                        "DES" => PrivProtocol::Des,
                        "AES" | "AES128" => PrivProtocol::Aes,
                        "AES192" => PrivProtocol::Aes192,
                        "AES256" => PrivProtocol::Aes256,
                        "AES192C" => PrivProtocol::Aes192C,
                        "AES256C" => PrivProtocol::Aes256C,
                        other => {
                            self.problem(
                                p.referenced,
                                format!("{field}.priv_protocol"),
                                format!("'{other}' is not one of DES, AES, AES192, AES256, AES192C, AES256C"),
                            );
                            PrivProtocol::Des
                        }
                    },
                };
                let context_name = match &s.context_name {
                    Some(c) => self.expand(&format!("{field}.context_name"), c).unwrap_or_default(),
                    None => String::new(),
                };
                SnmpCredentials::V3(V3Credentials {
                    username,
                    level,
                    auth_protocol,
                    auth_password: auth_password.unwrap_or_default(),
                    priv_protocol,
                    priv_password: priv_password.unwrap_or_default(),
                    context_name,
                })
            }
        };
        let port = match &s.port {
            Some(p) => self.range(&format!("{field}.port"), p, 1, 65535).unwrap_or(0) as u16,
            None => defaults::SNMP_PORT,
        };
        let timeout = match &s.timeout {
            Some(d) => {
                let t = self
                    .duration(&format!("{field}.timeout"), d, Duration::from_millis(10))
                    .unwrap_or_default();
                if t >= self.scrape_timeout {
                    self.warning(
                        d.referenced,
                        format!("{field}.timeout"),
                        format!(
                            "{} per request is not less than global.scrape_timeout ({}): the scrape \
                             deadline ends every request first and retries never happen",
                            humantime::format_duration(t),
                            humantime::format_duration(self.scrape_timeout)
                        ),
                    );
                }
                t
            }
            None => defaults::SNMP_TIMEOUT,
        };
        let retries = match &s.retries {
            Some(n) => self.range(&format!("{field}.retries"), n, 0, 10).unwrap_or(0) as u32,
            None => defaults::SNMP_RETRIES,
        };
        let max_repetitions = match &s.max_repetitions {
            Some(n) => self.range(&format!("{field}.max_repetitions"), n, 1, 500).unwrap_or(1) as u32,
            None => defaults::SNMP_MAX_REPETITIONS,
        };
        let walk_concurrency = match &s.walk_concurrency {
            Some(n) => self.range(&format!("{field}.walk_concurrency"), n, 1, 64).unwrap_or(1) as usize,
            None => defaults::SNMP_WALK_CONCURRENCY,
        };
        let columns_per_request = match &s.columns_per_request {
            Some(n) => self
                .range(&format!("{field}.columns_per_request"), n, 1, 64)
                .unwrap_or(1) as usize,
            None => defaults::SNMP_COLUMNS_PER_REQUEST,
        };
        if self.problems.len() > before {
            return None;
        }
        Some(SnmpSettings {
            columns_per_request,
            allow_nonincreasing_oids: false,
            port,
            credentials,
            timeout,
            retries,
            max_repetitions,
            walk_concurrency,
        })
    }
}

/// Later `Some`s win, field by field.
pub(super) fn overlay(base: &mut RawSnmp, top: &RawSnmp) {
    macro_rules! take {
        ($($f:ident),*) => { $( if top.$f.is_some() { base.$f = top.$f.clone(); } )* };
    }
    take!(
        auth,
        version,
        community,
        community_file,
        security_level,
        username,
        password,
        password_file,
        auth_protocol,
        priv_protocol,
        priv_password,
        priv_password_file,
        context_name,
        port,
        timeout,
        retries,
        max_repetitions,
        walk_concurrency,
        columns_per_request
    );
    // An inline secret replaces a file from a lower layer and vice versa.
    macro_rules! exclusive {
        ($a:ident, $b:ident) => {
            if top.$a.is_some() && top.$b.is_none() {
                base.$b = None;
            }
            if top.$b.is_some() && top.$a.is_none() {
                base.$a = None;
            }
        };
    }
    exclusive!(community, community_file);
    exclusive!(password, password_file);
    exclusive!(priv_password, priv_password_file);
}

/// Every key set in `s`, with where its value is.
fn all_keys(s: &RawSnmp) -> Vec<(&'static str, Location)> {
    let mut out = transport_keys(s);
    out.extend(v3_keys(s));
    if let Some(v) = &s.version {
        out.push(("version", v.referenced));
    }
    for (k, v) in [
        ("community", &s.community),
        ("community_file", &s.community_file),
        ("auth", &s.auth),
    ] {
        if let Some(v) = v {
            out.push((k, v.referenced));
        }
    }
    out
}

pub(super) fn transport_keys(s: &RawSnmp) -> Vec<(&'static str, Location)> {
    let mut out = Vec::new();
    if let Some(v) = &s.port {
        out.push(("port", v.referenced));
    }
    if let Some(v) = &s.timeout {
        out.push(("timeout", v.referenced));
    }
    if let Some(v) = &s.retries {
        out.push(("retries", v.referenced));
    }
    if let Some(v) = &s.max_repetitions {
        out.push(("max_repetitions", v.referenced));
    }
    if let Some(v) = &s.walk_concurrency {
        out.push(("walk_concurrency", v.referenced));
    }
    if let Some(v) = &s.columns_per_request {
        out.push(("columns_per_request", v.referenced));
    }
    out
}

pub(super) fn v3_keys(s: &RawSnmp) -> Vec<(&'static str, Location)> {
    let mut out = Vec::new();
    let keys: [(&'static str, &Option<Spanned<String>>); 9] = [
        ("security_level", &s.security_level),
        ("username", &s.username),
        ("password", &s.password),
        ("password_file", &s.password_file),
        ("auth_protocol", &s.auth_protocol),
        ("priv_protocol", &s.priv_protocol),
        ("priv_password", &s.priv_password),
        ("priv_password_file", &s.priv_password_file),
        ("context_name", &s.context_name),
    ];
    for (k, v) in keys {
        if let Some(v) = v {
            out.push((k, v.referenced));
        }
    }
    out
}
