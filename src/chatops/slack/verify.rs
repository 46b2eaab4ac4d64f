//! Slack's request signing: every request Slack sends carries
//! `X-Slack-Request-Timestamp` and `X-Slack-Signature: v0=<hex>`, the
//! HMAC-SHA256 of `v0:<timestamp>:<body>` under the app's signing secret.
//! A request is taken only when the signature matches (compared in
//! constant time) and the timestamp is within five minutes of now, so a
//! captured request cannot be replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::secret::Secret;

/// How far a request's timestamp may be from now.
pub const WINDOW_SECS: i64 = 300;

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum VerifyError {
    #[error("no X-Slack-Request-Timestamp or X-Slack-Signature header")]
    Missing,
    #[error("the request's timestamp is more than 5 minutes from now (a replay, or a clock off)")]
    Stale,
    #[error("the signature does not match the signing secret")]
    Mismatch,
}

/// The `v0=…` signature of `body` sent at `timestamp`.
pub fn sign(secret: &Secret, timestamp: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) {
        Ok(m) => m,
        // HMAC takes a key of any length.
        Err(_) => return String::new(),
    };
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(3 + 64);
    out.push_str("v0=");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Checks a request from Slack at Unix time `now`.
pub fn verify(
    secret: &Secret,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), VerifyError> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(VerifyError::Missing);
    };
    let sent: i64 = timestamp.trim().parse().map_err(|_| VerifyError::Stale)?;
    if now.abs_diff(sent) > WINDOW_SECS.unsigned_abs() {
        return Err(VerifyError::Stale);
    }
    let expected = sign(secret, timestamp.trim(), body);
    if crate::secret::constant_time_eq(expected.as_bytes(), signature.trim().as_bytes()) {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in Slack's "Verifying requests from Slack" guide.
    #[test]
    fn slacks_documented_example_verifies() {
        let secret = Secret::new("8f742231b10e8888abcd99yyyzzz85a5");
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
        assert_eq!(sign(&secret, "1531420618", body.as_bytes()), signature);
        assert_eq!(
            verify(
                &secret,
                Some("1531420618"),
                Some(signature),
                body.as_bytes(),
                1_531_420_618 + 60
            ),
            Ok(())
        );
    }

    #[test]
    fn a_replayed_tampered_or_unsigned_request_is_refused() {
        let secret = Secret::new("s3cret");
        let body = b"text=status+core-sw1";
        let sig = sign(&secret, "1000", body);
        assert_eq!(
            verify(&secret, Some("1000"), Some(&sig), body, 1000 + WINDOW_SECS + 1),
            Err(VerifyError::Stale)
        );
        assert_eq!(
            verify(&secret, Some("1000"), Some(&sig), body, 1000 - WINDOW_SECS - 1),
            Err(VerifyError::Stale)
        );
        assert_eq!(
            verify(&secret, Some("1000"), Some(&sig), b"text=silence+core-sw1+30d", 1000),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(&Secret::new("other"), Some("1000"), Some(&sig), body, 1000),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(verify(&secret, None, Some(&sig), body, 1000), Err(VerifyError::Missing));
        assert_eq!(
            verify(&secret, Some("soon"), Some(&sig), body, 1000),
            Err(VerifyError::Stale)
        );
    }
}
