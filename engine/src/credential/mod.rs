//! Open Badges 3.0: a certificate as an `OpenBadgeCredential` (W3C
//! Verifiable Credentials data model 2.0), secured as a VC-JWT (the JSON
//! Web Token proof format of Open Badges 3.0, section 8.2: the payload is
//! the credential with `iss`, `jti`, `sub`, `nbf` and `exp` beside it,
//! signed `EdDSA` by the institute's Ed25519 key, whose header `kid` is a
//! URL that gives its JWK), with a `credentialStatus` pointing at the
//! revocation list the server publishes (`status`).
//!
//! Pure: no I/O, no clock. The service reads the key, the certificate and
//! the revoked rows and gives them here with `now`; every address is built
//! on the server's `--public-url` by the functions below, which the web's
//! routes serve.

pub mod key;
pub mod status;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::certificate::{Code, Details};
pub use key::{KeyPair, KeyProblem, PublicKey};

/// The published JSON schema an `OpenBadgeCredential` follows (named in
/// its `credentialSchema`; the tests validate against a copy of it).
pub const SCHEMA: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

/// The JSON-LD contexts of an Open Badges 3.0 credential, in order.
pub const CONTEXTS: [&str; 2] = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
];

/// The media type of a credential secured as a JWT, for downloads.
pub const MEDIA_TYPE: &str = "application/vc+jwt";

/// The path of the public JWK set (every key, retired ones too).
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// The path of the revocation status list credential.
pub const STATUS_PATH: &str = "/credentials/status";

/// The issuer's id: the site itself.
pub fn issuer_id(public_url: &str) -> String {
    format!("{}/", base(public_url))
}

/// The address of key `kid`'s JWK (the `kid` of every JWS it signs).
pub fn key_url(public_url: &str, kid: &str) -> String {
    format!("{}/keys/{kid}", base(public_url))
}

/// The address of the revocation status list.
pub fn status_url(public_url: &str) -> String {
    format!("{}{STATUS_PATH}", base(public_url))
}

/// The address a certificate's credential is downloaded from (its `id`).
pub fn credential_url(public_url: &str, code: &Code) -> String {
    format!(
        "{}/certificates/{}/credential",
        base(public_url),
        code.as_str()
    )
}

fn base(public_url: &str) -> &str {
    public_url.trim_end_matches('/')
}

/// An instant as the credentials write it: `YYYY-MM-DDTHH:MM:SSZ`.
fn moment(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// What a certificate's credential is made of.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    /// The server's public address.
    pub public_url: &'a str,
    /// The certificate's verification code.
    pub code: &'a Code,
    /// Its number.
    pub number: &'a str,
    /// The trainee's name.
    pub holder: &'a str,
    /// The program's key (names the achievement).
    pub program_key: &'a str,
    /// What the certificate says.
    pub details: &'a Details,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// When it expires, if it does.
    pub expires_at: Option<Timestamp>,
    /// Its bit in the revocation list.
    pub status_index: i64,
}

/// The certificate as an `OpenBadgeCredential` with its JWT claims.
pub fn open_badge(s: &Subject<'_>) -> Value {
    let public = base(s.public_url);
    let d = s.details;
    let id = credential_url(public, s.code);
    let subject_id = format!("{public}/certificates/{}#holder", s.code.as_str());
    let issuer = issuer_id(public);
    let status = status_url(public);
    let description = format!(
        "{level}: {program}. Awarded by {awarding}, accredited by {accrediting}.\n{level_ar}: {program}. {awarding_ar} / {accrediting_ar}.",
        level = d.level.en,
        program = d.program,
        awarding = d.awarding_body.en,
        accrediting = d.accrediting_body.en,
        level_ar = d.level.ar,
        awarding_ar = d.awarding_body.ar,
        accrediting_ar = d.accrediting_body.ar,
    );
    let mut credential = json!({
        "@context": CONTEXTS,
        "id": id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": format!("{} — {} ({})", d.level.en, d.program, s.number),
        "description": description,
        "issuer": {
            "id": issuer,
            "type": ["Profile"],
            "name": d.awarding_body.en,
            "url": issuer,
        },
        "validFrom": moment(s.issued_at),
        "awardedDate": moment(s.issued_at),
        "credentialSubject": {
            "id": subject_id,
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "hashed": false,
                "identityHash": s.holder,
                "identityType": "name",
            }],
            "narrative": format!("Graduation project: {}", d.project_title),
            "achievement": {
                "id": format!("{public}/programs/{}/achievement", s.program_key),
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": format!("{}: {}", d.level.en, d.program),
                "description": description,
                "criteria": {
                    "narrative": format!(
                        "Completed the {} program's graduation project and passed its assessment by the evaluation committee.",
                        d.program
                    ),
                },
            },
        },
        "credentialSchema": [{ "id": SCHEMA, "type": "1EdTechJsonSchemaValidator2019" }],
        "credentialStatus": {
            "id": format!("{status}#{}", s.status_index),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": s.status_index.to_string(),
            "statusListCredential": status,
        },
        "iss": issuer,
        "jti": id,
        "sub": subject_id,
        "nbf": s.issued_at.as_second(),
    });
    if let Some(expires) = s.expires_at {
        credential["validUntil"] = json!(moment(expires));
        credential["exp"] = json!(expires.as_second());
    }
    credential
}

