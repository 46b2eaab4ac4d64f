//! CLI health parsers for the platforms whose health needs commands of its
//! own: Huawei VRP (`display cpu-usage`, `display memory-usage`) and Junos
//! (`show chassis routing-engine`). Cisco's CPU line is parsed in
//! [`super::cisco_cpu`]; RouterOS's resources come with its version output.
//!
//! The shared captures have no output of these commands, so the tests use
//! samples written from the platforms' documented output layout (marked as
//! such); the parsers skip and count whatever they do not recognise.

use super::Parsed;
use crate::report::{HealthKind, HealthReading};

fn percent(s: &str) -> Option<f64> {
    s.trim()
        .trim_end_matches('%')
        .trim()
        .parse::<f64>()
        .ok()
        .map(|p| p / 100.0)
}

/// Huawei `display cpu-usage` followed by `display memory-usage`.
pub fn vrp(text: &str) -> Parsed<Vec<HealthReading>> {
    let mut out = Vec::new();
    let mut skipped = 0;
    let (mut total, mut used) = (None, None);
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let lower = line.to_ascii_lowercase();
        if let Some(rest) = line.strip_prefix("CPU Usage") {
            // "CPU Usage            : 15% Max: 99%"  (not the "Stat. Cycle/Time" lines)
            if let Some((_, v)) = rest.split_once(':').filter(|(k, _)| k.trim().is_empty()) {
                if let Some(p) = v.split_whitespace().next().and_then(percent) {
                    out.push(HealthReading {
                        kind: HealthKind::Cpu,
                        label: "all".into(),
                        value: p,
                    });
                }
            }
        } else if lower.starts_with("system total memory is:") {
            total = line
                .split(':')
                .nth(1)
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok());
        } else if lower.starts_with("total memory used is:") {
            used = line
                .split(':')
                .nth(1)
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok());
        } else if !(lower.starts_with("cpu utilization")
            || lower.starts_with("max cpu")
            || lower.starts_with("memory utilization")
            || lower.starts_with("memory using percentage"))
        {
            skipped += 1;
        }
    }
    if let (Some(t), Some(u)) = (total, used) {
        out.push(HealthReading {
            kind: HealthKind::MemoryUsed,
            label: "system".into(),
            value: u,
        });
        out.push(HealthReading {
            kind: HealthKind::MemoryTotal,
            label: "system".into(),
            value: t,
        });
    }
    Parsed { value: out, skipped }
}

