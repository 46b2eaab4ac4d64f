//! Unit tests of config loading: inheritance, secrets, defaults.

use std::path::Path;
use std::time::Duration;

use super::validate::expand_env;
use super::*;

fn load(yaml: &str) -> Config {
    Config::from_yaml(Path::new("t.yml"), yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn errors(yaml: &str) -> String {
    Config::from_yaml(Path::new("t.yml"), yaml)
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

#[test]
fn empty_file_is_an_empty_config() {
    assert!(load("").targets.is_empty());
    assert_eq!(load("").global, Global::default());
}

#[test]
fn defaults_then_auth_block_then_target_keys() {
    let c = load(
        "auths:\n  ro: {community: from-auth}\n\
         defaults:\n  snmp: {auth: ro, timeout: 5s, retries: 4}\n\
         targets:\n  - {name: a, address: h1}\n  - {name: b, address: h2, snmp: {retries: 0, community: own}}\n",
    );
    let a = c.target("a").unwrap().snmp.as_ref().unwrap();
    assert!(matches!(&a.credentials, SnmpCredentials::V2c { community } if community.expose() == "from-auth"));
    assert_eq!((a.timeout, a.retries, a.port), (Duration::from_secs(5), 4, 161));
    let b = c.target("b").unwrap().snmp.as_ref().unwrap();
    assert!(matches!(&b.credentials, SnmpCredentials::V2c { community } if community.expose() == "own"));
    assert_eq!((b.timeout, b.retries), (Duration::from_secs(5), 0));
}

#[test]
fn v3_level_is_inferred_and_protocols_parsed() {
    let c = load(
        "targets:\n  - name: r\n    address: h\n    snmp: {username: u, password: aaaaaaaa, priv_password: bbbbbbbb, auth_protocol: sha-256, priv_protocol: AES256C}\n",
    );
    let SnmpCredentials::V3(v3) = &c.targets[0].snmp.as_ref().unwrap().credentials else {
        panic!("not v3")
    };
    assert_eq!(v3.level, SecurityLevel::AuthPriv);
    assert_eq!(v3.auth_protocol, AuthProtocol::Sha256);
    assert_eq!(v3.priv_protocol, PrivProtocol::Aes256C);
}

#[test]
fn secret_files_are_read_relative_to_the_config_and_lose_one_newline() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("community"), "s3cret\n").unwrap();
    let cfg = dir.path().join("netgauge.yml");
    let c = Config::from_yaml(
        &cfg,
        "targets:\n  - {name: a, address: h, snmp: {community_file: community}}\n",
    )
    .unwrap();
    let s = c.targets[0].snmp.as_ref().unwrap();
    assert!(matches!(&s.credentials, SnmpCredentials::V2c { community } if community.expose() == "s3cret"));
    // And the config's Debug output never shows it.
    assert!(!format!("{c:?}").contains("s3cret"));
}

#[test]
fn inline_secret_overrides_a_file_from_the_auth_block() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c"), "from-file").unwrap();
    let yaml = "auths:\n  x: {community_file: c}\ntargets:\n  - {name: a, address: h, snmp: {auth: x, community: inline}}\n  - {name: b, address: h, snmp: {auth: x}}\n";
    let c = Config::from_yaml(&dir.path().join("n.yml"), yaml).unwrap();
    let community = |i: usize| match &c.targets[i].snmp.as_ref().unwrap().credentials {
        SnmpCredentials::V2c { community } => community.expose().to_owned(),
        _ => panic!(),
    };
    assert_eq!((community(0).as_str(), community(1).as_str()), ("inline", "from-file"));
}

#[test]
fn a_broken_auth_block_is_reported_once_not_per_target() {
    let e = errors(
        "auths:\n  bad: {version: 7}\ntargets:\n  - {name: a, address: h1, snmp: {auth: bad}}\n  - {name: b, address: h2, snmp: {auth: bad}}\n",
    );
    assert_eq!(e.matches("is not an SNMP version").count(), 1, "{e}");
    assert!(e.contains("t.yml:2:18: auths.bad.version"), "{e}");
}

#[test]
fn transport_keys_do_not_belong_in_auth_blocks() {
    let e = errors("auths:\n  x: {community: c, timeout: 1s}\n");
    assert!(e.contains("auths.x.timeout: not allowed in an auth block"), "{e}");
}

