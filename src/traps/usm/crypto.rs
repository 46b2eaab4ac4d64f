//! USM cryptography (RFC 3414, RFC 3826, RFC 7860): password to key, key
//! localization, HMAC signatures, DES-CBC and AES-CFB privacy, and the
//! AES-192/256 key extensions (Blumenthal, and Reeder as Cisco does it).
//!
//! Built on the RustCrypto primitives snmp2 already links; snmp2's own USM
//! is for the command generator side only (it cannot answer an inform: it
//! has no Report and writes the request id where the msgID belongs).

use aes::cipher::{AsyncStreamCipher, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use sha2::Digest;

use crate::config::{AuthProtocol, PrivProtocol};

/// The digest of the concatenated `parts`.
pub fn digest(p: AuthProtocol, parts: &[&[u8]]) -> Vec<u8> {
    fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
        let mut d = D::new();
        for part in parts {
            d.update(part);
        }
        d.finalize().to_vec()
    }
    match p {
        AuthProtocol::Md5 => run::<md5::Md5>(parts),
        AuthProtocol::Sha => run::<sha1::Sha1>(parts),
        AuthProtocol::Sha224 => run::<sha2::Sha224>(parts),
        AuthProtocol::Sha256 => run::<sha2::Sha256>(parts),
        AuthProtocol::Sha384 => run::<sha2::Sha384>(parts),
        AuthProtocol::Sha512 => run::<sha2::Sha512>(parts),
    }
}

/// RFC 3414 A.2: the password repeated to 1 MiB, hashed. Costly (a few
/// milliseconds): done once per credential, then cached.
pub fn password_to_key(p: AuthProtocol, password: &[u8]) -> Vec<u8> {
    fn run<D: Digest>(password: &[u8]) -> Vec<u8> {
        let mut d = D::new();
        let mut block = [0u8; 64];
        let mut at = 0;
        for _ in 0..(1_048_576 / 64) {
            for b in &mut block {
                *b = password[at];
                at = (at + 1) % password.len();
            }
            d.update(block);
        }
        d.finalize().to_vec()
    }
    if password.is_empty() {
        return Vec::new();
    }
    match p {
        AuthProtocol::Md5 => run::<md5::Md5>(password),
        AuthProtocol::Sha => run::<sha1::Sha1>(password),
        AuthProtocol::Sha224 => run::<sha2::Sha224>(password),
        AuthProtocol::Sha256 => run::<sha2::Sha256>(password),
        AuthProtocol::Sha384 => run::<sha2::Sha384>(password),
        AuthProtocol::Sha512 => run::<sha2::Sha512>(password),
    }
}

/// Kul = H(Ku ‖ engineID ‖ Ku).
pub fn localize(p: AuthProtocol, ku: &[u8], engine_id: &[u8]) -> Vec<u8> {
    digest(p, &[ku, engine_id, ku])
}

/// The privacy key for `cipher`: the localized key, extended for AES-192/256
/// when the hash is too short for it.
pub fn priv_key(auth: AuthProtocol, cipher: PrivProtocol, priv_ku: &[u8], engine_id: &[u8]) -> Vec<u8> {
    let mut key = localize(auth, priv_ku, engine_id);
    let need = key_len(cipher);
    match cipher {
        PrivProtocol::Aes192 | PrivProtocol::Aes256 => {
            // Blumenthal: append H(key so far) until long enough.
            while key.len() < need {
                let more = digest(auth, &[&key]);
                key.extend_from_slice(&more);
            }
        }
        PrivProtocol::Aes192C | PrivProtocol::Aes256C => {
            // Reeder: the localized key is the passphrase of the next one.
            while key.len() < need {
                let ku = password_to_key(auth, &key);
                let more = localize(auth, &ku, engine_id);
                key.extend_from_slice(&more);
            }
        }
        PrivProtocol::Des | PrivProtocol::Aes => {}
    }
    key.truncate(need.max(16));
    key
}

fn key_len(cipher: PrivProtocol) -> usize {
    match cipher {
        // DES uses 8 key bytes and 8 pre-IV bytes.
        PrivProtocol::Des | PrivProtocol::Aes => 16,
        PrivProtocol::Aes192 | PrivProtocol::Aes192C => 24,
        PrivProtocol::Aes256 | PrivProtocol::Aes256C => 32,
    }
}

