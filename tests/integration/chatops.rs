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
const WAIT: Duration = Duration::from_secs(20);

fn free_tcp() -> SocketAddr {
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

fn agent_target(port: u16) -> String {
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

fn counter(server_metrics: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    value(&parse_exposition(server_metrics), name, labels).unwrap_or(0.0)
}

/// Waits for Alertmanager's API to list what `path` asks for and returns it.
fn am_get(am: SocketAddr, path: &str) -> serde_json::Value {
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
    let server = Server::start(&config(
        &tg,
        &agent_target(agent.port),
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

    // /devices: up, from Prometheus.
    let devices = text_of(&ask(&tg, BOB, BOB, "/devices", 1).await);
    assert!(
        devices.contains("Devices: 1, 0 down") && devices.contains("agent up"),
        "{devices}"
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

    // Telegram's 429: waited out, sent again, counted.
    tg.throttle("sendMessage", 1, 1);
    let again = text_of(&ask(&tg, BOB, BOB, "/whoami", 1).await);
    assert!(again.contains(&BOB.to_string()));
    assert_eq!(tg.requests("sendMessage", 429), 1);

    let (_, metrics) = server.get("/metrics/exporter", &[]).await;
    for (command, result, at_least) in [
        ("status", "ok", 2.0),
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
fn post_json(addr: SocketAddr, path: &str, body: &str) {
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

async fn wait_for_async(mut cond: impl FnMut() -> bool) {
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
