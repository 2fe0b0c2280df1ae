//! Open Badges 3.0 credentials: the institute's signing keys (created when
//! first needed or by `gradflow keys create`, rotated by `gradflow keys
//! rotate`, every public half kept published), a certificate's credential
//! for the people who may read the certificate, the public JWK set and the
//! revocation status list.
//!
//! The key lives in the database, so every server and worker of one
//! installation signs with the same key and a backup of the database
//! carries it (docs/OPERATIONS.md, "Signing keys (Open Badges)"). Nothing here logs key
//! material: a key shows as its id.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::{Engine, Error, Viewer};
use crate::certificate::Code;
use crate::credential::{self, KeyPair, PublicKey, key::ALGORITHM};
use crate::reason::{Arg, Reason};
use crate::store::{Certificate, KeyRow};

/// What anyone may know of a signing key (`gradflow keys show`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SigningKey {
    /// Its key id: the RFC 7638 thumbprint of its JWK.
    pub kid: String,
    /// The algorithm (`Ed25519`).
    pub algorithm: &'static str,
    /// The public key, base64url (the JWK's `x`).
    pub x: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stopped signing (it stays published), if it did.
    pub retired_at: Option<Timestamp>,
}

/// A certificate's credential, ready to download.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The VC-JWT (a compact JWS).
    pub jwt: String,
    /// A file name for it: the certificate's number, `.jwt`.
    pub file_name: String,
}

impl SigningKey {
    fn of(row: &KeyRow) -> SigningKey {
        SigningKey {
            kid: row.kid.clone(),
            algorithm: ALGORITHM,
            x: row.public_key.clone(),
            created_at: row.created_at,
            retired_at: row.retired_at,
        }
    }
}

/// Checks `public_url` is an absolute http(s) address without query or
/// fragment: every id in a credential is built on it.
fn public_base(public_url: &str) -> Result<String, Error> {
    let refused = || {
        Error::Invalid(Reason::new(
            "credential-public-url",
            vec![("url", Arg::Text(public_url.to_owned()))],
        ))
    };
    let parsed = url::Url::parse(public_url).map_err(|_| refused())?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none()
        || parsed.query().is_some()
        || parsed.fragment().is_some()
        || !parsed.username().is_empty()
        || parsed.password().is_some()
    {
        return Err(refused());
    }
    Ok(public_url.trim_end_matches('/').to_owned())
}

impl Engine {
    /// Every signing key's public half, oldest first; the one signing now
    /// has no `retired_at`.
    pub async fn signing_keys(&self) -> Result<Vec<SigningKey>, Error> {
        Ok(self
            .store
            .public_keys()
            .await?
            .iter()
            .map(SigningKey::of)
            .collect())
    }

    /// The key that signs now, made first if there is none (two servers
    /// making it at once end with one key: the other's is dropped).
    /// Whether it was made by this call comes second.
    pub async fn create_signing_key(&self, now: Timestamp) -> Result<(SigningKey, bool), Error> {
        if let Some(row) = self.store.signing_key(ALGORITHM).await? {
            return Ok((SigningKey::of(&row), false));
        }
        let mut row = new_key_row();
        row.created_at = now;
        if self
            .store
            .add_signing_key(ALGORITHM, &row, false, now)
            .await?
        {
            return Ok((SigningKey::of(&row), true));
        }
        // Another server made it first: theirs signs.
        let row = self
            .store
            .signing_key(ALGORITHM)
            .await?
            .ok_or_else(|| Error::internal("no signing key after adding one"))?;
        Ok((SigningKey::of(&row), false))
    }

    /// Retires the key that signs now (it stays published, so what it
    /// signed keeps verifying) and makes a new one that signs from now on.
    /// Refused, changing nothing, when another rotation won the race.
    pub async fn rotate_signing_key(&self, now: Timestamp) -> Result<SigningKey, Error> {
        let mut row = new_key_row();
        row.created_at = now;
        if !self
            .store
            .add_signing_key(ALGORITHM, &row, true, now)
            .await?
        {
            return Err(Error::Conflict(Reason::new("signing-key-changed", vec![])));
        }
        Ok(SigningKey::of(&row))
    }

    /// The key pair that signs now (made if there is none).
    async fn key_pair(&self, now: Timestamp) -> Result<KeyPair, Error> {
        let row = match self.store.signing_key(ALGORITHM).await? {
            Some(row) => row,
            None => {
                self.create_signing_key(now).await?;
                self.store
                    .signing_key(ALGORITHM)
                    .await?
                    .ok_or_else(|| Error::internal("no signing key after adding one"))?
            }
        };
        KeyPair::from_stored(&row.public_key, &row.private_key)
            .map_err(|e| Error::internal(format!("signing key {}: {e}", row.kid)))
    }

