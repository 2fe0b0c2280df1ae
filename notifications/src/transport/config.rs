//! Which transport, from one URL, and how it prints without its password.
//!
//! ```text
//! smtp://127.0.0.1:2525                    plain SMTP (a local relay)
//! smtp://user:pass@mail.example.org:587    STARTTLS, required because there is a password
//! smtp://mail.example.org?tls=starttls     STARTTLS without a login
//! smtps://user:pass@mail.example.org       TLS from the first byte (port 465)
//! file:///var/lib/gradflow/outbox-mail     one .eml file per message in that folder
//! log:                                     a log line per message, nothing sent
//! ```
//!
//! SMTP URLs also take `timeout=SECONDS` (default 30: the longest one
//! message may take, connecting included) and `pool=N` (default 4:
//! connections kept open, and messages a worker has on their way at once).
//! A user name
//! or password with `@`, `:` or `/` in it is written percent-encoded.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use url::{Host, Url};

/// The environment variable the binary reads the transport URL from.
pub const URL_VARIABLE: &str = "GRADFLOW_SMTP_URL";

/// Where messages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Config {
    /// A mail server (`smtp://` or `smtps://`).
    Smtp(SmtpConfig),
    /// A folder of `.eml` files (`file://PATH`; the folder is created).
    Folder(PathBuf),
    /// The log (`log:`).
    Log,
}

/// How to reach and talk to a mail server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// TCP port: from the URL, else 465 for `smtps`, 587 for STARTTLS, 25.
    pub port: u16,
    /// Whether and how the connection is encrypted.
    pub security: Security,
    /// The login, if the server wants one. Never sent unencrypted.
    pub credentials: Option<Credentials>,
    /// The longest one message may take, connecting included, before the
    /// attempt counts as failed (transient) and its connection is dropped.
    pub timeout: Duration,
    /// How many connections the pool keeps open for reuse; a worker sends
    /// this many messages at once, one per connection.
    pub pool_size: u32,
}

/// Encryption of the SMTP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// None: only for a relay on the same machine or a trusted network.
    Plain,
    /// Start in plain text, then upgrade with STARTTLS; a server that does
    /// not offer it is an error, never a fallback to plain text.
    StartTls,
    /// TLS from the first byte (`smtps`, port 465).
    Tls,
}

/// A user name and password for the mail server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The login name.
    pub username: String,
    /// The password; prints as `***`.
    pub password: Secret,
}

/// A string that never prints: `Debug` and `Display` show `***`, so a
/// configuration can be logged whole.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it (the SMTP login).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A transport URL that cannot be used. The message shows the URL with its
/// password replaced by `***`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mail transport `{url}`: {problem}")]
pub struct ConfigError {
    /// The URL as given, password hidden.
    pub url: String,
    /// What is wrong and how to put it right.
    pub problem: String,
}

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections a mail server's pool keeps without `pool=N`: also how many
/// emails a worker has on their way at once, so how many a worker killed
/// mid-send may have delivered unrecorded (each sent again, under its
/// Message-ID, once its lease runs out).
pub const DEFAULT_POOL_SIZE: u32 = 4;

impl FromStr for Config {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<Config, ConfigError> {
        let text = text.trim();
        let refuse = |problem: String| ConfigError {
            url: redact(text),
            problem,
        };
        if text == "log:" || text == "log" {
            return Ok(Config::Log);
        }
        if let Some(path) = text.strip_prefix("file://") {
            if path.is_empty() {
                return Err(refuse(
                    "name the folder: file:///absolute/path or file://relative/path".into(),
                ));
            }
            return Ok(Config::Folder(PathBuf::from(path)));
        }
        let url = Url::parse(text).map_err(|e| {
            refuse(format!(
                "{e}; expected smtp://HOST:PORT, smtps://USER:PASSWORD@HOST, file://FOLDER or log:"
            ))
        })?;
        SmtpConfig::from_url(&url).map(Config::Smtp).map_err(refuse)
    }
}

impl SmtpConfig {
    fn from_url(url: &Url) -> Result<SmtpConfig, String> {
        let implicit_tls = match url.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => {
                return Err(format!(
                    "unknown scheme `{other}`; use smtp, smtps, file or log"
                ));
            }
        };
        let host = match url.host() {
            Some(Host::Domain(name)) if !name.is_empty() => name.to_owned(),
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err("the URL names no mail server: smtp://HOST:PORT".into()),
        };
        if !matches!(url.path(), "" | "/") {
            return Err(format!(
                "an SMTP URL has no path (`{}`); settings go after `?`",
                url.path()
            ));
        }
        let credentials = match (url.username(), url.password()) {
            ("", None) => None,
            ("", Some(_)) => return Err("a password is given without a user name".into()),
            (user, password) => Some(Credentials {
                username: percent_decode(user)?,
                password: Secret(percent_decode(password.unwrap_or(""))?),
            }),
        };

