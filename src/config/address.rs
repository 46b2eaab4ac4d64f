//! `address:` values: `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6.

use std::fmt;

/// Where a device is. The port is optional because each transport has its
/// own default (161 for SNMP, 22 for SSH).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub host: String,
    pub port: Option<u16>,
}

impl Address {
    pub fn parse(text: &str) -> Result<Address, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("address is empty".into());
        }
        if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("'{text}': missing ']' after IPv6 address"))?;
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(format!("'{host}' is not an IPv6 address"));
            }
            let port = match after {
                "" => None,
                p => Some(parse_port(
                    p.strip_prefix(':')
                        .ok_or_else(|| format!("'{text}': expected ':port' after ']'"))?,
                )?),
            };
            return Ok(Address {
                host: host.to_owned(),
                port,
            });
        }
        if text.matches(':').count() > 1 {
            // A bare IPv6 address: the last group is not a port.
            if text.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(format!(
                    "'{text}' is not a valid IPv6 address (write [addr]:port to give a port)"
                ));
            }
            return Ok(Address {
                host: text.to_owned(),
                port: None,
            });
        }
        let (host, port) = match text.split_once(':') {
            Some((h, p)) => (h, Some(parse_port(p)?)),
            None => (text, None),
        };
        if host.is_empty() {
            return Err(format!("'{text}': host is empty"));
        }
        if host.chars().any(|c| c.is_whitespace() || c.is_control() || c == '/') {
            return Err(format!("'{host}' is not a valid host name"));
        }
        Ok(Address {
            host: host.to_owned(),
            port,
        })
    }

    /// `host:port` in a form `ToSocketAddrs` accepts.
    pub fn with_port(&self, default: u16) -> String {
        let port = self.port.unwrap_or(default);
        if self.host.contains(':') {
            format!("[{}]:{port}", self.host)
        } else {
            format!("{}:{port}", self.host)
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.port, self.host.contains(':')) {
            (Some(p), true) => write!(f, "[{}]:{p}", self.host),
            (Some(p), false) => write!(f, "{}:{p}", self.host),
            (None, _) => f.write_str(&self.host),
        }
    }
}

fn parse_port(p: &str) -> Result<u16, String> {
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("'{p}' is not a port number (1-65535)")),
        Ok(n) => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> (String, Option<u16>) {
        let a = Address::parse(s).unwrap();
        (a.host, a.port)
    }

    #[test]
    fn accepts_the_documented_forms() {
        assert_eq!(ok("192.0.2.1"), ("192.0.2.1".into(), None));
        assert_eq!(ok("192.0.2.1:1161"), ("192.0.2.1".into(), Some(1161)));
        assert_eq!(ok("sw1.example.net"), ("sw1.example.net".into(), None));
        assert_eq!(ok("[2001:db8::1]:161"), ("2001:db8::1".into(), Some(161)));
        assert_eq!(ok("[2001:db8::1]"), ("2001:db8::1".into(), None));
        assert_eq!(ok("2001:db8::1"), ("2001:db8::1".into(), None));
    }

    #[test]
    fn rejects_bad_ports_and_hosts() {
        for bad in ["", ":161", "h:0", "h:70000", "h:x", "[::1", "[zz]:1", "a b", "1:2:x"] {
            assert!(Address::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn formats_socket_addresses() {
        assert_eq!(Address::parse("::1").unwrap().with_port(161), "[::1]:161");
        assert_eq!(Address::parse("h:5").unwrap().with_port(161), "h:5");
    }
}
