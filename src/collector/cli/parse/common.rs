//! Helpers shared by the platform parsers.

/// `fa16.3e57.336f`, `00:1B:2C:3D:4E:5F`, `001b-2c3d-4e5f` → `fa:16:3e:57:33:6f`.
/// `None` unless it holds exactly 12 hex digits.
pub fn mac(text: &str) -> Option<String> {
    let hex: String = text.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    let separators_ok = text
        .chars()
        .all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '-'));
    if hex.len() != 12 || !separators_ok {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    Some((0..6).map(|i| &hex[2 * i..2 * i + 2]).collect::<Vec<_>>().join(":"))
}

/// The first whole number in `s` (`"  324 packets input"` → 324).
pub fn first_number(s: &str) -> Option<u64> {
    s.split(|c: char| !c.is_ascii_digit())
        .find(|t| !t.is_empty())
        .and_then(|t| t.parse().ok())
}

/// The number right before `word` (`number_before("324 packets input, 48614 bytes", "bytes")` → 48614).
pub fn number_before(s: &str, word: &str) -> Option<u64> {
    let i = s.find(word)?;
    s[..i].split_whitespace().last()?.trim_end_matches(',').parse().ok()
}

/// The number right after `word` (`number_after("MTU 1500 bytes", "MTU")` → 1500).
pub fn number_after(s: &str, word: &str) -> Option<u64> {
    let i = s.find(word)?;
    s[i + word.len()..]
        .split_whitespace()
        .next()?
        .trim_end_matches([',', ';'])
        .parse()
        .ok()
}

/// The number that ends `s`, glued or not (`"Output:0 "` → 0, `"packets,12"` → 12).
pub fn trailing_number(s: &str) -> Option<u64> {
    let t = s.trim_end_matches(|c: char| c.is_whitespace() || c == ',');
    let digits = t.bytes().rev().take_while(u8::is_ascii_digit).count();
    t.get(t.len() - digits..).filter(|d| !d.is_empty())?.parse().ok()
}

/// Durations like `1 year, 2 weeks, 3 days, 4 hours, 5 minutes`,
/// `10w2d`, `1d21h`, `4d02h`, `3w4d5h6m7s` or `12:34:56` → seconds.
pub fn duration_seconds(text: &str) -> Option<f64> {
    let t = text.trim().trim_end_matches('.');
    if t.is_empty() {
        return None;
    }
    // hh:mm:ss (optionally after "N days, ")
    let mut total = 0.0;
    let mut found = false;
    let words: Vec<&str> = t
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if w.contains(':') {
            let parts: Vec<f64> = w.split(':').filter_map(|p| p.parse().ok()).collect();
            if parts.len() == 3 {
                total += parts[0] * 3600.0 + parts[1] * 60.0 + parts[2];
                found = true;
            } else if parts.len() == 2 {
                total += parts[0] * 3600.0 + parts[1] * 60.0;
                found = true;
            }
            i += 1;
            continue;
        }
        if let Ok(n) = w.parse::<f64>() {
            if let Some(unit) = words.get(i + 1).and_then(|u| unit_seconds(u)) {
                total += n * unit;
                found = true;
                i += 2;
                continue;
            }
        }
        // Compact forms: 10w2d, 1d21h, 3w4d5h6m7s
        let mut num = String::new();
        let mut any = false;
        let mut ok = true;
        for c in w.chars() {
            if c.is_ascii_digit() || c == '.' {
                num.push(c);
            } else if let (Some(u), Ok(n)) = (unit_seconds(&c.to_string()), num.parse::<f64>()) {
                total += n * u;
                num.clear();
                any = true;
            } else {
                ok = false;
                break;
            }
        }
        if ok && any && num.is_empty() {
            found = true;
        }
        i += 1;
    }
    found.then_some(total)
}

fn unit_seconds(u: &str) -> Option<f64> {
    let u = u.to_ascii_lowercase();
    let u = u.trim_end_matches([',', '.']);
    // NX-OS prints `day(s)`, `hour(s)`...
    let u = u.strip_suffix("(s)").unwrap_or(u);
    Some(match u {
        "y" | "year" | "years" => 365.0 * 86400.0,
        "w" | "week" | "weeks" => 7.0 * 86400.0,
        "d" | "day" | "days" => 86400.0,
        "h" | "hour" | "hours" => 3600.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        _ => return None,
    })
}

/// Each number of a counters line with the words that follow it, up to the
/// next number: `"324 packets input, 48614 bytes, 0 no buffer"` →
/// `[(324, ["packets", "input"]), (48614, ["bytes"]), (0, ["no", "buffer"])]`.
/// Punctuation `,;()` around tokens is dropped; words before the first number
/// are ignored.
pub fn numbered_phrases(s: &str) -> Vec<(u64, Vec<&str>)> {
    let mut out: Vec<(u64, Vec<&str>)> = Vec::new();
    for token in s.split_whitespace() {
        let token = token.trim_matches([',', ';', '(', ')']);
        if token.is_empty() {
            continue;
        }
        if let Ok(n) = token.parse::<u64>() {
            out.push((n, Vec::new()));
        } else if let Some((_, words)) = out.last_mut() {
            words.push(token);
        }
    }
    out
}

