//! The Telegram bot end to end: a stand-in Bot API (the one fake, strict
//! about HTML and lengths like the real one), a real net-snmp agent, a
//! real Prometheus scraping netgauge and a real Alertmanager. Every reply
//! is checked against what those peers say.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::harness::telegram::{FakeTelegram, Sent, TOKEN};
use crate::harness::*;

const ALICE: i64 = 111_111_111; // operator
const BOB: i64 = 222_222_222; // viewer
const CAROL: i64 = 333_333_333; // admin, Indonesian
const STRANGER: i64 = 999_999_999;
const GROUP: i64 = -1_001_234_567_890;
const OTHER_GROUP: i64 = -1_009_999_999_999;
pub(crate) const WAIT: Duration = Duration::from_secs(20);

pub(crate) fn free_tcp() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

fn config(tg: &FakeTelegram, targets: &str, backends: &str, per_user: &str, burst: u32) -> String {
    format!(
        "targets:\n{targets}\
         chatops:\n{backends}\
         \x20 telegram:\n\
         \x20   token: \"{TOKEN}\"\n\
         \x20   api_url: {}\n\
         \x20   users:\n\
         \x20     - {{id: {ALICE}, name: alice, role: operator}}\n\
         \x20     - {{id: {BOB}, name: bob, role: viewer}}\n\
         \x20     - {{id: {CAROL}, name: carol, role: admin, language: id}}\n\
         \x20   chats: [{GROUP}]\n\
         \x20   rate_limit: {{per_user: {per_user}, per_chat: 600/min, burst: {burst}}}\n",
        tg.url()
    )
}

pub(crate) fn agent_target(port: u16) -> String {
    format!("  - name: agent\n    address: 127.0.0.1:{port}\n    snmp: {{community: {V2C_COMMUNITY}}}\n")
}

