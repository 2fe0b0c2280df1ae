//! The institute's Ed25519 key pair, its public half as a JWK (RFC 8037)
//! and the compact JWS (RFC 7515) it signs: `EdDSA` over
//! `BASE64URL(header) . BASE64URL(payload)`.
//!
//! The private half never leaves this type except as the 32-byte seed the
//! store keeps ([`KeyPair::seed`]); its `Debug` shows the key id only, so a
//! key in a log line or an error says which key, never the key.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The algorithm a stored key is for (a column of `signing_keys`).
pub const ALGORITHM: &str = "Ed25519";

/// The JOSE name of the signature (RFC 8037): Ed25519 signs as `EdDSA`.
pub const JOSE_ALG: &str = "EdDSA";

/// Why stored key material does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyProblem {
    /// Not 32 bytes of base64url.
    #[error("a stored signing key is not 32 bytes of base64url")]
    Encoding,
    /// The stored public key is not the private key's.
    #[error("a stored signing key's public half does not match its private half")]
    Mismatch,
}

/// An Ed25519 key pair with its key id (the RFC 7638 thumbprint of its
/// public JWK).
#[derive(Clone)]
pub struct KeyPair {
    kid: String,
    signing: SigningKey,
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// A public key as published: its key id and `x` (32 bytes, base64url).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PublicKey {
    /// The RFC 7638 thumbprint of its JWK.
    pub kid: String,
    /// The public key, base64url without padding.
    pub x: String,
}

impl KeyPair {
    /// The key pair whose private seed is `seed` (the service draws it from
    /// the operating system's generator).
    pub fn from_seed(seed: [u8; 32]) -> KeyPair {
        let signing = SigningKey::from_bytes(&seed);
        let x = B64.encode(signing.verifying_key().as_bytes());
        KeyPair {
            kid: thumbprint(&x),
            signing,
        }
    }

    /// The key pair as stored: the seed, checked against the public key
    /// stored beside it.
    pub fn from_stored(public: &str, seed: &str) -> Result<KeyPair, KeyProblem> {
        let seed: [u8; 32] = B64
            .decode(seed)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(KeyProblem::Encoding)?;
        let pair = KeyPair::from_seed(seed);
        if pair.public().x != public {
            return Err(KeyProblem::Mismatch);
        }
        Ok(pair)
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The private seed, base64url, for the store only.
    pub fn seed(&self) -> String {
        B64.encode(self.signing.to_bytes())
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey {
            kid: self.kid.clone(),
            x: B64.encode(self.signing.verifying_key().as_bytes()),
        }
    }

    /// `payload` signed as a compact JWS whose header names the key by
    /// `kid_url` (a URI that dereferences to the public JWK, as Open Badges
    /// 3.0 asks) and says `typ`.
    pub fn sign(&self, kid_url: &str, typ: &str, payload: &Value) -> String {
        let header = json!({ "alg": JOSE_ALG, "kid": kid_url, "typ": typ });
        let input = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(payload.to_string())
        );
        let signature = self.signing.sign(input.as_bytes());
        format!("{input}.{}", B64.encode(signature.to_bytes()))
    }
}

impl PublicKey {
    /// A stored public key, checked to be 32 bytes of base64url.
    pub fn from_stored(x: &str) -> Result<PublicKey, KeyProblem> {
        let bytes: [u8; 32] = B64
            .decode(x)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(KeyProblem::Encoding)?;
        VerifyingKey::from_bytes(&bytes).map_err(|_| KeyProblem::Encoding)?;
        Ok(PublicKey {
            kid: thumbprint(x),
            x: x.to_owned(),
        })
    }

    /// The JWK of this key (never a `d`), named `kid_url`.
    pub fn jwk(&self, kid_url: &str) -> Value {
        json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": self.x,
            "kid": kid_url,
            "alg": JOSE_ALG,
            "use": "sig",
        })
    }
}

/// The RFC 7638 thumbprint of the Ed25519 JWK with public key `x`: the
/// SHA-256 of its required members in lexicographic order, base64url.
pub fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    B64.encode(Sha256::digest(canonical.as_bytes()))
}

/// Whether `jws` is a compact JWS that `public` signed (for tests and for
/// checking a stored key before it is used).
pub fn verify(public: &PublicKey, jws: &str) -> bool {
    let Some((input, signature)) = jws.rsplit_once('.') else {
        return false;
    };
    let (Ok(x), Ok(signature)) = (B64.decode(&public.x), B64.decode(signature)) else {
        return false;
    };
    let (Ok(x), Ok(signature)) = (
        <[u8; 32]>::try_from(x.as_slice()),
        <[u8; 64]>::try_from(signature.as_slice()),
    ) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(&x) else {
        return false;
    };
    key.verify_strict(
        input.as_bytes(),
        &ed25519_dalek::Signature::from_bytes(&signature),
    )
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8037 appendix A: the key pair, its thumbprint (A.3) and the
    /// signature of "Example of Ed25519 signing" (A.4), byte for byte.
    #[test]
    fn rfc_8037_examples() {
        let seed = B64
            .decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
            .unwrap();
        let pair = KeyPair::from_seed(seed.try_into().unwrap());
        assert_eq!(
            pair.public().x,
            "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
        );
        assert_eq!(pair.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
        let input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
        let signature = pair.signing.sign(input.as_bytes());
        assert_eq!(
            B64.encode(signature.to_bytes()),
            "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        );
        assert!(verify(
            &pair.public(),
            &format!("{input}.{}", B64.encode(signature.to_bytes()))
        ));
    }

    #[test]
    fn a_signed_payload_verifies_and_a_changed_one_does_not() {
        let pair = KeyPair::from_seed([7; 32]);
        let jws = pair.sign("https://x.example/keys/1", "JWT", &json!({"a": 1}));
        assert!(verify(&pair.public(), &jws));
        let (head, rest) = jws.split_once('.').unwrap();
        let (_, signature) = rest.split_once('.').unwrap();
        let forged = format!("{head}.{}.{signature}", B64.encode(r#"{"a":2}"#));
        assert!(!verify(&pair.public(), &forged));
        assert!(!verify(&KeyPair::from_seed([8; 32]).public(), &jws));
    }

    #[test]
    fn stored_keys_read_back_and_mismatches_are_caught() {
        let pair = KeyPair::from_seed([9; 32]);
        let back = KeyPair::from_stored(&pair.public().x, &pair.seed()).unwrap();
        assert_eq!(back.kid(), pair.kid());
        let other = KeyPair::from_seed([1; 32]);
        assert_eq!(
            KeyPair::from_stored(&other.public().x, &pair.seed()).unwrap_err(),
            KeyProblem::Mismatch
        );
        assert_eq!(
            KeyPair::from_stored("x", "short").unwrap_err(),
            KeyProblem::Encoding
        );
        assert!(!format!("{pair:?}").contains(&pair.seed()));
        assert_eq!(
            PublicKey::from_stored(&pair.public().x).unwrap(),
            pair.public()
        );
        assert!(pair.public().jwk("k").get("d").is_none());
    }
}