    /// The credential of the certificate with code `typed`, for `viewer`:
    /// the same people as its page (the holder, the project's and the
    /// cohort's staff); anyone else finds nothing, as for an unknown code.
    /// Every id in it is built on `public_url`.
    pub async fn credential_as(
        &self,
        viewer: &Viewer,
        typed: &str,
        public_url: &str,
        now: Timestamp,
    ) -> Result<Credential, Error> {
        let public = public_base(public_url)?;
        let certificate = self.certificate_as(viewer, typed).await?;
        self.sign_credential(&certificate, &public, now).await
    }

    /// The credential of the certificate `what` names (a code or a number),
    /// for the operator (`gradflow certificate credential`).
    pub async fn credential(
        &self,
        what: &str,
        public_url: &str,
        now: Timestamp,
    ) -> Result<Credential, Error> {
        let public = public_base(public_url)?;
        let certificate = self.certificate(what).await?;
        self.sign_credential(&certificate, &public, now).await
    }

    async fn sign_credential(
        &self,
        c: &Certificate,
        public: &str,
        now: Timestamp,
    ) -> Result<Credential, Error> {
        let code = Code::parse(&c.code)
            .map_err(|_| Error::internal("a stored certificate code does not read"))?;
        let key = self.key_pair(now).await?;
        let status_index = self.status_index(c.id).await?;
        let credential = credential::open_badge(&credential::Subject {
            public_url: public,
            code: &code,
            number: &c.number,
            holder: &c.person_name,
            program_key: &c.program_key,
            details: &c.details,
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            status_index,
        });
        let file_name: String = c
            .number
            .chars()
            .map(|ch| {
                if ch.is_ascii_alphanumeric() || ch == '-' {
                    ch
                } else {
                    '_'
                }
            })
            .collect();
        Ok(Credential {
            jwt: credential::sign(&key, public, &credential),
            file_name: format!("{file_name}.jwt"),
        })
    }

    /// Certificate `certificate`'s bit in the status list: the one it was
    /// given, or one drawn now at random among the free ones (two servers
    /// drawing for it at once agree on the first written).
    async fn status_index(&self, certificate: i64) -> Result<i64, Error> {
        for _ in 0..64 {
            if let Some(index) = self.store.status_index(certificate).await? {
                return Ok(index);
            }
            let range = credential::status::draw_range(self.store.status_indexes_given().await?);
            let index = rand::random_range(0..range);
            if self.store.give_status_index(certificate, index).await? {
                return Ok(index);
            }
        }
        Err(Error::internal("no free status list index after 64 draws"))
    }

    /// The revocation status list as a signed `BitstringStatusListCredential`
    /// (public: it tells only which bits are set).
    pub async fn status_list(&self, public_url: &str, now: Timestamp) -> Result<String, Error> {
        let public = public_base(public_url)?;
        let (revoked, highest) = self.store.revocation_bits().await?;
        let key = self.key_pair(now).await?;
        let list = credential::status_list(&public, &revoked, highest, now);
        Ok(credential::sign(&key, &public, &list))
    }

    /// The JWK set: every key's public half, the retired ones too.
    pub async fn jwks(&self, public_url: &str) -> Result<Value, Error> {
        let public = public_base(public_url)?;
        Ok(credential::jwks(&public, &self.published_keys().await?))
    }

    /// The JWK of key `kid`, if there is such a key.
    pub async fn jwk(&self, public_url: &str, kid: &str) -> Result<Option<Value>, Error> {
        let public = public_base(public_url)?;
        Ok(self
            .published_keys()
            .await?
            .into_iter()
            .find(|k| k.kid == kid)
            .map(|k| k.jwk(&credential::key_url(&public, &k.kid))))
    }

    async fn published_keys(&self) -> Result<Vec<PublicKey>, Error> {
        self.store
            .public_keys()
            .await?
            .iter()
            .map(|row| {
                PublicKey::from_stored(&row.public_key)
                    .map_err(|e| Error::internal(format!("signing key {}: {e}", row.kid)))
            })
            .collect()
    }
}

/// A fresh key pair as a row to store: its seed from the thread's
/// cryptographic generator (seeded by the operating system).
fn new_key_row() -> KeyRow {
    let pair = KeyPair::from_seed(rand::random::<[u8; 32]>());
    let public = pair.public();
    KeyRow {
        kid: public.kid,
        public_key: public.x,
        private_key: pair.seed(),
        created_at: Timestamp::UNIX_EPOCH,
        retired_at: None,
    }
}