/// The ifName column as the agent answers it.
fn if_names(port: u16) -> Vec<String> {
    let out = Command::new(require("snmpwalk"))
        .args([
            "-v2c",
            "-c",
            V2C_COMMUNITY,
            "-Oqv",
            "-t",
            "2",
            &format!("127.0.0.1:{port}"),
            ".1.3.6.1.2.1.31.1.1.1.1",
        ])
        .env("MIBS", "")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().trim_matches('"').to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Sends `text` from `from` in `chat` and returns the replies that follow.
async fn ask(tg: &FakeTelegram, chat: i64, from: i64, text: &str, replies: usize) -> Vec<Sent> {
    let before = tg.sent_to(chat).len();
    tg.message(chat, from, text, 0);
    let all = tg.wait_sent(chat, before + replies, WAIT).await;
    all[before..].to_vec()
}

fn text_of(sent: &[Sent]) -> String {
    sent.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join("\n")
}

pub(crate) fn counter(server_metrics: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    value(&parse_exposition(server_metrics), name, labels).unwrap_or(0.0)
}

/// Waits for Alertmanager's API to list what `path` asks for and returns it.
pub(crate) fn am_get(am: SocketAddr, path: &str) -> serde_json::Value {
    let (status, body) = http_request(am, "GET", path, &[]);
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_commands_answer_with_what_the_agent_prometheus_and_alertmanager_say() {
    let agent = Snmpd::start();
    let tg = FakeTelegram::start().await;
    let am = Alertmanager::start(free_tcp());
    let prom_addr = free_tcp();
    let dir = tempfile::tempdir().unwrap();
    // A silence queued while netgauge was down, an hour ago: never run.
    tg.message(ALICE, ALICE, "/silence agent 2h stale", 3600);
    // A device that never answers, polled with a short timeout.
    let dead = "  - name: dead-sw9\n    address: 127.0.0.1:9\n    snmp: {community: x, timeout: 200ms, retries: 0}\n";
    let server = Server::start(&config(
        &tg,
        &format!("{}{dead}", agent_target(agent.port)),
        &format!(
            "  prometheus_url: http://{prom_addr}\n  alertmanager_urls: [http://{}]\n",
            am.addr
        ),
        "600/min",
        50,
    ))
    .await;
    let prom = Prometheus::start_on(
        prom_addr,
        &format!(
            "global: {{scrape_interval: 1s, scrape_timeout: 1s}}\nscrape_configs:\n  - job_name: netgauge\n    static_configs: [{{targets: ['{}']}}]\n",
            server.addr
        ),
        dir.path(),
    );

    // No replay: the stale command was confirmed and not run.
    wait_for("the stale update to be confirmed", WAIT, || tg.unconfirmed() == 0);
    let names = if_names(agent.port);
    assert!(names.iter().any(|n| n == "lo"), "{names:?}");

    // /help by role.
    let help = text_of(&ask(&tg, BOB, BOB, "/help", 1).await);
    assert!(help.contains("/status DEVICE") && help.contains("viewer"), "{help}");
    assert!(!help.contains("/silence") && !help.contains("/reload"), "{help}");
    let help = text_of(&ask(&tg, ALICE, ALICE, "/help", 1).await);
    assert!(help.contains("/silence DEVICE") && !help.contains("/reload"), "{help}");

    // /whoami, in a group the bot serves, addressed to it by name.
    let who = ask(&tg, GROUP, ALICE, "/whoami@netgauge_test_bot", 1).await;
    assert!(
        who[0].text.contains(&ALICE.to_string()) && who[0].text.contains("operator"),
        "{who:?}"
    );
    assert!(who[0].reply_to.is_some());

    // /status: live, the agent's interfaces counted as it lists them.
    let status = text_of(&ask(&tg, BOB, BOB, "/status agent", 1).await);
    assert!(status.contains("agent") && status.contains("up"), "{status}");
    assert!(status.contains(&format!("Interfaces: {}", names.len())), "{status}");
    assert!(status.contains("netgauge-test-agent"), "sysName as hostname: {status}");

    // Unknown device: the closest names.
    let typo = text_of(&ask(&tg, BOB, BOB, "/status agnet", 1).await);
    assert!(
        typo.contains("No device named agnet") && typo.contains("Did you mean: agent"),
        "{typo}"
    );

    // /interfaces: every name the agent reports; rates once Prometheus has two scrapes.
    wait_for("Prometheus to have a rate for lo", Duration::from_secs(30), || {
        !prom
            .query("rate(netgauge_interface_receive_bytes_total{device=\"agent\",interface=\"lo\"}[5m])")
            .is_empty()
    });
    let list = text_of(&ask(&tg, BOB, BOB, "/interfaces agent", 1).await);
    for n in &names {
        assert!(list.contains(n), "{n} missing from {list}");
    }
    assert!(
        list.contains("bit/s") && list.contains('↓'),
        "rates from Prometheus: {list}"
    );

    // /interface: one port, resolved from a wrong case.
    let lo = text_of(&ask(&tg, BOB, BOB, "/interface agent LO", 1).await);
    assert!(
        lo.contains("lo @ agent — up") && lo.contains("In ") && lo.contains("Errors/s"),
        "{lo}"
    );
    let typo = text_of(&ask(&tg, BOB, BOB, "/interface agent l0", 1).await);
    assert!(typo.contains("No interface named l0") && typo.contains("lo"), "{typo}");

    // /devices: up and down, from Prometheus, the down one first.
    wait_for("Prometheus to see dead-sw9 down", Duration::from_secs(30), || {
        !prom.query("netgauge_device_up{device=\"dead-sw9\"} == 0").is_empty()
    });
    let devices = text_of(&ask(&tg, BOB, BOB, "/devices", 1).await);
    assert!(
        devices.contains("Devices: 2, 1 down") && devices.contains("agent up"),
        "{devices}"
    );
    let lines: Vec<&str> = devices.lines().collect();
    assert!(lines[1].contains("dead-sw9 down"), "down first: {devices}");
    let filtered = text_of(&ask(&tg, BOB, BOB, "/devices agent", 1).await);
    assert!(
        filtered.contains("Devices: 1, 0 down") && !filtered.contains("dead-sw9"),
        "{filtered}"
    );

    // /status of a device that does not answer says so.
    let dead_status = text_of(&ask(&tg, BOB, BOB, "/status dead-sw9", 1).await);
    assert!(
        dead_status.contains("down") && dead_status.contains("No answer within"),
        "{dead_status}"
    );

    // Roles: a viewer may not silence; refused, counted.
    let refused = text_of(&ask(&tg, BOB, BOB, "/silence agent lo 1h", 1).await);
    assert!(refused.contains("/silence needs the operator role"), "{refused}");
    assert!(am_get(am.addr, "/api/v2/silences").as_array().unwrap().is_empty());

    // An operator silences one interface: the silence as Alertmanager has it.
    let done = text_of(&ask(&tg, ALICE, ALICE, "/silence agent lo 1h maintenance <window> & more", 1).await);
    assert!(done.contains("Silenced for 1h"), "{done}");
    let silences = am_get(am.addr, "/api/v2/silences");
    let silences = silences.as_array().unwrap();
    assert_eq!(silences.len(), 1, "{silences:?}");
    let s = &silences[0];
    assert_eq!(s["createdBy"], format!("alice (telegram {ALICE})"));
    assert_eq!(s["comment"], "maintenance <window> & more");
    let mut matchers: Vec<(String, String)> = s["matchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_owned(),
                m["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    matchers.sort();
    assert_eq!(
        matchers,
        [("device".into(), "agent".into()), ("interface".into(), "lo".into())]
    );
    let id = s["id"].as_str().unwrap().to_owned();
    assert!(done.contains(&id));
    let ends = s["endsAt"].as_str().unwrap();
    assert!(ends > s["startsAt"].as_str().unwrap());
    let listed = text_of(&ask(&tg, ALICE, ALICE, "/silences", 1).await);
    assert!(
        listed.contains(&id) && listed.contains("device=agent interface=lo") && listed.contains("alice"),
        "{listed}"
    );
    let ended = text_of(&ask(&tg, ALICE, ALICE, &format!("/unsilence {id}"), 1).await);
    assert!(ended.contains("Silence ended"), "{ended}");
    let state = am_get(am.addr, &format!("/api/v2/silence/{id}"));
    assert_eq!(state["status"]["state"], "expired");

    // /alerts: what Alertmanager holds, with markup characters shown as written.
    let alert = serde_json::json!([{
        "labels": {"alertname": "InterfaceDown", "device": "agent", "interface": "lo", "severity": "critical"},
        "annotations": {"summary": "agent lo <uplink to R&D> is down"},
    }]);
    post_json(am.addr, "/api/v2/alerts", &alert.to_string());
    wait_for("the alert in Alertmanager", WAIT, || {
        !am_get(am.addr, "/api/v2/alerts?active=true")
            .as_array()
            .unwrap()
            .is_empty()
    });
    let alerts = ask(&tg, BOB, BOB, "/alerts agent", 1).await;
    assert!(
        alerts[0].text.contains("InterfaceDown (1)") && alerts[0].text.contains("agent lo <uplink to R&D> is down"),
        "{alerts:?}"
    );
    assert!(alerts[0].html.contains("&lt;uplink to R&amp;D&gt;"));
    let status = text_of(&ask(&tg, BOB, BOB, "/status agent", 1).await);
    assert!(status.contains("Firing alerts: 1"), "{status}");
    let devices = text_of(&ask(&tg, BOB, BOB, "/devices", 1).await);
    assert!(devices.contains("1 alerts"), "{devices}");

    // /graph: a PNG of the stated size, from Prometheus's history.
    let graph = ask(&tg, BOB, BOB, "/graph agent lo 10m", 1).await;
    assert_eq!(graph[0].method, "sendPhoto");
    let png = graph[0].photo.as_ref().unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let reader = decoder.read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (1000, 500));
    assert!(
        graph[0].text.contains("agent lo") && graph[0].text.contains("Peak in"),
        "{:?}",
        graph[0].text
    );

    // Indonesian for the user configured so; from the client's language for others.
    let id = text_of(&ask(&tg, CAROL, CAROL, "/whoami", 1).await);
    assert!(id.contains("Peran: admin"), "{id}");
    let before = tg.sent_to(BOB).len();
    tg.message_lang(BOB, BOB, "/status nothing", 0, Some("id-ID"));
    let reply = tg.wait_sent(BOB, before + 1, WAIT).await;
    assert!(
        reply[before].text.contains("Tidak ada perangkat bernama"),
        "{:?}",
        reply[before].text
    );

    // /reload: lifecycle off here.
    let reload = text_of(&ask(&tg, CAROL, CAROL, "/reload", 1).await);
    assert!(reload.contains("--web.enable-lifecycle"), "{reload}");

    // A stranger is told once, then not again; a group the bot does not serve hears nothing.
    let told = ask(&tg, STRANGER, STRANGER, "/status agent", 1).await;
    assert!(told[0].text.contains(&STRANGER.to_string()), "{told:?}");
    tg.message(STRANGER, STRANGER, "/status agent", 0);
    tg.message(OTHER_GROUP, ALICE, "/status agent", 0);
    // A reply after these, in order, proves they were handled.
    ask(&tg, ALICE, ALICE, "/whoami", 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(tg.sent_to(STRANGER).len(), 1);
    assert!(tg.sent_to(OTHER_GROUP).is_empty());

    // A button the bot does not know (or no longer): answered, nothing run.
    let press = tg.press(GROUP, ALICE, who[0].message_id, "zz");
    wait_for_async(|| tg.callbacks().iter().any(|(id, _)| *id == press)).await;
    assert!(tg
        .callbacks()
        .iter()
        .any(|(id, text)| *id == press && text == "This button has expired."));
    // Command replies carry no buttons.
    assert!(tg.sent().iter().all(|s| s.reply_markup.is_none()));

    // A second reader of the same bot (409): logged, counted, and the bot
    // goes on reading once it is gone.
    // (The poll waiting now returns with this message; the next two conflict.)
    tg.conflict("getUpdates", 2);
    ask(&tg, BOB, BOB, "/whoami", 1).await;
    wait_for_async(|| tg.requests("getUpdates", 409) == 2).await;
    ask(&tg, BOB, BOB, "/whoami", 1).await;

    // Telegram's 429: waited out, sent again, counted.
    tg.throttle("sendMessage", 1, 1);
    let again = text_of(&ask(&tg, BOB, BOB, "/whoami", 1).await);
    assert!(again.contains(&BOB.to_string()));
    assert_eq!(tg.requests("sendMessage", 429), 1);

    let (_, metrics) = server.get("/metrics/exporter", &[]).await;
    for (command, result, at_least) in [
        ("status", "ok", 3.0),
        ("status", "invalid", 2.0),
        ("silence", "refused", 1.0),
        ("silence", "too_old", 1.0),
        ("silence", "ok", 1.0),
        ("graph", "ok", 1.0),
        ("reload", "refused", 1.0),
        ("button", "expired", 1.0),
    ] {
        let n = counter(
            &metrics,
            "netgauge_chatops_commands_total",
            &[("command", command), ("result", result)],
        );
        assert!(n >= at_least, "{command} {result}: {n}\n{metrics}");
    }
    // The viewer's /silence, /reload without the lifecycle flag, two from
    // the stranger, one from the unserved group.
    assert_eq!(
        counter(&metrics, "netgauge_chatops_refused_total", &[]),
        5.0,
        "{metrics}"
    );
    assert_eq!(
        counter(
            &metrics,
            "netgauge_chatops_telegram_requests_total",
            &[("method", "sendMessage"), ("code", "429")]
        ),
        1.0
    );
    assert!(
        counter(
            &metrics,
            "netgauge_chatops_telegram_requests_total",
            &[("method", "getUpdates"), ("code", "200")]
        ) >= 1.0
    );
    server.stop().await;
}

/// POSTs a JSON body with the harness's minimal client.
pub(crate) fn post_json(addr: SocketAddr, path: &str, body: &str) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    use std::io::{Read, Write};
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_rate_limit_the_bot_says_so_once_then_drops_until_the_bucket_refills() {
    let agent = Snmpd::start();
    let tg = FakeTelegram::start().await;
    let server = Server::start(&config(&tg, &agent_target(agent.port), "", "2/min", 3)).await;
    for _ in 0..8 {
        tg.message(BOB, BOB, "/whoami", 0);
    }
    // Three answers, one "slow down", then nothing for the other four.
    let sent = tg.wait_sent(BOB, 4, WAIT).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let sent_after = tg.sent_to(BOB);
    assert_eq!(
        sent_after.len(),
        4,
        "{:#?}",
        sent_after.iter().map(|s| &s.text).collect::<Vec<_>>()
    );
    assert_eq!(sent.iter().filter(|s| s.text.contains("Your id")).count(), 3);
    let slow = sent
        .iter()
        .find(|s| s.text.starts_with("Slow down"))
        .expect("one slow-down reply");
    assert!(slow.text.contains("try again in"), "{}", slow.text);
    // Expensive commands cost more: Alice's live /status (3) and one more lookup empty her burst of 3.
    tg.message(ALICE, ALICE, "/status agent", 0);
    tg.wait_sent(ALICE, 1, WAIT).await;
    let after = ask(&tg, ALICE, ALICE, "/whoami", 1).await;
    assert!(after[0].text.starts_with("Slow down"), "{after:?}");
    let (_, metrics) = server.get("/metrics/exporter", &[]).await;
    assert_eq!(
        counter(&metrics, "netgauge_chatops_rate_limited_total", &[]),
        6.0,
        "{metrics}"
    );
    assert_eq!(
        counter(
            &metrics,
            "netgauge_chatops_commands_total",
            &[("command", "whoami"), ("result", "rate_limited")]
        ),
        6.0
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_with_hundreds_of_interfaces_is_listed_in_messages_telegram_accepts() {
    let ns = Netns::new("ngchat");
    // 300 ports, descriptions full of markup characters.
    let mut batch = String::new();
    // veth pairs: the dummy driver is not in every kernel.
    for i in (0..300).step_by(2) {
        batch.push_str(&format!("link add port{i} type veth peer name port{}\n", i + 1));
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), batch).unwrap();
    ns.ip(&["-batch", &file.path().display().to_string()]);
    // net-snmp does not read the kernel's interface alias: ifAlias by override.
    let links = Command::new(require("ip"))
        .args(["-n", &ns.0, "-o", "link", "show"])
        .output()
        .unwrap();
    let mut overrides = String::from("sysName many-ports\n");
    for line in String::from_utf8_lossy(&links.stdout).lines() {
        let mut fields = line.split(": ");
        let (Some(index), Some(name)) = (fields.next(), fields.next()) else {
            continue;
        };
        let name = name.split('@').next().unwrap_or(name);
        if let Some(n) = name.strip_prefix("port") {
            overrides.push_str(&format!(
                "override .1.3.6.1.2.1.31.1.1.1.18.{} octet_str \"uplink <{n}> to R&D\"\n",
                index.trim()
            ));
        }
    }
    let agent = Snmpd::start_in(&ns, &overrides);
    let tg = FakeTelegram::start().await;
    let server = Server::start(&config(&tg, &agent_target(agent.port), "", "600/min", 50)).await;
    tg.message(BOB, BOB, "/interfaces agent", 0);
    // Split into several messages, each accepted by the strict fake.
    let mut sent = Vec::new();
    wait_for_async(|| {
        sent = tg.sent_to(BOB);
        sent.iter().filter(|s| s.text.contains("port299")).count() == 1
    })
    .await;
    assert!(sent.len() >= 3, "{} messages", sent.len());
    let all = text_of(&sent);
    for i in 0..300 {
        let name = format!("port{i} ");
        assert_eq!(all.matches(&name).count(), 1, "port{i} listed once");
    }
    assert!(all.contains("uplink <7> to R&D"), "descriptions shown as written");
    for s in &sent {
        assert!(s.text.encode_utf16().count() <= 4096);
        // Split between lines: every message's lines are whole entries.
        assert!(s.text.lines().skip(1).all(|l| !l.is_empty()));
    }
    assert!(sent[0].reply_to.is_some());
    assert!(sent[1..].iter().all(|s| s.reply_to.is_none()));
    assert_eq!(tg.requests("sendMessage", 400), 0);
    server.stop().await;
}

pub(crate) async fn wait_for_async(mut cond: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !cond() {
        assert!(started.elapsed() < Duration::from_secs(60), "timed out");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn the_bot_token_never_reaches_the_log() {
    // The binary, with the bot pointed at nothing: every failed request is
    // logged (reqwest's errors name the URL, which holds the token), never the token.
    let dir = tempfile::tempdir().unwrap();
    let closed = free_tcp();
    let config = dir.path().join("netgauge.yml");
    std::fs::write(
        &config,
        format!(
            "targets:\n  - name: nothing\n    address: 127.0.0.1:9\n    snmp: {{community: x}}\n\
             chatops:\n  telegram:\n    token: \"{TOKEN}\"\n    api_url: http://{closed}\n    users: [{{id: {ALICE}, role: viewer}}]\n"
        ),
    )
    .unwrap();
    let log: PathBuf = dir.path().join("netgauge.log");
    let ng = Netgauge::spawn_logging(
        &[
            format!("--config.file={}", config.display()),
            "--log.level=debug".into(),
        ],
        Some(&log),
    );
    wait_for("a failed Telegram request in the log", Duration::from_secs(20), || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("telegram request failed")
    });
    let metrics = http_request(ng.addr(), "GET", "/metrics/exporter", &[]).1;
    assert!(
        counter(
            &metrics,
            "netgauge_chatops_telegram_requests_total",
            &[("method", "getMe"), ("code", "0")]
        ) >= 1.0,
        "{metrics}"
    );
    drop(ng);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        !text.contains(TOKEN) && !text.contains("TEST-token"),
        "token in the log:\n{text}"
    );
    assert!(!metrics.contains("TEST-token"));
}

pub(crate) const HOOK_TOKEN: &str = "hook-token-for-tests";

/// POSTs an Alertmanager webhook payload to netgauge: (status, body).
pub(crate) fn post_hook(server: SocketAddr, token: Option<&str>, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(server).unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "POST /chatops/alertmanager HTTP/1.1\r\nHost: {server}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let code = response.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    (code, response)
}

pub(crate) fn alert_json(interface: &str, ends_in_secs: i64) -> serde_json::Value {
    let ends = std::time::SystemTime::now() + Duration::from_secs(ends_in_secs.max(0) as u64);
    let ends = humantime::format_rfc3339_seconds(ends).to_string();
    serde_json::json!({
        "labels": {"alertname": "NetgaugeInterfaceDown", "device": "agent", "interface": interface, "severity": "critical"},
        "annotations": {"summary": format!("agent {interface} <uplink> is down")},
        "endsAt": ends,
    })
}

/// The callback data of the button labelled `label` (its start) in `sent`.
fn button(sent: &Sent, label: &str) -> String {
    let rows = sent.reply_markup.as_ref().expect("buttons")["inline_keyboard"]
        .as_array()
        .unwrap()
        .clone();
    rows.iter()
        .flat_map(|r| r.as_array().unwrap().clone())
        .find(|b| b["text"].as_str().unwrap().starts_with(label))
        .unwrap_or_else(|| panic!("no button {label} in {rows:?}"))["callback_data"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn press(tg: &FakeTelegram, from: i64, message: i64, data: &str) -> String {
    let id = tg.press(GROUP, from, message, data);
    let mut notice = None;
    wait_for_async(|| {
        notice = tg.callbacks().into_iter().find(|(q, _)| *q == id).map(|(_, t)| t);
        notice.is_some()
    })
    .await;
    notice.unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_messages_carry_buttons_that_silence_exactly_their_alert_and_only_for_operators() {
    let tg = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let am_addr = free_tcp();
    let yaml = config(
        &tg,
        "  - name: agent\n    address: 127.0.0.1:9\n    snmp: {community: x}\n",
        &format!(
            "  alertmanager_urls: [http://{am_addr}]\n  webhook_token: {HOOK_TOKEN}\n  state_file: {}\n",
            dir.path().join("chatops.json").display()
        ),
        "600/min",
        50,
    )
    .replace("    chats: [", &format!("    notify_chats: [{GROUP}]\n    chats: ["));
    let server = Server::start(&yaml).await;
    wait_for_async(|| server.state.chatops.telegram_link().is_some()).await;

    // Only Alertmanager with the token may post.
    let empty = r#"{"status":"firing","alerts":[]}"#;
    assert_eq!(post_hook(server.addr, None, empty).0, 401);
    assert_eq!(post_hook(server.addr, Some("wrong"), empty).0, 401);
    assert_eq!(post_hook(server.addr, Some(HOOK_TOKEN), "not json").0, 400);

    // The shipped Alertmanager config, pointed at this netgauge.
    let am_dir = tempfile::tempdir().unwrap();
    std::fs::write(am_dir.path().join("token"), HOOK_TOKEN).unwrap();
    let am_config = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/alertmanager/alertmanager-chatops.yml"
    ))
    .unwrap()
    .replace(
        "http://127.0.0.1:9742/chatops/alertmanager",
        &format!("http://{}/chatops/alertmanager", server.addr),
    )
    .replace(
        "/etc/alertmanager/secrets/netgauge_webhook_token",
        &am_dir.path().join("token").display().to_string(),
    )
    .replace("group_wait: 30s", "group_wait: 1s")
    .replace("group_interval: 5m", "group_interval: 1s");
    std::fs::write(am_dir.path().join("alertmanager.yml"), am_config).unwrap();
    let am = Alertmanager::run(am_addr, am_dir);
    post_json(
        am.addr,
        "/api/v2/alerts",
        &serde_json::json!([alert_json("lo", 3600), alert_json("eth9", 3600)]).to_string(),
    );

    // One message for the group, escaped, with group and per-alert buttons.
    let first = tg.wait_sent(GROUP, 1, WAIT).await[0].clone();
    assert!(
        first.text.contains("Firing: 2") && first.text.contains("agent lo <uplink> is down"),
        "{}",
        first.text
    );
    let rows = first.reply_markup.as_ref().unwrap()["inline_keyboard"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(rows, 3, "group row + one row per alert: {:?}", first.reply_markup);

    // A viewer's press does nothing.
    let lo_1h = button(&first, "🔕 lo 1h");
    let notice = press(&tg, BOB, first.message_id, &lo_1h).await;
    assert_eq!(notice, "This button needs the operator role.");
    assert!(am_get(am.addr, "/api/v2/silences").as_array().unwrap().is_empty());

    // An operator's silences exactly that alert's labels, after Alertmanager confirms it fires.
    let notice = press(&tg, ALICE, first.message_id, &lo_1h).await;
    assert_eq!(notice, "Silenced for 1h.");
    let silences = am_get(am.addr, "/api/v2/silences");
    let s = &silences.as_array().unwrap()[0];
    assert_eq!(s["createdBy"], format!("alice (telegram {ALICE})"));
    let mut matchers: Vec<String> = s["matchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| format!("{}={}", m["name"].as_str().unwrap(), m["value"].as_str().unwrap()))
        .collect();
    matchers.sort();
    assert_eq!(
        matchers,
        [
            "alertname=NetgaugeInterfaceDown",
            "device=agent",
            "interface=lo",
            "severity=critical"
        ]
    );
    let said = tg
        .wait_sent(GROUP, 2, WAIT)
        .await
        .into_iter()
        .find(|m| m.text.contains("alice silenced this for 1h"))
        .expect("the silence said in the chat");
    assert_eq!(said.reply_to, Some(first.message_id));

    // Graph needs Prometheus, which this netgauge has not: said on the button.
    let notice = press(&tg, BOB, first.message_id, &button(&first, "📈")).await;
    assert!(notice.contains("prometheus_url"), "{notice}");

    // An HA pair delivers each notification twice: one message.
    let payload = serde_json::json!({
        "version": "4", "groupKey": "{}:{device=\"other\"}", "status": "firing", "receiver": "netgauge-chatops",
        "groupLabels": {"device": "other"}, "commonLabels": {"device": "other"},
        "alerts": [{"status": "firing", "labels": {"alertname": "X", "device": "other"}, "fingerprint": "f00"}],
    })
    .to_string();
    // Both copies at once: the second must not slip in while the first is
    // being sent.
    let before = tg.sent_to(GROUP).len();
    let (addr, p1, p2) = (server.addr, payload.clone(), payload.clone());
    let copies = [
        std::thread::spawn(move || post_hook(addr, Some(HOOK_TOKEN), &p1).0),
        std::thread::spawn(move || post_hook(addr, Some(HOOK_TOKEN), &p2).0),
    ];
    // One is sent; the other is 200 if it came after, 503 ("being
    // delivered, send again") if it came during; sent again, it is 200.
    let codes: Vec<u16> = copies.into_iter().map(|c| c.join().unwrap()).collect();
    assert!(
        codes.contains(&200) && codes.iter().all(|c| *c == 200 || *c == 503),
        "{codes:?}"
    );
    assert_eq!(post_hook(server.addr, Some(HOOK_TOKEN), &payload).0, 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after: Vec<Sent> = tg.sent_to(GROUP)[before..].to_vec();
    assert_eq!(
        after.iter().filter(|m| m.text.contains("other")).count(),
        1,
        "{after:#?}"
    );

    // Resolved: the first message is edited to say so, its buttons gone.
    post_json(
        am.addr,
        "/api/v2/alerts",
        &serde_json::json!([alert_json("lo", 0), alert_json("eth9", 0)]).to_string(),
    );
    let mut edited = None;
    wait_for_async(|| {
        edited = tg
            .sent_to(GROUP)
            .into_iter()
            .find(|m| m.method == "editMessageText" && m.message_id == first.message_id);
        edited.is_some()
    })
    .await;
    let edited = edited.unwrap();
    assert!(edited.text.starts_with("✅ Resolved"), "{}", edited.text);
    assert!(edited.reply_markup.is_none());

    // Buttons survive a restart (state_file): the group's 24h button is
    // still known, and Alertmanager says nothing of it fires any more.
    let group_24h = button(&first, "🔕 Silence 24h");
    server.stop().await;
    let server = Server::start(&yaml).await;
    wait_for_async(|| server.state.chatops.telegram_link().is_some()).await;
    let notice = press(&tg, ALICE, first.message_id, &group_24h).await;
    assert_eq!(notice, "No such alert is firing now: nothing silenced.");
    let notice = press(&tg, ALICE, first.message_id, "unknown-id").await;
    assert_eq!(notice, "This button has expired.");

    let (_, metrics) = server.get("/metrics/exporter", &[]).await;
    assert_eq!(
        counter(
            &metrics,
            "netgauge_http_requests_total",
            &[("handler", "/chatops/alertmanager"), ("code", "401")]
        ),
        0.0,
        "counters restart with the process"
    );
    assert!(
        counter(
            &metrics,
            "netgauge_chatops_commands_total",
            &[("command", "button"), ("result", "expired")]
        ) >= 1.0
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_answers_503_while_the_bot_cannot_deliver_so_alertmanager_retries() {
    // Telegram unreachable: the bot never connects.
    let closed = free_tcp();
    let yaml = format!(
        "targets:\n  - name: agent\n    address: 127.0.0.1:9\n    snmp: {{community: x}}\n\
         chatops:\n  webhook_token: {HOOK_TOKEN}\n  telegram:\n    token: \"{TOKEN}\"\n    api_url: http://{closed}\n\
         \x20   users: [{{id: {ALICE}, role: viewer}}]\n    notify_chats: [{GROUP}]\n"
    );
    let server = Server::start(&yaml).await;
    let payload = r#"{"status":"firing","groupKey":"g","alerts":[{"status":"firing","labels":{"alertname":"X"}}]}"#;
    let (code, body) = post_hook(server.addr, Some(HOOK_TOKEN), payload);
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("not connected"), "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_from_chat_needs_an_admin_and_keeps_the_old_config_when_the_new_one_is_broken() {
    let tg = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("netgauge.yml");
    let one = "  - name: a\n    address: 127.0.0.1:9\n    snmp: {community: x}\n";
    std::fs::write(&path, config(&tg, one, "", "600/min", 50)).unwrap();
    // From files, with --web.enable-lifecycle.
    let server = Server::start_files(std::slice::from_ref(&path)).await;
    let refused = text_of(&ask(&tg, BOB, BOB, "/reload", 1).await);
    assert!(refused.contains("/reload needs the admin role"), "{refused}");
    let two = format!("{one}  - name: b\n    address: 127.0.0.1:9\n    snmp: {{community: x}}\n");
    std::fs::write(&path, config(&tg, &two, "", "600/min", 50)).unwrap();
    // Carol is an admin who reads Indonesian.
    let done = text_of(&ask(&tg, CAROL, CAROL, "/reload", 1).await);
    assert!(done.contains("Konfigurasi dimuat ulang: 2 target"), "{done}");
    assert_eq!(server.state.live().config.targets.len(), 2);
    std::fs::write(
        &path,
        config(&tg, &format!("{two}  - name: broken\n"), "", "600/min", 50),
    )
    .unwrap();
    let failed = text_of(&ask(&tg, CAROL, CAROL, "/reload", 1).await);
    assert!(
        failed.contains("Muat ulang gagal") && failed.contains("netgauge.yml"),
        "{failed}"
    );
    assert_eq!(
        server.state.live().config.targets.len(),
        2,
        "the previous config keeps running"
    );
    server.stop().await;
}
