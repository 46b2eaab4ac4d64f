//! A target's `ssh:` or `telnet:` settings.

use std::collections::BTreeMap;

use serde_saphyr::{Location, Spanned};

use super::super::raw::{RawSnmp, RawSsh};
use super::super::*;
use super::Validator;

impl Validator {
    /// `ssh:` or `telnet:` (the same keys; Telnet has no keys or host keys).
    pub(super) fn cli(
        &mut self,
        field: &str,
        own: &Spanned<RawSsh>,
        auths: &BTreeMap<String, Spanned<RawSnmp>>,
        transport: CliTransport,
    ) -> Option<CliSettings> {
        let before = self.problems.len();
        let s = &own.value;
        let at = own.referenced;
        let block = s.auth.as_ref().and_then(|a| match auths.get(&a.value) {
            Some(b) => Some(&b.value),
            None => {
                self.problem(
                    a.referenced,
                    format!("{field}.auth"),
                    format!("no auth block named '{}'", a.value),
                );
                None
            }
        });
        let platform = match &s.platform {
            None => {
                self.problem(
                    at,
                    format!("{field}.platform"),
                    "missing field (cisco_ios, cisco_nxos, huawei_vrp, juniper_junos, mikrotik_routeros)",
                );
                None
            }
            Some(p) => {
                let found = crate::collector::cli::parse::Platform::from_name(p.value.trim());
                if found.is_none() {
                    self.problem(
                        p.referenced,
                        format!("{field}.platform"),
                        format!(
                            "'{}' is not one of cisco_ios, cisco_nxos, huawei_vrp, juniper_junos, mikrotik_routeros",
                            p.value
                        ),
                    );
                }
                found
            }
        };
        let username = match s.username.as_ref().or(block.and_then(|b| b.username.as_ref())) {
            Some(u) => self.expand(&format!("{field}.username"), u).unwrap_or_default(),
            None => {
                self.problem(at, format!("{field}.username"), "missing field");
                String::new()
            }
        };
        let (pw, pw_file) = if s.password.is_some() || s.password_file.is_some() {
            (s.password.as_ref(), s.password_file.as_ref())
        } else {
            (
                block.and_then(|b| b.password.as_ref()),
                block.and_then(|b| b.password_file.as_ref()),
            )
        };
        let password = self.secret(field, "password", pw, pw_file, at);
        let passphrase = self.secret(
            field,
            "passphrase",
            s.passphrase.as_ref(),
            s.passphrase_file.as_ref(),
            at,
        );
        let key_file = s.key_file.as_ref().map(|k| PathBuf::from(&k.value));
        if let (Some(k), Some(path)) = (&s.key_file, &key_file) {
            if !path.is_file() {
                self.problem(
                    k.referenced,
                    format!("{field}.key_file"),
                    format!("{} is not a readable file", path.display()),
                );
            }
        }
        if transport == CliTransport::Telnet {
            let ssh_only: [(&str, Option<Location>); 6] = [
                ("key_file", s.key_file.as_ref().map(|v| v.referenced)),
                ("passphrase", s.passphrase.as_ref().map(|v| v.referenced)),
                ("passphrase_file", s.passphrase_file.as_ref().map(|v| v.referenced)),
                ("known_hosts", s.known_hosts.as_ref().map(|v| v.referenced)),
                (
                    "insecure_ignore_host_key",
                    s.insecure_ignore_host_key.as_ref().map(|v| v.referenced),
                ),
                ("legacy_algorithms", s.legacy_algorithms.as_ref().map(|v| v.referenced)),
            ];
            for (key, at) in ssh_only {
                if let Some(at) = at {
                    self.problem(
                        at,
                        format!("{field}.{key}"),
                        "an SSH setting; Telnet has no keys or host keys",
                    );
                }
            }
            if password.is_none() {
                self.problem(
                    at,
                    format!("{field}.password"),
                    "give a password (password or password_file)",
                );
            }
        } else if password.is_none() && key_file.is_none() {
            self.problem(
                at,
                format!("{field}.password"),
                "give a password (password or password_file) or a key_file",
            );
        }
        let insecure = s.insecure_ignore_host_key.as_ref().is_some_and(|b| b.value);
        let known_hosts = s.known_hosts.as_ref().map(|k| PathBuf::from(&k.value));
        if transport == CliTransport::Ssh && known_hosts.is_none() && !insecure {
            self.problem(
                at,
                format!("{field}.known_hosts"),
                "host keys are verified: set known_hosts, or insecure_ignore_host_key: true to opt out",
            );
        }
        let port = match &s.port {
            Some(p) => self.range(&format!("{field}.port"), p, 1, 65535).unwrap_or(0) as u16,
            None if transport == CliTransport::Telnet => defaults::TELNET_PORT,
            None => defaults::SSH_PORT,
        };
        let timeout = match &s.timeout {
            Some(d) => self
                .duration(&format!("{field}.timeout"), d, Duration::from_millis(100))
                .unwrap_or_default(),
            None => defaults::SSH_TIMEOUT,
        };
        let idle_timeout = match &s.idle_timeout {
            Some(d) => self
                .duration(&format!("{field}.idle_timeout"), d, Duration::from_secs(1))
                .unwrap_or_default(),
            None => defaults::SSH_IDLE_TIMEOUT,
        };
        if self.problems.len() > before {
            return None;
        }
        Some(CliSettings {
            transport,
            platform: platform?,
            port,
            username,
            password,
            key_file,
            passphrase,
            known_hosts: if insecure { None } else { known_hosts },
            legacy_algorithms: s.legacy_algorithms.as_ref().is_some_and(|b| b.value),
            timeout,
            idle_timeout,
        })
    }
}
