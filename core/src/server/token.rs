//! Session tokens: `USER.EXPIRES.SIG`, where `SIG` is the lower-case hex
//! HMAC-SHA256 of `USER.EXPIRES` under the application's secret
//! (PROTOCOL.md §4.4). The application server mints them with [`mint`];
//! the server checks them with [`verify`].

use crate::ids::UserId;
use crate::time::Millis;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt::Write;

/// The longest token accepted, in bytes.
pub const MAX_TOKEN_LEN: usize = 4096;

/// Why a token was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not of the form `USER.EXPIRES.SIG`, or too long.
    #[error("malformed token")]
    Malformed,
    /// The signature does not match: forged or for another secret.
    #[error("forged token")]
    Forged,
    /// The token expired at the given time.
    #[error("token expired at {0}")]
    Expired(Millis),
}

/// The HMAC-SHA256 of `payload` under `secret`.
pub(crate) fn mac(secret: &[u8], payload: &str) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(payload.as_bytes());
    mac
}

/// Mints a token for `user` that expires at `expires`.
pub fn mint(secret: &[u8], user: &UserId, expires: Millis) -> String {
    let payload = format!("{user}.{}", expires.0);
    let sig = mac(secret, &payload).finalize().into_bytes();
    let mut token = payload;
    token.push('.');
    for byte in sig.iter() {
        let _ = write!(token, "{byte:02x}");
    }
    token
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Checks a token at `now`: the user it names and when it expires.
pub fn verify(secret: &[u8], token: &str, now: Millis) -> Result<(UserId, Millis), TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed);
    }
    let mut parts = token.rsplitn(3, '.');
    let (Some(sig), Some(expires), Some(user)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(TokenError::Malformed);
    };
    let user = UserId::new(user).map_err(|_| TokenError::Malformed)?;
    if expires.is_empty() || !expires.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TokenError::Malformed);
    }
    let expires = Millis(expires.parse().map_err(|_| TokenError::Malformed)?);
    let sig = unhex(sig).ok_or(TokenError::Malformed)?;
    let payload = &token[..token.len() - 65];
    mac(secret, payload)
        .verify_slice(&sig)
        .map_err(|_| TokenError::Forged)?;
    if expires <= now {
        return Err(TokenError::Expired(expires));
    }
    Ok((user, expires))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_verify_and_tampering_is_caught() {
        let alice = UserId::new("alice.smith").expect("valid");
        let token = mint(b"secret", &alice, Millis(5000));
        assert_eq!(
            verify(b"secret", &token, Millis(4999)),
            Ok((alice.clone(), Millis(5000)))
        );
        assert_eq!(
            verify(b"secret", &token, Millis(5000)),
            Err(TokenError::Expired(Millis(5000)))
        );
        assert_eq!(verify(b"other", &token, Millis(0)), Err(TokenError::Forged));
        let as_bob = token.replacen("alice.smith", "bob", 1);
        assert_eq!(
            verify(b"secret", &as_bob, Millis(0)),
            Err(TokenError::Forged)
        );
        let later = token.replacen("5000", "9000", 1);
        assert_eq!(
            verify(b"secret", &later, Millis(0)),
            Err(TokenError::Forged)
        );
        for bad in [
            "",
            "a.b",
            "alice.12.zz",
            "alice..00",
            &"x".repeat(5000),
            "bad user.1.00",
        ] {
            assert_eq!(
                verify(b"secret", bad, Millis(0)),
                Err(TokenError::Malformed),
                "{bad}"
            );
        }
    }
}