/// Speeds as printed: `1000000 Kbit`, `BW 10000000 Kbit/sec`, `10 Gb/s`,
/// `100Mbps`, `1Gbps`, `auto` → bytes per second.
pub fn speed_bytes(text: &str) -> Option<f64> {
    let t = text.trim().to_ascii_lowercase();
    let digits: String = t.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let n: f64 = digits.parse().ok()?;
    let unit = t[digits.len()..].trim_start();
    let bits = if unit.starts_with("kbit") || unit.starts_with("kb") || unit.starts_with('k') {
        n * 1e3
    } else if unit.starts_with("mbit") || unit.starts_with("mb") || unit.starts_with('m') {
        n * 1e6
    } else if unit.starts_with("gbit") || unit.starts_with("gb") || unit.starts_with('g') {
        n * 1e9
    } else if unit.starts_with("tb") || unit.starts_with('t') {
        n * 1e12
    } else if unit.starts_with("bps") || unit.starts_with("bit") || unit.is_empty() {
        n
    } else {
        return None;
    };
    Some(bits / 8.0)
}

/// Where `word` starts in a table header, in characters (rows are cut by
/// [`columns`] at these positions).
pub fn char_position(header: &str, word: &str) -> Option<usize> {
    header.find(word).map(|i| header[..i].chars().count())
}

/// A fixed-width table row cut at its header's column starts (character
/// positions of the second and later columns; the first starts at 0). A
/// value wider than its column pushes the cut to the end of the word it
/// straddles. Always `starts.len() + 1` values, trimmed, empty where the
/// row is short.
pub fn columns(line: &str, starts: &[usize]) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut cuts = vec![0];
    for &start in starts {
        let mut p = start.max(cuts[cuts.len() - 1]).min(chars.len());
        while p > 0 && p < chars.len() && !chars[p - 1].is_whitespace() && !chars[p].is_whitespace() {
            p += 1;
        }
        cuts.push(p);
    }
    cuts.push(chars.len());
    cuts.windows(2)
        .map(|w| chars[w[0]..w[1]].iter().collect::<String>().trim().to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs() {
        assert_eq!(mac("fa16.3e57.336f").as_deref(), Some("fa:16:3e:57:33:6f"));
        assert_eq!(mac("00:1B:2C:3D:4E:5F").as_deref(), Some("00:1b:2c:3d:4e:5f"));
        assert_eq!(mac("001b-2c3d-4e5f").as_deref(), Some("00:1b:2c:3d:4e:5f"));
        assert_eq!(mac("not a mac"), None);
    }

    #[test]
    fn numbers() {
        assert_eq!(
            number_before("324 packets input, 48614 bytes, 0 no buffer", "bytes"),
            Some(48614)
        );
        assert_eq!(number_after("MTU 1500 bytes, BW 1000000 Kbit/sec", "MTU"), Some(1500));
        assert_eq!(first_number("  0 input errors"), Some(0));
        assert_eq!(trailing_number("Output:0 "), Some(0));
        assert_eq!(trailing_number("input: 12 packets,34 "), Some(34));
        assert_eq!(trailing_number("12"), Some(12));
        assert_eq!(trailing_number("no digits "), None);
        assert_eq!(trailing_number(""), None);
        assert_eq!(
            numbered_phrases("Received 0 broadcasts (31802 IP multicasts)"),
            vec![(0, vec!["broadcasts"]), (31802, vec!["IP", "multicasts"])]
        );
        assert_eq!(
            numbered_phrases("4 input packets  2452 bytes"),
            vec![(4, vec!["input", "packets"]), (2452, vec!["bytes"])]
        );
        assert!(numbered_phrases("no numbers here").is_empty());
    }

    #[test]
    fn durations() {
        assert_eq!(
            duration_seconds("1 year, 2 weeks, 3 days, 4 hours, 5 minutes"),
            Some(31536000.0 + 1209600.0 + 259200.0 + 14400.0 + 300.0)
        );
        assert_eq!(duration_seconds("1d21h"), Some(86400.0 + 75600.0));
        assert_eq!(duration_seconds("10w2d"), Some(6048000.0 + 172800.0));
        assert_eq!(duration_seconds("2 days, 03:04:05"), Some(172800.0 + 11045.0));
        assert_eq!(duration_seconds("never"), None);
        assert_eq!(
            duration_seconds("123 day(s), 5 hour(s), 15 minute(s), 19 second(s)"),
            Some(123.0 * 86400.0 + 5.0 * 3600.0 + 15.0 * 60.0 + 19.0)
        );
        assert_eq!(
            duration_seconds("1 day(s), 01 hour(s), 1 minute(s), 02 second(s)"),
            Some(86400.0 + 3600.0 + 62.0)
        );
    }

    #[test]
    fn columns_cut_at_the_header_and_stretch_over_wide_values() {
        let header = "Item             Version  Part number  Serial number     Description";
        let starts: Vec<usize> = ["Version", "Part number", "Serial number", "Description"]
            .iter()
            .filter_map(|w| char_position(header, w))
            .collect();
        assert_eq!(starts, [17, 26, 39, 57]);
        assert_eq!(
            columns(
                "    Xcvr 4       REV 02   740-038291   F20124120000       SFP-T",
                &starts
            ),
            ["Xcvr 4", "REV 02", "740-038291", "F20124120000", "SFP-T"]
        );
        // A serial one character too wide for its column stays whole.
        let wide = format!(
            "{:<26}{:<13}{} {}",
            "    Xcvr 54", "740-061000", "F2031240000-234567890", "QSFP28"
        );
        assert_eq!(
            columns(&wide, &starts)[2..],
            ["740-061000", "F2031240000-234567890", "QSFP28"]
        );
        assert_eq!(columns("Fan Tray", &starts), ["Fan Tray", "", "", "", ""]);
        assert_eq!(columns("", &[3])[..], ["", ""]);
    }

    #[test]
    fn speeds() {
        assert_eq!(speed_bytes("1000000 Kbit"), Some(125e6));
        assert_eq!(speed_bytes("10 Gb/s"), Some(1.25e9));
        assert_eq!(speed_bytes("100Mbps"), Some(12.5e6));
        assert_eq!(speed_bytes("auto"), None);
    }
}