        let mut tls_setting = None;
        let mut timeout = DEFAULT_TIMEOUT;
        let mut pool_size = DEFAULT_POOL_SIZE;
        for (key, value) in url.query_pairs() {
            match &*key {
                "tls" => tls_setting = Some(value.into_owned()),
                "timeout" => {
                    timeout = value
                        .parse::<u64>()
                        .ok()
                        .filter(|s| *s > 0)
                        .map(Duration::from_secs)
                        .ok_or_else(|| {
                            format!(
                                "timeout={value}: give a whole number of seconds, e.g. timeout=30"
                            )
                        })?;
                }
                "pool" => {
                    pool_size = value
                        .parse::<u32>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| {
                            format!("pool={value}: give the number of connections, e.g. pool=4")
                        })?;
                }
                other => {
                    return Err(format!(
                        "unknown setting `{other}`; known: tls, timeout, pool"
                    ));
                }
            }
        }

        let security = match (implicit_tls, tls_setting.as_deref(), &credentials) {
            (true, None | Some("tls"), _) => Security::Tls,
            (true, Some(other), _) => {
                return Err(format!(
                    "smtps always uses TLS from the first byte; remove tls={other}"
                ));
            }
            (false, Some("starttls"), _) => Security::StartTls,
            (false, None, Some(_)) => Security::StartTls,
            (false, None, None) => Security::Plain,
            (false, Some("none"), None) => Security::Plain,
            (false, Some("none"), Some(_)) => {
                return Err("refusing to send a password unencrypted: remove tls=none (STARTTLS is then required) or use smtps://".into());
            }
            (false, Some(other), _) => {
                return Err(format!("tls={other}: use tls=starttls or tls=none"));
            }
        };
        let port = match url.port() {
            Some(port) => port,
            None => match security {
                Security::Tls => 465,
                Security::StartTls => 587,
                Security::Plain => 25,
            },
        };
        Ok(SmtpConfig {
            host,
            port,
            security,
            credentials,
            timeout,
            pool_size,
        })
    }
}

/// `smtp://user:***@host:port?tls=starttls&timeout=30&pool=4`: the
/// configuration in effect, safe to log.
impl fmt::Display for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.security == Security::Tls {
            "smtps"
        } else {
            "smtp"
        };
        write!(f, "{scheme}://")?;
        if let Some(credentials) = &self.credentials {
            write!(f, "{}:***@", credentials.username)?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)?;
        } else {
            write!(f, "{}:{}", self.host, self.port)?;
        }
        let tls = match self.security {
            Security::StartTls => "tls=starttls&",
            Security::Plain | Security::Tls => "",
        };
        write!(
            f,
            "?{tls}timeout={}&pool={}",
            self.timeout.as_secs(),
            self.pool_size
        )
    }
}

/// The configuration in effect, safe to log.
impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Config::Smtp(smtp) => smtp.fmt(f),
            Config::Folder(path) => write!(f, "file://{}", path.display()),
            Config::Log => f.write_str("log:"),
        }
    }
}