/// The revocation list as a `BitstringStatusListCredential` with its JWT
/// claims: `revoked` are the indices of revoked certificates, `highest`
/// the largest index given so far.
pub fn status_list(public_url: &str, revoked: &[i64], highest: i64, now: Timestamp) -> Value {
    let id = status_url(public_url);
    let issuer = issuer_id(public_url);
    json!({
        "@context": [CONTEXTS[0]],
        "id": id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": moment(now),
        "credentialSubject": {
            "id": format!("{id}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": status::encoded_list(revoked, highest),
        },
        "iss": issuer,
        "jti": id,
        "iat": now.as_second(),
        "nbf": now.as_second(),
    })
}

/// `credential` signed by `key` as a VC-JWT.
pub fn sign(key: &KeyPair, public_url: &str, credential: &Value) -> String {
    key.sign(&key_url(public_url, key.kid()), "JWT", credential)
}

/// The JWK set of `keys` (the signing key and every retired one).
pub fn jwks(public_url: &str, keys: &[PublicKey]) -> Value {
    json!({
        "keys": keys.iter().map(|k| k.jwk(&key_url(public_url, &k.kid))).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certificate::Texts;

    fn details() -> Details {
        let t = |en: &str, ar: &str| Texts {
            en: en.into(),
            ar: ar.into(),
        };
        Details {
            program: "Service".into(),
            level: t("Service", "الخدمة"),
            awarding_body: t("PSLI", "معهد"),
            accrediting_body: t("ILM", "آي إل إم"),
            project_title: "Faster renewals".into(),
            improvement: None,
        }
    }

    #[test]
    fn the_claims_repeat_the_credential() {
        let code = Code::from_random(&[3; 28]);
        let d = details();
        let issued: Timestamp = "2026-06-01T10:11:12.345Z".parse().unwrap();
        let expires: Timestamp = "2029-06-01T00:00:00Z".parse().unwrap();
        let c = open_badge(&Subject {
            public_url: "https://gf.example/",
            code: &code,
            number: "PSLI-2026-00001",
            holder: "Amal",
            program_key: "service",
            details: &d,
            issued_at: issued,
            expires_at: Some(expires),
            status_index: 42,
        });
        assert_eq!(c["validFrom"], "2026-06-01T10:11:12Z");
        assert_eq!(c["nbf"], issued.as_second());
        assert_eq!(c["validUntil"], "2029-06-01T00:00:00Z");
        assert_eq!(c["exp"], expires.as_second());
        assert_eq!(c["iss"], c["issuer"]["id"]);
        assert_eq!(c["jti"], c["id"]);
        assert_eq!(c["sub"], c["credentialSubject"]["id"]);
        assert_eq!(c["iss"], "https://gf.example/");
        assert_eq!(c["credentialStatus"]["statusListIndex"], "42");
        assert_eq!(
            c["credentialStatus"]["statusListCredential"],
            "https://gf.example/credentials/status"
        );
    }

    #[test]
    fn the_jwk_set_names_each_key_by_its_address() {
        let a = KeyPair::from_seed([1; 32]).public();
        let set = jwks("https://gf.example", std::slice::from_ref(&a));
        assert_eq!(
            set["keys"][0]["kid"],
            format!("https://gf.example/keys/{}", a.kid)
        );
        assert!(set["keys"][0].get("d").is_none());
    }
}