#[test]
fn env_expansion() {
    let get = |k: &str| (k == "A").then(|| "alpha".to_owned());
    assert_eq!(expand_env("x${A}y", get).unwrap(), "xalphay");
    assert_eq!(expand_env("$$ and $5", get).unwrap(), "$ and $5");
    assert!(expand_env("${B}", get).unwrap_err().contains("B is not set"));
    assert!(expand_env("${A", get).is_err());
    assert!(expand_env("${A-B}", get).is_err());
}

#[test]
fn a_secret_typed_into_an_env_reference_is_not_echoed() {
    let get = |_: &str| None;
    for secret in ["${hunter2}", "${p@ss w0rd!}", "x${s3cr3t-Value}y"] {
        let e = expand_env(secret, get).unwrap_err();
        let inner = &secret[secret.find("${").unwrap() + 2..secret.find('}').unwrap()];
        assert!(!e.contains(inner), "{secret}: {e}");
    }
    // A conventional variable name is still named.
    assert!(expand_env("${SNMP_COMMUNITY}", get)
        .unwrap_err()
        .contains("SNMP_COMMUNITY is not set"));
}

#[test]
fn global_settings() {
    let c = load("global: {scrape_timeout: 7s, scrape_timeout_offset: 250ms, max_concurrent_polls: 3}\n");
    assert_eq!(c.global.scrape_timeout, Duration::from_secs(7));
    assert_eq!(c.global.scrape_timeout_offset, Duration::from_millis(250));
    assert_eq!(c.global.max_concurrent_polls, 3);
    assert!(errors("global: {max_concurrent_polls: 0}\n").contains("out of range"));
}

#[test]
fn thresholds_inherit_and_interfaces_override() {
    let c = load(
        "defaults:\n  snmp: {community: c}\n  thresholds: {cpu_usage_ratio: 0.8}\n\
         targets:\n  - name: a\n    address: h\n    thresholds: {interface_utilisation_ratio: 0.5}\n    interface_thresholds:\n      Gi0/1: {interface_errors_per_second: 0.1}\n",
    );
    let t = &c.targets[0];
    assert_eq!(t.thresholds.get("cpu_usage_ratio"), Some(0.8));
    assert_eq!(t.thresholds.get("interface_utilisation_ratio"), Some(0.5));
    assert_eq!(t.thresholds.get("temperature_celsius"), Some(75.0));
    assert_eq!(
        t.interface_thresholds,
        vec![(
            "Gi0/1".to_owned(),
            Thresholds(vec![("interface_errors_per_second", 0.1)])
        )]
    );
    let e = errors(
        "targets:\n  - name: a\n    address: h\n    snmp: {community: c}\n    thresholds: {cpu_usage_ratio: 80}\n    interface_thresholds:\n      x: {cpu_usage_ratio: 0.1}\n",
    );
    assert!(
        e.contains("targets[0].thresholds.cpu_usage_ratio: 80 is a ratio"),
        "{e}"
    );
    assert!(
        e.contains("targets[0].interface_thresholds.x.cpu_usage_ratio: only interface_* and transceiver_* thresholds"),
        "{e}"
    );
}

#[test]
fn vendor_override_and_health_modules_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mods.yml"),
        "modules:\n  - name: cisco\n    vendors: [cisco]\n    metrics:\n      - {kind: temperature, oid: 1.3.6.1.4.1.9.9.1.0, value: {}, label: {text: chassis}}\n  - name: acme\n    vendors: [acme]\n    metrics: []\n",
    )
    .unwrap();
    let c = Config::from_yaml(
        &dir.path().join("n.yml"),
        "global: {health_modules: mods.yml}\ntargets:\n  - {name: a, address: h, vendor: Cisco, snmp: {community: c}}\n",
    )
    .unwrap();
    assert_eq!(c.targets[0].vendor.as_deref(), Some("cisco"));
    // The user's cisco module replaced the built-in one; acme was added; the rest stay.
    let names: Vec<&str> = c.health.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "cisco",
            "huawei",
            "juniper",
            "mikrotik",
            "host-resources",
            "entity-sensor",
            "acme"
        ]
    );
    assert_eq!(c.health.for_vendor("cisco").len(), 1 + 3 + 1);
    let e = Config::from_yaml(&dir.path().join("n.yml"), "global: {health_modules: nope.yml}\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("global.health_modules: cannot read"), "{e}");
}

