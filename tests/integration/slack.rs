//! The Slack front end end to end: requests signed as Slack signs them
//! (by openssl), a stand-in Slack for what the bot sends back, and the
//! real peers behind the command core (snmpd, Prometheus, Alertmanager).

use std::time::Duration;

use crate::chatops::{
    agent_target, alert_json, am_get, counter, free_tcp, post_hook, post_json, wait_for_async, HOOK_TOKEN,
};
use crate::harness::slack::{post_signed, FakeSlack, BOT_TOKEN, SIGNING_SECRET};
use crate::harness::*;

const COMMANDS: &str = "/chatops/slack/commands";
const INTERACTIONS: &str = "/chatops/slack/interactions";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The slash command `text` from `user` in `channel`, answered at `response_url`.
fn command(server: std::net::SocketAddr, user: &str, channel: &str, text: &str, response_url: &str) -> (u16, String) {
    post_signed(
        server,
        COMMANDS,
        &[
            ("team_id", "T0TEAM"),
            ("channel_id", channel),
            ("user_id", user),
            ("command", "/netgauge"),
            ("text", text),
            ("response_url", response_url),
        ],
        Some(SIGNING_SECRET),
        now(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_commands_and_buttons_are_verified_and_answered_by_the_same_core() {
    let agent = Snmpd::start();
    let slack = FakeSlack::start().await;
    let am = Alertmanager::start(free_tcp());
    let prom_addr = free_tcp();
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "targets:\n{}\
         chatops:\n  prometheus_url: http://{prom_addr}\n  alertmanager_urls: [http://{}]\n  webhook_token: {HOOK_TOKEN}\n\
         \x20 slack:\n    signing_secret: {SIGNING_SECRET}\n    bot_token: {BOT_TOKEN}\n    api_url: {}\n\
         \x20   users:\n      - {{id: U0ALICE, name: alice, role: operator}}\n      - {{id: U0BOB, name: bob, role: viewer}}\n\
         \x20   channels: [C0NET]\n    notify_channels: [C0ALERTS]\n\
         \x20   rate_limit: {{per_user: 60/min, per_chat: 600/min, burst: 20}}\n",
        agent_target(agent.port),
        am.addr,
        slack.api_url()
    );
    let server = Server::start(&yaml).await;
    let prom = Prometheus::start_on(
        prom_addr,
        &format!(
            "global: {{scrape_interval: 1s, scrape_timeout: 1s}}\nscrape_configs:\n  - job_name: netgauge\n    static_configs: [{{targets: ['{}']}}]\n",
            server.addr
        ),
        dir.path(),
    );
    let addr = server.addr;

    // Unsigned, wrongly signed, replayed: 401, and nothing runs.
    let form = [
        ("user_id", "U0ALICE"),
        ("channel_id", "C0NET"),
        ("text", "silence agent 1h"),
    ];
    let blocking = |secret: Option<&'static str>, at: i64| {
        tokio::task::spawn_blocking(move || post_signed(addr, COMMANDS, &form, secret, at).0)
    };
    assert_eq!(blocking(None, now()).await.unwrap(), 401);
    assert_eq!(blocking(Some("not-the-secret"), now()).await.unwrap(), 401);
    assert_eq!(blocking(Some(SIGNING_SECRET), now() - 600).await.unwrap(), 401);
    assert!(am_get(am.addr, "/api/v2/silences").as_array().unwrap().is_empty());

    // /netgauge whoami: acknowledged at once, answered through response_url.
    let url = slack.response_url(1);
    let (code, body) = tokio::task::spawn_blocking(move || command(addr, "U0BOB", "C0NET", "whoami", &url))
        .await
        .unwrap();
    assert_eq!((code, body.as_str()), (200, ""));
    let who = slack.wait_call("response/1", |_| true).await;
    let text = who.body["text"].as_str().unwrap();
    assert!(text.contains("U0BOB") && text.contains("viewer"), "{text}");
    assert_eq!(who.body["response_type"], "in_channel");

    // /netgauge status: the live poll, in mrkdwn.
    let url = slack.response_url(2);
    tokio::task::spawn_blocking(move || command(addr, "U0BOB", "C0NET", "status agent", &url))
        .await
        .unwrap();
    let status = slack.wait_call("response/2", |_| true).await;
    assert!(
        status.body["text"].as_str().unwrap().contains("*agent*"),
        "{:?}",
        status.body
    );

    // A viewer may not silence: the refusal only they see.
    let url = slack.response_url(3);
    tokio::task::spawn_blocking(move || command(addr, "U0BOB", "C0NET", "silence agent 1h", &url))
        .await
        .unwrap();
    let refused = slack.wait_call("response/3", |_| true).await;
    assert_eq!(refused.body["response_type"], "ephemeral");
    assert!(refused.body["text"]
        .as_str()
        .unwrap()
        .contains("needs the operator role"));

    // An operator may: the silence as Alertmanager has it.
    let url = slack.response_url(4);
    tokio::task::spawn_blocking(move || command(addr, "U0ALICE", "C0NET", "silence agent 1h change 4711", &url))
        .await
        .unwrap();
    let said = slack.wait_call("response/4", |_| true).await;
    assert!(
        said.body["text"].as_str().unwrap().contains("Silenced for 1h"),
        "{:?}",
        said.body
    );
    let silences = am_get(am.addr, "/api/v2/silences");
    assert_eq!(silences[0]["createdBy"], "alice (slack U0ALICE)");
    assert_eq!(silences[0]["comment"], "change 4711");

    // A stranger, or a channel the bot does not serve: told in the answer itself.
    let url = slack.response_url(5);
    let (code, body) = tokio::task::spawn_blocking(move || command(addr, "U0EVE", "C0NET", "status agent", &url))
        .await
        .unwrap();
    assert_eq!(code, 200);
    assert!(body.contains("U0EVE") && body.contains("ephemeral"), "{body}");

    // /netgauge graph: the PNG uploaded to the channel.
    wait_for("Prometheus to have a rate for lo", Duration::from_secs(30), || {
        !prom
            .query("rate(netgauge_interface_receive_bytes_total{device=\"agent\",interface=\"lo\"}[5m])")
            .is_empty()
    });
    let url = slack.response_url(6);
    tokio::task::spawn_blocking(move || command(addr, "U0BOB", "C0NET", "graph agent lo 10m", &url))
        .await
        .unwrap();
    let done = slack.wait_call("files.completeUploadExternal", |_| true).await;
    assert_eq!(done.body["channel_id"], "C0NET");
    let upload = slack
        .calls()
        .into_iter()
        .find(|c| c.path.starts_with("upload/"))
        .expect("the PNG");
    let reader = png::Decoder::new(std::io::Cursor::new(&upload.bytes))
        .read_info()
        .unwrap();
    assert_eq!((reader.info().width, reader.info().height), (1000, 500));

    // An alert message with buttons in the notify channel; a press from the
    // operator silences exactly the group; the resolved one is an update.
    post_json(
        am.addr,
        "/api/v2/alerts",
        &serde_json::json!([alert_json("lo", 3600)]).to_string(),
    );
    let mut fingerprint = String::new();
    wait_for_async(|| {
        let alerts = am_get(am.addr, "/api/v2/alerts?filter=interface=%22lo%22");
        fingerprint = alerts[0]["fingerprint"].as_str().unwrap_or_default().to_owned();
        !fingerprint.is_empty()
    })
    .await;
    let notification = |status: &str| {
        serde_json::json!({
            "version": "4", "groupKey": "{}:{alertname=\"NetgaugeInterfaceDown\", device=\"agent\"}", "status": status,
            "groupLabels": {"alertname": "NetgaugeInterfaceDown", "device": "agent"},
            "commonLabels": {"alertname": "NetgaugeInterfaceDown", "device": "agent"},
            "alerts": [{"status": status, "labels": {"alertname": "NetgaugeInterfaceDown", "device": "agent", "interface": "lo", "severity": "critical"},
                        "annotations": {"summary": "agent lo <uplink> is down"}, "fingerprint": fingerprint}],
        })
        .to_string()
    };
    // Slack's 429 on the first post: waited out, posted again.
    slack.throttle("chat.postMessage");
    let firing = notification("firing");
    let (code, body) = tokio::task::spawn_blocking(move || post_hook(addr, Some(HOOK_TOKEN), &firing))
        .await
        .unwrap();
    assert_eq!(code, 200, "{body}");
    let posted = slack
        .wait_call("chat.postMessage", |c| c.body["channel"] == "C0ALERTS")
        .await;
    assert!(
        posted.body["text"]
            .as_str()
            .unwrap()
            .contains("agent lo &lt;uplink&gt; is down"),
        "{:?}",
        posted.body
    );
    let buttons: Vec<serde_json::Value> = posted.body["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().unwrap().clone())
        .collect();
    let silence_1h = buttons
        .iter()
        .find(|b| b["text"]["text"] == "🔕 Silence 1h")
        .expect("a group button")["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let payload = serde_json::json!({
        "type": "block_actions", "user": {"id": "U0ALICE"}, "channel": {"id": "C0ALERTS"},
        "actions": [{"action_id": "netgauge-0-0", "value": silence_1h}], "response_url": slack.response_url(7),
    })
    .to_string();
    let (code, _) = tokio::task::spawn_blocking(move || {
        post_signed(
            addr,
            INTERACTIONS,
            &[("payload", &payload)],
            Some(SIGNING_SECRET),
            now(),
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 200);
    let notice = slack
        .wait_call("response/7", |c| c.body["response_type"] == "ephemeral")
        .await;
    assert_eq!(notice.body["text"], "Silenced for 1h.");
    wait_for_async(|| am_get(am.addr, "/api/v2/silences").as_array().unwrap().len() == 2).await;
    let group_silence = am_get(am.addr, "/api/v2/silences")
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["comment"] != "change 4711")
        .cloned()
        .unwrap();
    let mut matchers: Vec<String> = group_silence["matchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| format!("{}={}", m["name"].as_str().unwrap(), m["value"].as_str().unwrap()))
        .collect();
    matchers.sort();
    assert_eq!(matchers, ["alertname=NetgaugeInterfaceDown", "device=agent"]);

    let resolved = notification("resolved");
    let (code, _) = tokio::task::spawn_blocking(move || post_hook(addr, Some(HOOK_TOKEN), &resolved))
        .await
        .unwrap();
    assert_eq!(code, 200);
    let updated = slack.wait_call("chat.update", |_| true).await;
    assert_eq!(updated.body["ts"], posted_ts(&slack).await);
    assert!(
        updated.body["text"].as_str().unwrap().starts_with("✅ *Resolved*"),
        "{:?}",
        updated.body
    );

    let (_, metrics) = server.get("/metrics/exporter", &[]).await;
    assert!(
        counter(
            &metrics,
            "netgauge_chatops_commands_total",
            &[("command", "silence"), ("result", "ok")]
        ) >= 1.0
    );
    assert!(
        counter(
            &metrics,
            "netgauge_chatops_commands_total",
            &[("command", "button"), ("result", "ok")]
        ) >= 1.0
    );
    assert!(
        counter(
            &metrics,
            "netgauge_chatops_slack_requests_total",
            &[("method", "chat.postMessage"), ("code", "200")]
        ) >= 1.0
    );
    assert!(!metrics.contains(BOT_TOKEN) && !metrics.contains(SIGNING_SECRET));
    server.stop().await;
}

/// The `ts` Slack gave the first alert message.
async fn posted_ts(slack: &FakeSlack) -> serde_json::Value {
    let calls = slack.calls();
    let index = calls
        .iter()
        .position(|c| c.path == "chat.postMessage" && c.body["channel"] == "C0ALERTS")
        .unwrap();
    // The fake numbers its ts by the call's position (1-based).
    serde_json::Value::String(format!("1700000000.{:06}", index + 1))
}
