//! Numbers as a network engineer reads them in a chat: bits per second in
//! SI prefixes, short durations, times in UTC.

use std::time::{Duration, SystemTime};

/// `1.25 Gbit/s`, `812 kbit/s`, `0 bit/s`.
pub fn bits_per_second(bps: f64) -> String {
    si(bps, "bit/s")
}

/// Interface speed from bytes per second: `1 Gbit/s`, `100 Mbit/s`.
pub fn speed(bytes_per_second: f64) -> String {
    si(bytes_per_second * 8.0, "bit/s")
}

fn si(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return format!("? {unit}");
    }
    let prefixes = ["", "k", "M", "G", "T", "P"];
    let mut v = v;
    let mut i = 0;
    while v.abs() >= 1000.0 && i + 1 < prefixes.len() {
        v /= 1000.0;
        i += 1;
    }
    let digits = if v == v.trunc() || v.abs() >= 100.0 {
        0
    } else if v.abs() >= 10.0 {
        1
    } else {
        2
    };
    let mut n = format!("{v:.digits$}");
    if n.contains('.') {
        n = n.trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    format!("{n} {}{unit}", prefixes[i])
}

/// Bytes in binary prefixes: `1.5 GiB`.
pub fn bytes(b: f64) -> String {
    let prefixes = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b;
    let mut i = 0;
    while v.abs() >= 1024.0 && i + 1 < prefixes.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{v:.0} B")
    } else {
        format!("{v:.1} {}", prefixes[i])
    }
}

/// `3d 4h`, `2h 5m`, `1h`, `45s`: the two largest units, a zero second one left out.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, minutes, seconds) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// Seconds as a device reports them (uptime): `?` when not a duration
/// (infinite, NaN, or past what a `Duration` holds).
pub fn seconds(s: f64) -> String {
    Duration::try_from_secs_f64(s.max(0.0)).map_or_else(|_| "?".into(), duration)
}

/// How long ago `t` was, or `?` when it is in the future.
pub fn ago(t: SystemTime) -> String {
    match SystemTime::now().duration_since(t) {
        Ok(d) => duration(d),
        Err(_) => "?".into(),
    }
}

/// `2026-12-06 17:30 UTC`.
pub fn utc(t: SystemTime) -> String {
    let s = humantime::format_rfc3339_seconds(t).to_string();
    // 2026-12-06T17:30:05Z
    format!("{} {} UTC", &s[..10], &s[11..16])
}

pub fn percent(ratio: f64) -> String {
    format!("{:.0}%", ratio * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_like_an_engineer_writes_them() {
        assert_eq!(bits_per_second(0.0), "0 bit/s");
        assert_eq!(bits_per_second(812_345.0), "812 kbit/s");
        assert_eq!(bits_per_second(1_250_000_000.0), "1.25 Gbit/s");
        assert_eq!(bits_per_second(12_340_000.0), "12.3 Mbit/s");
        assert_eq!(speed(125_000_000.0), "1 Gbit/s");
        assert_eq!(speed(12_500_000.0), "100 Mbit/s");
        assert_eq!(bits_per_second(f64::NAN), "? bit/s");
        assert_eq!(bytes(1.5 * 1024.0 * 1024.0 * 1024.0), "1.5 GiB");
    }

    #[test]
    fn durations_show_their_two_largest_units() {
        assert_eq!(duration(Duration::from_secs(45)), "45s");
        assert_eq!(duration(Duration::from_secs(125)), "2m");
        assert_eq!(duration(Duration::from_secs(7500)), "2h 5m");
        assert_eq!(duration(Duration::from_secs(3600)), "1h");
        assert_eq!(duration(Duration::from_secs(86_400 + 60)), "1d");
        assert_eq!(duration(Duration::from_secs(3 * 86_400 + 4 * 3600 + 59)), "3d 4h");
        assert_eq!(
            utc(SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_578_200)),
            "2026-12-06 17:30 UTC"
        );
    }
}