#[test]
fn a_hundred_thousand_labelled_targets_fit_in_one_file() {
    let mut yaml = String::from("defaults:\n  snmp: {community: public}\ntargets:\n");
    for i in 0..100_000u32 {
        yaml.push_str(&format!(
            "  - name: sw{i}\n    address: 10.{}.{}.{}\n    labels: {{site: s{}, role: access}}\n",
            i >> 16,
            (i >> 8) & 255,
            i & 255,
            i % 97
        ));
    }
    let config = Config::from_yaml(Path::new("inventory.yml"), &yaml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.targets.len(), 100_000);
}

#[test]
fn an_alias_bomb_is_still_refused() {
    // Labels whose value is a 1 KiB scalar, aliased by 100,000 targets:
    // 100 MB if expanded, over the parser's 64 MiB cap on scalar bytes.
    let mut yaml = format!(
        "targets:\n  - {{name: t0, address: 10.0.0.1, labels: {{note: &big {}}}}}\n",
        "x".repeat(1024)
    );
    for i in 1..100_000u32 {
        yaml.push_str(&format!(
            "  - {{name: t{i}, address: 10.0.0.1, labels: {{note: *big}}}}\n"
        ));
    }
    let e = Config::from_yaml(Path::new("bomb.yml"), &yaml).unwrap_err().to_string();
    assert!(e.contains("bomb.yml:") && e.contains("budget"), "{e}");
}

#[test]
fn an_ssh_only_target_connects_to_the_port_in_its_address() {
    let c = load(
        "targets:\n  - name: a\n    address: 192.0.2.1:2222\n    ssh: {platform: cisco_ios, username: u, password: p, insecure_ignore_host_key: true}\n\
         \x20 - name: b\n    address: 192.0.2.2:2323\n    telnet: {platform: cisco_ios, username: u, password: p}\n\
         \x20 - name: c\n    address: 192.0.2.3:1161\n    snmp: {community: x}\n    ssh: {platform: cisco_ios, username: u, password: p, insecure_ignore_host_key: true}\n",
    );
    let port = |n: &str| c.target(n).and_then(|t| t.cli.as_ref()).map(|s| s.port);
    assert_eq!(port("a"), Some(2222));
    assert_eq!(port("b"), Some(2323));
    // With SNMP too, the address's port is SNMP's and SSH keeps its own.
    assert_eq!(port("c"), Some(22));
    assert_eq!(c.target("c").and_then(|t| t.snmp_port()), Some(1161));
}

#[test]
fn an_address_port_and_a_different_ssh_port_are_an_error_naming_ssh_port() {
    let e = Config::from_yaml(
        Path::new("t.yml"),
        "targets:\n  - name: a\n    address: 192.0.2.1:2222\n    ssh: {platform: cisco_ios, port: 22, username: u, password: p, insecure_ignore_host_key: true}\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("targets[0].ssh.port") && e.contains("2222"), "{e}");
}

fn problems(yaml: &str) -> Vec<Problem> {
    match Config::from_yaml(Path::new("t.yml"), yaml) {
        Err(e) => e.problems().to_vec(),
        Ok(_) => panic!("expected problems"),
    }
}

#[test]
fn an_error_in_defaults_is_named_where_it_was_written_and_said_once() {
    let p = problems(
        "defaults:\n  snmp:\n    community: x\n    timeout: 5 parsecs\ntargets:\n  - {name: a, address: 192.0.2.1}\n  - {name: b, address: 192.0.2.2}\n",
    );
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!((p[0].line, p[0].field.as_str()), (4, "defaults.snmp.timeout"));
}

#[test]
fn an_unreadable_priv_password_file_is_one_problem_not_two() {
    let p = problems(
        "targets:\n  - name: a\n    address: 192.0.2.1\n    snmp: {version: 3, username: u, password: abcdefghi, \
         priv_password_file: /nonexistent/priv, security_level: authPriv}\n",
    );
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].field, "targets[0].snmp.priv_password_file");
}

#[test]
fn a_type_error_names_its_whole_field_path() {
    for yaml in [
        "targets:\n  - name: a\n    address: 192.0.2.1\n    snmp: {community: x, retries: one}\n",
        "targets:\n  - name: a\n    address: 192.0.2.1\n    snmp:\n      community: x\n      retries: one\n",
    ] {
        let p = problems(yaml);
        assert_eq!(p[0].field, "targets[0].snmp.retries", "{p:?}");
    }
}

