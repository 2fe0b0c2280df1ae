//! TLS to PostgreSQL: the URL's `sslmode` and `sslrootcert` are checked
//! before any connection is tried, so a wrong setting is named with its
//! file, and a refused certificate or a server that wants TLS is explained
//! in the operator's terms. The handshake itself is sqlx's, over rustls
//! (ring) with the system's roots plus the `sslrootcert` file.

use super::Error;

/// The modes `sslmode` takes (libpq's names).
const MODES: &[&str] = &[
    "disable",
    "allow",
    "prefer",
    "require",
    "verify-ca",
    "verify-full",
];

/// The TLS settings a PostgreSQL URL asks for.
pub(super) struct Tls {
    /// `sslmode` as written, when given.
    mode: Option<String>,
    /// `sslrootcert`, when given.
    root: Option<String>,
}

/// Reads and checks the URL's TLS settings: a known `sslmode`, and a
/// `sslrootcert` file that can be read and holds a PEM certificate.
pub(super) fn check(url: &str) -> Result<Tls, Error> {
    let mut tls = Tls {
        mode: None,
        root: None,
    };
    // A URL `url` cannot read is left for sqlx to refuse.
    let Ok(parsed) = url::Url::parse(url) else {
        return Ok(tls);
    };
    for (key, value) in parsed.query_pairs() {
        match key.as_ref() {
            "sslmode" | "ssl-mode" => tls.mode = Some(value.into_owned()),
            "sslrootcert" | "ssl-root-cert" | "ssl-ca" => tls.root = Some(value.into_owned()),
            _ => {}
        }
    }
    if let Some(mode) = &tls.mode
        && !MODES.contains(&mode.as_str())
    {
        return Err(Error::Tls(format!(
            "sslmode={mode} in the database URL is not a TLS mode; use disable, prefer, require, verify-ca or verify-full"
        )));
    }
    if let Some(root) = &tls.root {
        let text = std::fs::read(root).map_err(|e| {
            Error::Tls(format!(
                "sslrootcert={root} in the database URL: cannot read the CA file: {e}"
            ))
        })?;
        if !String::from_utf8_lossy(&text).contains("-----BEGIN CERTIFICATE-----") {
            return Err(Error::Tls(format!(
                "sslrootcert={root} in the database URL holds no PEM certificate (a '-----BEGIN CERTIFICATE-----' block)"
            )));
        }
        if matches!(
            tls.mode.as_deref(),
            None | Some("disable" | "allow" | "prefer")
        ) {
            return Err(Error::Tls(format!(
                "sslrootcert={root} is given but sslmode={} does not check the server's certificate with it; add sslmode=verify-full (or verify-ca) to the database URL",
                tls.mode.as_deref().unwrap_or("prefer")
            )));
        }
    }
    Ok(tls)
}

/// Whether an I/O error is rustls refusing the handshake (a certificate
/// not signed by a trusted CA, or not for the host): rustls reports those
/// as `InvalidData` carrying its own error.
pub(super) fn is_refusal(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::InvalidData && error.get_ref().is_some()
}

/// Words for an option sqlx could not read from the URL (its own words kept).
pub(super) fn explain_options(e: sqlx::Error) -> String {
    format!("the database URL's options cannot be used: {e}")
}

impl Tls {
    /// Whether `sslmode=require` comes with a CA file, which libpq then
    /// uses to check the server's certificate (as `verify-ca`); so do we.
    pub(super) fn require_checks_ca(&self) -> bool {
        self.root.is_some() && self.mode.as_deref() == Some("require")
    }

    /// The error for a connection that failed: a refused certificate names
    /// the settings that decided it; a server refusing a connection without
    /// TLS says which setting to change; anything else is the usual error.
    pub(super) fn explain(&self, e: sqlx::Error) -> Error {
        let settings = || {
            let mut s = format!("sslmode={}", self.mode.as_deref().unwrap_or("prefer"));
            if let Some(root) = &self.root {
                s.push_str(&format!(", sslrootcert={root}"));
            }
            s
        };
        match &e {
            sqlx::Error::Io(cause) if is_refusal(cause) => Error::Tls(format!(
                "the TLS connection to the database failed ({}): {cause}; check that the CA file signed the server's certificate and that the URL's host is a name in it",
                settings()
            )),
            sqlx::Error::Tls(cause) => Error::Tls(format!(
                "the TLS connection to the database failed ({}): {cause}; check that the CA file signed the server's certificate and that the URL's host is a name in it",
                settings()
            )),
            sqlx::Error::Database(db)
                if db.code().as_deref() == Some("28000")
                    && db.message().contains("no encryption") =>
            {
                Error::Tls(format!(
                    "the database server accepts only TLS connections, and the URL says {}: use sslmode=verify-full (with sslrootcert=FILE for the server's CA) — {}",
                    settings(),
                    db.message()
                ))
            }
            _ => Error::from(e),
        }
    }
}