/// The length of msgAuthenticationParameters (RFC 3414, RFC 7860).
pub fn mac_len(p: AuthProtocol) -> usize {
    match p {
        AuthProtocol::Md5 | AuthProtocol::Sha => 12,
        AuthProtocol::Sha224 => 16,
        AuthProtocol::Sha256 => 24,
        AuthProtocol::Sha384 => 32,
        AuthProtocol::Sha512 => 48,
    }
}

/// HMAC of `message`, truncated to [`mac_len`].
pub fn sign(p: AuthProtocol, key: &[u8], message: &[u8]) -> Vec<u8> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
        match <M as hmac::digest::KeyInit>::new_from_slice(key) {
            Ok(mut m) => {
                m.update(message);
                m.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    }
    let mut mac = match p {
        AuthProtocol::Md5 => run::<Hmac<md5::Md5>>(key, message),
        AuthProtocol::Sha => run::<Hmac<sha1::Sha1>>(key, message),
        AuthProtocol::Sha224 => run::<Hmac<sha2::Sha224>>(key, message),
        AuthProtocol::Sha256 => run::<Hmac<sha2::Sha256>>(key, message),
        AuthProtocol::Sha384 => run::<Hmac<sha2::Sha384>>(key, message),
        AuthProtocol::Sha512 => run::<Hmac<sha2::Sha512>>(key, message),
    };
    mac.truncate(mac_len(p));
    mac
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the privacy parameters are not 8 bytes")]
    Salt,
    #[error("the encrypted PDU is not a whole number of blocks")]
    Blocks,
}

/// Decrypts a scopedPDU. `boots`/`time` are the authoritative engine's,
/// as sent in the message (AES uses them in its IV).
pub fn decrypt(
    cipher: PrivProtocol,
    key: &[u8],
    salt: &[u8],
    boots: u32,
    time: u32,
    data: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    if salt.len() != 8 {
        return Err(CryptoError::Salt);
    }
    let mut buf = data.to_vec();
    match cipher {
        PrivProtocol::Des => {
            if !buf.len().is_multiple_of(8) || key.len() < 16 {
                return Err(CryptoError::Blocks);
            }
            let iv = des_iv(key, salt);
            let mut d = cbc::Decryptor::<des::Des>::new_from_slices(&key[..8], &iv).map_err(|_| CryptoError::Salt)?;
            for chunk in buf.chunks_mut(8) {
                d.decrypt_block_mut(aes::cipher::generic_array::GenericArray::from_mut_slice(chunk));
            }
        }
        _ => {
            let iv = aes_iv(boots, time, salt);
            aes_apply(cipher, key, &iv, &mut buf, false)?;
        }
    }
    Ok(buf)
}

/// Encrypts a scopedPDU with `salt` (DES pads it to whole blocks).
pub fn encrypt(
    cipher: PrivProtocol,
    key: &[u8],
    salt: &[u8; 8],
    boots: u32,
    time: u32,
    plain: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let mut buf = plain.to_vec();
    match cipher {
        PrivProtocol::Des => {
            if key.len() < 16 {
                return Err(CryptoError::Blocks);
            }
            buf.resize(plain.len().div_ceil(8) * 8, 0);
            let iv = des_iv(key, salt);
            let mut e = cbc::Encryptor::<des::Des>::new_from_slices(&key[..8], &iv).map_err(|_| CryptoError::Salt)?;
            for chunk in buf.chunks_mut(8) {
                e.encrypt_block_mut(aes::cipher::generic_array::GenericArray::from_mut_slice(chunk));
            }
        }
        _ => {
            let iv = aes_iv(boots, time, salt);
            aes_apply(cipher, key, &iv, &mut buf, true)?;
        }
    }
    Ok(buf)
}

/// RFC 3414 §8.1.1.1: IV = the key's pre-IV (bytes 8..16) XOR the salt.
/// Callers have checked `key` has 16 bytes and `salt` 8.
fn des_iv(key: &[u8], salt: &[u8]) -> [u8; 8] {
    let mut iv = [0u8; 8];
    for (i, b) in iv.iter_mut().enumerate() {
        *b = key[8 + i] ^ salt[i];
    }
    iv
}