#[test]
fn an_snmp_timeout_past_the_scrape_timeout_is_a_warning() {
    let c = load(
        "global: {scrape_timeout: 10s}\ndefaults:\n  snmp: {community: x, timeout: 1h}\ntargets:\n  - {name: a, address: 192.0.2.1}\n  - {name: b, address: 192.0.2.2}\n",
    );
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert_eq!(c.warnings[0].field, "defaults.snmp.timeout");
    assert!(c.warnings[0].message.contains("global.scrape_timeout (10s)"));
    assert!(
        load("targets:\n  - {name: a, address: 192.0.2.1, snmp: {community: x}}\n")
            .warnings
            .is_empty()
    );
}

#[test]
fn collectors_default_on_turned_off_in_defaults_and_back_on_per_target() {
    let c = load(
        "defaults:\n  collectors: {bgp: false, optics: false}\n  snmp: {community: c}\n\
         targets:\n  - {name: a, address: h1}\n  - {name: b, address: h2, collectors: {bgp: true}}\n",
    );
    assert!(!c.target("a").unwrap().collectors.bgp);
    assert!(!c.target("a").unwrap().collectors.optics);
    assert!(c.target("b").unwrap().collectors.bgp);
    // A target's own `collectors:` starts from the defaults, not from scratch.
    assert!(!c.target("b").unwrap().collectors.optics);
    assert!(
        load("targets: [{name: a, address: h1, snmp: {community: c}}]\n").targets[0]
            .collectors
            .bgp
    );
    assert!(
        errors("targets: [{name: a, address: h1, collectors: {optix: true}, snmp: {community: c}}]\n")
            .contains("optix")
    );
}

#[test]
fn transceiver_thresholds_are_negative_dbm_and_can_be_set_per_interface() {
    let c = load(
        "targets:\n  - name: a\n    address: h\n    snmp: {community: c}\n    thresholds: {transceiver_receive_power_low_dbm: -14.5}\n    interface_thresholds:\n      xe-0/0/1: {transceiver_receive_power_low_dbm: -22}\n",
    );
    let t = c.target("a").unwrap();
    assert_eq!(t.thresholds.get("transceiver_receive_power_low_dbm"), Some(-14.5));
    // Not set: the module's own thresholds apply, so there is no built-in value.
    assert_eq!(t.thresholds.get("transceiver_transmit_power_low_dbm"), None);
    assert_eq!(
        t.interface_thresholds,
        vec![(
            "xe-0/0/1".to_owned(),
            Thresholds(vec![("transceiver_receive_power_low_dbm", -22.0)])
        )]
    );
    let e = errors(
        "targets:\n  - name: a\n    address: h\n    snmp: {community: c}\n    thresholds: {transceiver_receive_power_low_dbm: -55}\n",
    );
    assert!(
        e.contains("targets[0].thresholds.transceiver_receive_power_low_dbm: -55 must be a power in dBm, -40 to 10"),
        "{e}"
    );
}

#[test]
fn a_target_label_named_like_a_neighbor_or_inventory_label_is_a_warning_and_kept() {
    let c = load(
        "targets:\n  - name: a\n    address: 192.0.2.1\n    snmp: {community: x}\n    labels: {serial: X1, site: lab}\n",
    );
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert_eq!(c.warnings[0].field, "targets[0].labels.serial");
    assert_eq!(c.warnings[0].line, 5);
    assert!(
        c.warnings[0].message.contains("'target_serial'"),
        "{}",
        c.warnings[0].message
    );
    assert_eq!(c.targets[0].labels.len(), 2, "the label is kept");
}