/// `url` as a message about it may show it: with its password, and any
/// setting whose name speaks of one, replaced by `***`. A text that is not a
/// URL with a host (`smtp:/user:pw@host`, say) may hold a password anywhere,
/// so only its scheme is shown.
pub(crate) fn redact(text: &str) -> String {
    let scheme_only = || match text.split_once(':') {
        Some((scheme, _))
            if scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            format!("{scheme}:… (the rest is not shown: it may hold a password)")
        }
        _ => "(not shown: it may hold a password)".to_owned(),
    };
    let Ok(mut url) = Url::parse(text) else {
        return scheme_only();
    };
    if !url.has_host() {
        return scheme_only();
    }
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let secret = k.to_ascii_lowercase().contains("pass")
                    || k.to_ascii_lowercase().contains("secret");
                (
                    k.into_owned(),
                    if secret {
                        "***".to_owned()
                    } else {
                        v.into_owned()
                    },
                )
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            let byte = hex
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("a `%` in the user name or password must be followed by two hex digits")?;
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| "the user name or password is not UTF-8 once decoded".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smtp(url: &str) -> SmtpConfig {
        match url.parse::<Config>() {
            Ok(Config::Smtp(config)) => config,
            other => panic!("{url}: {other:?}"),
        }
    }

    fn problem(url: &str) -> String {
        url.parse::<Config>().unwrap_err().to_string()
    }

    #[test]
    fn a_local_relay_is_plain() {
        let config = smtp("smtp://127.0.0.1:2525");
        assert_eq!(
            (config.host.as_str(), config.port, config.security),
            ("127.0.0.1", 2525, Security::Plain)
        );
        assert_eq!(config.credentials, None);
        assert_eq!(config.timeout, DEFAULT_TIMEOUT);
        assert_eq!(
            config.to_string(),
            "smtp://127.0.0.1:2525?timeout=30&pool=4"
        );
    }

    #[test]
    fn credentials_require_starttls() {
        let config = smtp("smtp://mailer:s3cr%40t@mail.example.org:587");
        assert_eq!(config.security, Security::StartTls);
        let credentials = config.credentials.clone().unwrap();
        assert_eq!(
            (credentials.username.as_str(), credentials.password.expose()),
            ("mailer", "s3cr@t")
        );
        assert_eq!(smtp("smtp://u:p@mail.example.org").port, 587);
        assert!(problem("smtp://u:p@mail.example.org?tls=none").contains("unencrypted"));
        assert_eq!(
            smtp("smtp://mail.example.org?tls=starttls").security,
            Security::StartTls
        );
    }

    #[test]
    fn smtps_is_implicit_tls_on_465() {
        let config = smtp("smtps://u:p@mail.example.org");
        assert_eq!((config.port, config.security), (465, Security::Tls));
        assert!(problem("smtps://mail.example.org?tls=starttls").contains("smtps always"));
    }

    #[test]
    fn settings_are_read_and_checked() {
        let config = smtp("smtp://[::1]:2525?timeout=5&pool=2");
        assert_eq!(
            (config.host.as_str(), config.timeout, config.pool_size),
            ("::1", Duration::from_secs(5), 2)
        );
        assert_eq!(config.to_string(), "smtp://[::1]:2525?timeout=5&pool=2");
        assert!(problem("smtp://h?timeout=soon").contains("timeout=soon"));
        assert!(problem("smtp://h?pool=0").contains("pool=0"));
        assert!(problem("smtp://h?colour=blue").contains("unknown setting `colour`"));
        assert!(problem("smtp://h/path").contains("no path"));
        assert!(problem("imap://h").contains("unknown scheme"));
        assert!(
            problem("smtp://").contains("no mail server")
                || problem("smtp://").contains("empty host")
        );
    }

    #[test]
    fn the_password_never_prints() {
        let url = "smtps://mailer:hunter2@mail.example.org?tls=bogus";
        let shown = problem(url);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("mailer:***@mail.example.org"), "{shown}");
        let config = smtp("smtp://mailer:hunter2@mail.example.org");
        assert!(!config.to_string().contains("hunter2"));
        assert!(!format!("{config:?}").contains("hunter2"));
        assert_eq!(
            config.to_string(),
            "smtp://mailer:***@mail.example.org:587?tls=starttls&timeout=30&pool=4"
        );
        assert_eq!(redact("smtp://a:b:c@h:1/x?y"), "smtp://a:***@h:1/x?y=");
        assert_eq!(redact("smtp://h:1"), "smtp://h:1");
        // Misspelt URLs and passwords in settings never print either.
        for url in [
            "smtp:/mailer:hunter2@mail.example.org",
            "smtp:mailer:hunter2@mail.example.org",
            "smtp//mailer:hunter2@mail.example.org",
            "smtp://mailer:hunter2@mail.example.org?password=hunter2",
            "smtp://mail.example.org?password=hunter2",
            "smtp://mail.example.org?smtp_pass=hunter2&tls=starttls",
            "smtp://mailer:hunter2@",
            "mailer:hunter2@mail.example.org",
            "smtps://mailer:hunter2@mail.example.org:99999",
        ] {
            let shown = problem(url);
            assert!(!shown.contains("hunter2"), "{url} -> {shown}");
        }
        assert!(problem("smtp:/mailer:hunter2@h").contains("smtp:…"));
        assert!(!problem("smtp://u:hunter2@").contains("hunter2"));
    }

    #[test]
    fn development_transports() {
        assert_eq!("log:".parse::<Config>().unwrap(), Config::Log);
        assert_eq!(
            "file:///tmp/mail".parse::<Config>().unwrap(),
            Config::Folder("/tmp/mail".into())
        );
        assert_eq!(
            "file://mail-out".parse::<Config>().unwrap(),
            Config::Folder("mail-out".into())
        );
        assert!(problem("file://").contains("name the folder"));
    }
}
