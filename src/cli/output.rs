//! Printing results for people (text) or scripts (`--json`).

use serde::Serialize;

use super::Ctx;

/// Prints `value` as pretty JSON.
pub fn json<T: Serialize + ?Sized>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("output serialises")
    );
}

/// Prints a one-line confirmation, or `value` as JSON.
pub fn done(ctx: &Ctx, text: &str, value: serde_json::Value) {
    if ctx.json {
        json(&value);
    } else {
        println!("{text}");
    }
}

/// A database URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            super::redact("postgres://app:s3cret@db/gradflow"),
            "postgres://app:***@db/gradflow"
        );
        assert_eq!(
            super::redact("sqlite://gradflow.db"),
            "sqlite://gradflow.db"
        );
    }
}