#[test]
fn a_chatops_section_as_the_contract_writes_it() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("telegram_bot_token");
    std::fs::write(&token, "123456:ABC-secret\n").unwrap();
    let c = load(&format!(
        "chatops:\n\
         \x20 prometheus_url: http://127.0.0.1:9090\n\
         \x20 alertmanager_urls: [http://127.0.0.1:9093, 'http://127.0.0.2:9093/']\n\
         \x20 webhook_token: hook-secret\n\
         \x20 telegram:\n\
         \x20   token_file: {}\n\
         \x20   users:\n\
         \x20     - {{id: 111111111, name: alice, role: operator, language: id}}\n\
         \x20     - {{id: 222222222, role: viewer}}\n\
         \x20   chats: [-1001234567890]\n\
         \x20   notify_chats: [-1001234567890]\n\
         \x20   rate_limit: {{per_user: 20/min, per_chat: 60/min, burst: 5}}\n\
         \x20 slack:\n\
         \x20   signing_secret: s3cret\n\
         \x20   bot_token: xoxb-1\n\
         \x20   users: [{{id: U0123ABC, role: admin}}]\n\
         \x20   channels: [C0123ABC]\n\
         targets: []\n",
        token.display()
    ));
    let chat = c.chatops.expect("chatops");
    assert_eq!(chat.prometheus_url.as_deref(), Some("http://127.0.0.1:9090"));
    assert_eq!(
        chat.alertmanager_urls,
        ["http://127.0.0.1:9093", "http://127.0.0.2:9093"]
    );
    assert_eq!(chat.max_update_age, Duration::from_secs(300));
    assert_eq!(chat.button_ttl, Duration::from_secs(86_400));
    let t = chat.telegram.expect("telegram");
    assert_eq!(
        t.token.expose(),
        "123456:ABC-secret",
        "the file's newline is not the token's"
    );
    assert!(!format!("{t:?}").contains("ABC-secret"), "a token is never printed");
    assert_eq!(t.api_url, "https://api.telegram.org");
    assert_eq!(
        t.users[0],
        ChatUser {
            id: 111111111,
            name: "alice".into(),
            role: Role::Operator,
            language: Some("id".into())
        }
    );
    assert_eq!((t.users[1].role, t.users[1].language.as_deref()), (Role::Viewer, None));
    assert!(Role::Admin > Role::Operator && Role::Operator > Role::Viewer);
    assert_eq!(
        (t.chats.as_slice(), t.notify_chats.as_slice()),
        (&[-1001234567890][..], &[-1001234567890][..])
    );
    assert!((t.rate_limit.per_user - 20.0 / 60.0).abs() < 1e-9);
    assert_eq!(t.rate_limit.burst, 5);
    let s = chat.slack.expect("slack");
    assert_eq!((s.users[0].id.as_str(), s.users[0].role), ("U0123ABC", Role::Admin));
    assert_eq!(s.channels, ["C0123ABC"]);
    assert_eq!(s.api_url, "https://slack.com/api");
    assert!(s.notify_channels.is_empty());
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn a_relative_chatops_token_file_is_read_beside_the_config_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("secrets")).unwrap();
    std::fs::write(dir.path().join("secrets/bot"), "42:from-beside-the-config\n").unwrap();
    let path = dir.path().join("netgauge.yml");
    std::fs::write(
        &path,
        "chatops:\n  telegram:\n    token_file: secrets/bot\n    users: [{id: 1, role: viewer}]\n",
    )
    .unwrap();
    // Read from another working directory: the path is the config's, not the process's.
    let c = Config::load_all(&[path]).unwrap();
    let t = c.chatops.unwrap().telegram.unwrap();
    assert_eq!(t.token.expose(), "42:from-beside-the-config");
}

/// An empty webhook token or signing secret (often `${VAR}` with VAR set
/// to "") would let anyone post alerts or run commands.
#[test]
fn an_empty_webhook_token_or_signing_secret_is_refused_not_taken_as_no_check() {
    let e = Config::from_yaml(
        Path::new("c.yml"),
        "chatops:\n  webhook_token: \"\"\n  slack:\n    signing_secret: \"  \"\n    bot_token: xoxb-1\n    users: [{id: U1, role: viewer}]\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("chatops.webhook_token: empty"), "{e}");
    assert!(e.contains("chatops.slack.signing_secret: empty"), "{e}");
    assert!(!crate::secret::Secret::new("").matches(b""));
}

#[test]
fn slack_notify_channels_need_the_webhook_token_like_telegram_notify_chats() {
    let e = Config::from_yaml(
        Path::new("c.yml"),
        "chatops:\n  slack:\n    signing_secret: s\n    bot_token: xoxb-1\n    users: [{id: U1, role: viewer}]\n    notify_channels: [C0ALERTS]\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("chatops.webhook_token: slack.notify_channels takes alerts from Alertmanager"),
        "{e}"
    );
}