/// RFC 3826 §3.1.2.1: IV = boots ‖ time ‖ salt.
fn aes_iv(boots: u32, time: u32, salt: &[u8]) -> [u8; 16] {
    let mut iv = [0u8; 16];
    iv[..4].copy_from_slice(&boots.to_be_bytes());
    iv[4..8].copy_from_slice(&time.to_be_bytes());
    iv[8..].copy_from_slice(&salt[..8]);
    iv
}

fn aes_apply(
    cipher: PrivProtocol,
    key: &[u8],
    iv: &[u8; 16],
    buf: &mut [u8],
    encrypt: bool,
) -> Result<(), CryptoError> {
    macro_rules! go {
        ($aes:ty, $n:expr) => {{
            let k = key.get(..$n).ok_or(CryptoError::Blocks)?;
            if encrypt {
                cfb_mode::Encryptor::<$aes>::new_from_slices(k, iv)
                    .map_err(|_| CryptoError::Salt)?
                    .encrypt(buf)
            } else {
                cfb_mode::Decryptor::<$aes>::new_from_slices(k, iv)
                    .map_err(|_| CryptoError::Salt)?
                    .decrypt(buf)
            }
        }};
    }
    match cipher {
        PrivProtocol::Aes => go!(aes::Aes128, 16),
        PrivProtocol::Aes192 | PrivProtocol::Aes192C => go!(aes::Aes192, 24),
        PrivProtocol::Aes256 | PrivProtocol::Aes256C => go!(aes::Aes256, 32),
        PrivProtocol::Des => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// RFC 3414 A.3.1 and A.3.2: "maplesyrup" localized to engine 00…02.
    #[test]
    fn key_localization_matches_the_rfc_3414_test_vectors() {
        let engine = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
        let md5 = localize(
            AuthProtocol::Md5,
            &password_to_key(AuthProtocol::Md5, b"maplesyrup"),
            &engine,
        );
        assert_eq!(hex(&md5), "526f5eed9fcce26f8964c2930787d82b");
        let sha = localize(
            AuthProtocol::Sha,
            &password_to_key(AuthProtocol::Sha, b"maplesyrup"),
            &engine,
        );
        assert_eq!(hex(&sha), "6695febc9288e36282235fc7151f128497b38f3f");
    }

    #[test]
    fn what_is_encrypted_decrypts_with_every_cipher() {
        let plain = b"a scoped PDU that is not a whole number of blocks";
        for cipher in [
            PrivProtocol::Des,
            PrivProtocol::Aes,
            PrivProtocol::Aes192,
            PrivProtocol::Aes256,
            PrivProtocol::Aes192C,
            PrivProtocol::Aes256C,
        ] {
            let ku = password_to_key(AuthProtocol::Sha, b"privpass1");
            let key = priv_key(AuthProtocol::Sha, cipher, &ku, b"\x80\x00\x1f\x88\x80engine");
            let salt = [1, 2, 3, 4, 5, 6, 7, 8];
            let c = encrypt(cipher, &key, &salt, 3, 1000, plain).unwrap();
            assert_ne!(&c[..plain.len()], &plain[..]);
            let back = decrypt(cipher, &key, &salt, 3, 1000, &c).unwrap();
            assert_eq!(&back[..plain.len()], &plain[..], "{cipher:?}");
        }
        assert_eq!(
            decrypt(PrivProtocol::Des, &[0; 16], &[0; 8], 0, 0, &[0; 7]),
            Err(CryptoError::Blocks)
        );
        assert_eq!(
            decrypt(PrivProtocol::Aes, &[0; 16], &[0; 4], 0, 0, &[0; 7]),
            Err(CryptoError::Salt)
        );
    }

    #[test]
    fn signatures_have_the_rfc_lengths() {
        for (p, n) in [
            (AuthProtocol::Md5, 12),
            (AuthProtocol::Sha256, 24),
            (AuthProtocol::Sha512, 48),
        ] {
            assert_eq!(sign(p, b"key", b"message").len(), n);
        }
    }
}
