//! Alertmanager notifications (its webhook payload, version 4) turned into
//! an alert message and its buttons. Pure: the webhook endpoint and the
//! front end do the I/O.
//!
//! One message per notification (an Alertmanager group). Its **Silence**
//! buttons silence what identifies the group: `alertname` and the
//! `group_by` labels Alertmanager sends as `groupLabels` (e.g. `device`);
//! with at most [`PER_ALERT_BUTTONS`] alerts, each alert also gets buttons
//! for exactly its labels. **Graph** is offered when an alert names an
//! interface.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::buttons::Action;
use super::i18n::Tr;
use super::markup::Text;

/// Groups with at most this many alerts get buttons per alert.
pub const PER_ALERT_BUTTONS: usize = 5;
/// Alerts listed in one message; "… and N more" says the rest.
const MAX_LISTED: usize = 20;
/// The largest webhook body read: Alertmanager's `max_alerts` is unlimited
/// by default, and a group of thousands of alerts is still under this.
pub const MAX_BODY: usize = 4 << 20;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    #[serde(default)]
    pub group_key: String,
    /// `firing` or `resolved`: the group as a whole.
    pub status: String,
    #[serde(default)]
    pub group_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub common_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub truncated_alerts: u64,
    pub alerts: Vec<NotifiedAlert>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifiedAlert {
    pub status: String,
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub fingerprint: String,
    #[serde(default)]
    pub starts_at: String,
}

impl Notification {
    pub fn resolved(&self) -> bool {
        self.status == "resolved"
    }

    /// Identifies this notification's content: the group, its status and
    /// each alert's fingerprint, status and start (an alert that fires
    /// again after resolving is news). Two Alertmanagers of a pair send
    /// the same digest.
    pub fn digest(&self) -> String {
        let mut alerts: Vec<String> = self
            .alerts
            .iter()
            .map(|a| format!("{}={}@{}", a.fingerprint, a.status, a.starts_at))
            .collect();
        alerts.sort();
        let text = format!("{}\n{}\n{}", self.group_key, self.status, alerts.join(","));
        let mut h = sha2::Sha256::default();
        sha2::Digest::update(&mut h, text.as_bytes());
        sha2::Digest::finalize(h)
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The labels that identify the group: every label its alerts share
    /// (`commonLabels`: the `group_by` labels, `alertname` when they share
    /// one, and the rest they have in common), so the silence covers these
    /// alerts and not, say, every other alert of the device. Empty when
    /// there is nothing to match (a silence with no matcher would silence
    /// everything).
    pub fn group_matchers(&self) -> BTreeMap<String, String> {
        let mut m = self.group_labels.clone();
        m.extend(self.common_labels.iter().map(|(k, v)| (k.clone(), v.clone())));
        m.retain(|_, v| !v.is_empty());
        m
    }
}

/// A button to show: its label and what it does.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub label: String,
    pub action: Action,
}