/// Junos `show chassis routing-engine`: per routing engine (`Slot N`), the
/// one-minute CPU load (100 − idle), memory utilisation of its DRAM, and
/// its temperatures.
pub fn junos(text: &str) -> Parsed<Vec<HealthReading>> {
    let mut out = Vec::new();
    let mut skipped = 0;
    let mut slot = String::from("re0");
    let mut dram: Option<f64> = None;
    let mut window = "";
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(n) = line.strip_prefix("Slot ").map(|r| r.trim_end_matches(':').trim()) {
            slot = format!("re{n}");
            dram = None;
        } else if line.starts_with("DRAM") {
            dram = words
                .get(1)
                .and_then(|v| v.parse::<f64>().ok())
                .map(|mb| mb * 1024.0 * 1024.0);
        } else if line.starts_with("Memory utilization") {
            let pct = words.get(2).and_then(|v| v.parse::<f64>().ok());
            if let (Some(p), Some(total)) = (pct, dram) {
                out.push(HealthReading {
                    kind: HealthKind::MemoryUsed,
                    label: slot.clone(),
                    value: (total * p / 100.0).round(),
                });
                out.push(HealthReading {
                    kind: HealthKind::MemoryTotal,
                    label: slot.clone(),
                    value: total,
                });
            }
        } else if line.ends_with("CPU utilization:") {
            window = if line.starts_with("1 min") { "1min" } else { "other" };
        } else if line.starts_with("Idle") && window == "1min" {
            if let Some(idle) = words.get(1).and_then(|v| v.parse::<f64>().ok()) {
                out.push(HealthReading {
                    kind: HealthKind::Cpu,
                    label: slot.clone(),
                    value: (100.0 - idle) / 100.0,
                });
            }
        } else if let Some(rest) = line
            .strip_prefix("Temperature")
            .or_else(|| line.strip_prefix("CPU temperature"))
        {
            let label = if line.starts_with("CPU") {
                format!("{slot} cpu")
            } else {
                slot.clone()
            };
            if let Some(c) = rest.split_whitespace().next().and_then(|v| v.parse::<f64>().ok()) {
                out.push(HealthReading {
                    kind: HealthKind::Temperature,
                    label,
                    value: c,
                });
            }
        } else if !matches!(
            words.first().copied(),
            Some(
                "Routing"
                    | "Current"
                    | "Election"
                    | "Model"
                    | "Serial"
                    | "Start"
                    | "Uptime"
                    | "Last"
                    | "Load"
                    | "User"
                    | "Background"
                    | "Kernel"
                    | "Interrupt"
                    | "Idle"
                    | "Memory"
                    | "Status"
            )
        ) && !line.chars().next().is_some_and(|c| c.is_ascii_digit())
        {
            skipped += 1;
        }
    }
    Parsed { value: out, skipped }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(kind: HealthKind, label: &str, value: f64) -> HealthReading {
        HealthReading {
            kind,
            label: label.into(),
            value,
        }
    }

    #[test]
    fn vrp_cpu_and_memory() {
        // Hand-written in the layout VRP prints (no capture available).
        let text = "CPU Usage Stat. Cycle: 60 (Second)\n\
                    CPU Usage            : 15% Max: 99%\n\
                    CPU Usage Stat. Time : 2024-01-01  12:00:00\n\
                    CPU utilization for five seconds: 16%: one minute: 15%: five minutes: 14%\n\
                    Max CPU Usage Stat. Time : 2023-12-31 08:00:00.\n\
                    \n\
                    Memory utilization statistics at 2024-01-01 12:00:00+08:00\n\
                    System Total Memory Is: 2097152000 bytes\n\
                    Total Memory Used Is: 524288000 bytes\n\
                    Memory Using Percentage Is: 25%\n";
        let p = vrp(text);
        assert_eq!(
            p.value,
            vec![
                r(HealthKind::Cpu, "all", 0.15),
                r(HealthKind::MemoryUsed, "system", 524288000.0),
                r(HealthKind::MemoryTotal, "system", 2097152000.0)
            ]
        );
        assert_eq!(p.skipped, 0);
        assert!(vrp("Error: Unrecognized command found at '^' position.")
            .value
            .is_empty());
    }

    #[test]
    fn junos_routing_engines() {
        // Hand-written in the layout Junos prints (no capture available).
        let text = "Routing Engine status:\n  Slot 0:\n    Current state                  Master\n\
                    Temperature                 39 degrees C / 102 degrees F\n    CPU temperature             45 degrees C / 113 degrees F\n\
                    DRAM                      16384 MB (16384 MB installed)\n    Memory utilization          17 percent\n\
                    5 sec CPU utilization:\n      User                       1 percent\n      Idle                      96 percent\n\
                    1 min CPU utilization:\n      User                       2 percent\n      Background                 0 percent\n\
                    Kernel                     3 percent\n      Interrupt                  0 percent\n      Idle                      95 percent\n\
                    Model                          RE-S-1800x4\n    Start time                     2024-01-01 00:00:00 UTC\n\
                    Uptime                         10 days, 3 hours\n    Load averages:                 1 minute   5 minute  15 minute\n\
                    0.10       0.12       0.11\n";
        let p = junos(text);
        assert_eq!(
            p.value,
            vec![
                r(HealthKind::Temperature, "re0", 39.0),
                r(HealthKind::Temperature, "re0 cpu", 45.0),
                r(HealthKind::MemoryUsed, "re0", (16384.0 * 1048576.0 * 0.17f64).round()),
                r(HealthKind::MemoryTotal, "re0", 16384.0 * 1048576.0),
                r(HealthKind::Cpu, "re0", 0.05),
            ]
        );
        assert_eq!(p.skipped, 0);
        assert!(junos("error: syntax error").value.is_empty());
    }
}