/// The message for `n` (resolved or firing) and its buttons, in rows.
/// A resolved notification has none.
pub fn message(n: &Notification, tr: Tr) -> (Text, Vec<Vec<Planned>>) {
    let firing: Vec<&NotifiedAlert> = n.alerts.iter().filter(|a| a.status == "firing").collect();
    let mut t = Text::new();
    let (icon, state) = if n.resolved() {
        ("✅", tr.t("notify.resolved", &[]))
    } else {
        ("🔥", tr.t("notify.firing", &[("count", &firing.len())]))
    };
    t.line().plain(format!("{icon} ")).bold(state);
    let groups: Vec<String> = n.group_labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if !groups.is_empty() {
        t.plain(" · ").code(groups.join(" "));
    }
    for a in n.alerts.iter().take(MAX_LISTED) {
        let icon = match (a.status.as_str(), a.labels.get("severity").map(String::as_str)) {
            ("resolved", _) => "✅",
            (_, Some("critical" | "page")) => "🔴",
            (_, Some("warning")) => "🟠",
            _ => "🔵",
        };
        t.line()
            .plain(format!("{icon} "))
            .bold(a.labels.get("alertname").cloned().unwrap_or_default());
        if let Some(d) = a.labels.get("device") {
            t.plain(" ").code(d);
        }
        if let Some(i) = a.labels.get("interface") {
            t.plain(" ").code(i);
        }
        if let Some(s) = a
            .annotations
            .get("summary")
            .or_else(|| a.annotations.get("description"))
        {
            t.plain(" — ").plain(s);
        }
    }
    let more = n.alerts.len().saturating_sub(MAX_LISTED) as u64 + n.truncated_alerts;
    if more > 0 {
        t.line().italic(tr.t("and_more", &[("count", &more)]));
    }
    if n.resolved() || firing.is_empty() {
        return (t, Vec::new());
    }
    let mut rows = Vec::new();
    let group = n.group_matchers();
    let mut first = Vec::new();
    if !group.is_empty() {
        for (label, seconds) in [("notify.silence_1h", 3600), ("notify.silence_24h", 86_400)] {
            first.push(Planned {
                label: tr.t(label, &[]),
                action: Action::Silence {
                    matchers: group.clone(),
                    seconds,
                    fingerprint: None,
                },
            });
        }
    }
    if let Some((device, interface)) = firing
        .iter()
        .find_map(|a| Some((a.labels.get("device")?.clone(), a.labels.get("interface")?.clone())))
    {
        first.push(Planned {
            label: tr.t("notify.graph", &[]),
            action: Action::Graph { device, interface },
        });
    }
    if !first.is_empty() {
        rows.push(first);
    }
    if firing.len() <= PER_ALERT_BUTTONS {
        for a in &firing {
            let what = a
                .labels
                .get("interface")
                .or_else(|| a.labels.get("alertname"))
                .cloned()
                .unwrap_or_default();
            rows.push(
                [(3600, "1h"), (86_400, "24h")]
                    .into_iter()
                    .map(|(seconds, d)| Planned {
                        label: tr.t("notify.silence_one", &[("what", &what), ("duration", &d)]),
                        action: Action::Silence {
                            matchers: a.labels.clone(),
                            seconds,
                            fingerprint: Some(a.fingerprint.clone()).filter(|f| !f.is_empty()),
                        },
                    })
                    .collect(),
            );
        }
    }
    (t, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(status: &str, alerts: &[(&str, &str, &str)]) -> Notification {
        let alerts: Vec<serde_json::Value> = alerts
            .iter()
            .map(|(fp, interface, state)| {
                serde_json::json!({
                    "status": state,
                    "labels": {"alertname": "InterfaceDown", "device": "core-sw1", "interface": interface, "severity": "critical"},
                    "annotations": {"summary": format!("core-sw1 {interface} <uplink> is down")},
                    "fingerprint": fp,
                })
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "version": "4",
            "groupKey": "{}:{alertname=\"InterfaceDown\", device=\"core-sw1\"}",
            "status": status,
            "receiver": "netgauge-chatops",
            "groupLabels": {"alertname": "InterfaceDown", "device": "core-sw1"},
            "commonLabels": {"alertname": "InterfaceDown", "device": "core-sw1", "severity": "critical"},
            "alerts": alerts,
        }))
        .unwrap()
    }

    #[test]
    fn a_firing_group_gets_group_buttons_and_one_row_per_alert() {
        let n = payload("firing", &[("a1", "Gi0/1", "firing"), ("a2", "Gi0/2", "firing")]);
        let (text, rows) = message(&n, Tr::new("en"));
        let plain = text.to_plain();
        assert!(plain.contains("core-sw1 Gi0/1 <uplink> is down"), "{plain}");
        assert_eq!(rows.len(), 3, "{rows:#?}");
        let group: BTreeMap<String, String> = [
            ("alertname", "InterfaceDown"),
            ("device", "core-sw1"),
            ("severity", "critical"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(
            rows[0][0].action,
            Action::Silence {
                matchers: group,
                seconds: 3600,
                fingerprint: None
            }
        );
        assert_eq!(
            rows[0][2].action,
            Action::Graph {
                device: "core-sw1".into(),
                interface: "Gi0/1".into()
            }
        );
        match &rows[2][1].action {
            Action::Silence {
                matchers,
                seconds,
                fingerprint,
            } => {
                assert_eq!(matchers.get("interface").map(String::as_str), Some("Gi0/2"));
                assert_eq!(matchers.len(), 4, "exactly the alert's labels");
                assert_eq!((*seconds, fingerprint.as_deref()), (86_400, Some("a2")));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_large_group_has_group_buttons_only_and_a_resolved_one_none() {
        let many: Vec<(String, String)> = (0..8).map(|i| (format!("f{i}"), format!("Gi0/{i}"))).collect();
        let alerts: Vec<(&str, &str, &str)> = many.iter().map(|(f, i)| (f.as_str(), i.as_str(), "firing")).collect();
        let (_, rows) = message(&payload("firing", &alerts), Tr::new("en"));
        assert_eq!(rows.len(), 1);
        let (text, rows) = message(&payload("resolved", &[("a1", "Gi0/1", "resolved")]), Tr::new("en"));
        assert!(rows.is_empty());
        assert!(text.to_plain().starts_with("✅ Resolved"), "{}", text.to_plain());
    }

    #[test]
    fn the_same_notification_from_either_alertmanager_has_one_digest() {
        let a = payload("firing", &[("a1", "Gi0/1", "firing"), ("a2", "Gi0/2", "firing")]);
        let b = payload("firing", &[("a2", "Gi0/2", "firing"), ("a1", "Gi0/1", "firing")]);
        assert_eq!(a.digest(), b.digest());
        let c = payload("firing", &[("a1", "Gi0/1", "firing"), ("a2", "Gi0/2", "resolved")]);
        assert_ne!(a.digest(), c.digest());
    }

    #[test]
    fn an_alert_that_fires_again_after_resolving_is_not_taken_for_a_duplicate() {
        let first = payload("firing", &[("a1", "Gi0/1", "firing")]);
        let mut again = first.clone();
        again.alerts[0].starts_at = "2026-12-06T10:05:00Z".into();
        assert_ne!(first.digest(), again.digest());
    }

    #[test]
    fn no_group_button_can_silence_everything() {
        let mut n = payload("firing", &[("a1", "Gi0/1", "firing"), ("a2", "Gi0/2", "firing")]);
        n.group_labels.clear();
        n.common_labels.clear();
        let (_, rows) = message(&n, Tr::new("en"));
        for row in &rows {
            for b in row {
                if let Action::Silence { matchers, .. } = &b.action {
                    assert!(!matchers.is_empty());
                }
            }
        }
    }
}
