//! Sign-in rate limiting, in memory: failed attempts are counted per email
//! and per client address over a window; past the limit, sign-in is refused
//! (429) until the window ends, without even checking the password.
//!
//! In memory means per process: several servers behind one address each
//! count on their own, and a restart forgets. That bounds guessing to a
//! few attempts per minute per account, which is what it is for.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long failures are remembered.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failed attempts allowed per email in a window.
pub const PER_EMAIL: u32 = 5;
/// Failed attempts allowed per client address in a window (several people
/// may share an office's address).
pub const PER_ADDRESS: u32 = 30;

/// Failed sign-ins by key. A std `Mutex`: held only to touch a map, never across an await.
#[derive(Debug, Default)]
pub struct Limiter {
    failures: Mutex<HashMap<Key, (u32, Instant)>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Email(String),
    Address(IpAddr),
}

impl Limiter {
    /// Whether a sign-in for `email` from `address` may be tried now.
    pub fn allows(&self, email: &str, address: IpAddr) -> bool {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("limiter lock");
        failures.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
        let count = |k: &Key| failures.get(k).map_or(0, |(n, _)| *n);
        count(&email_key(email)) < PER_EMAIL && count(&Key::Address(address)) < PER_ADDRESS
    }

    /// Counts a failed sign-in.
    pub fn failed(&self, email: &str, address: IpAddr) {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("limiter lock");
        for key in [email_key(email), Key::Address(address)] {
            failures.entry(key).or_insert((0, now)).0 += 1;
        }
    }

    /// Whether a client address may try again (for attempts with no email).
    pub fn allows_address(&self, address: IpAddr) -> bool {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("limiter lock");
        failures.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
        failures.get(&Key::Address(address)).map_or(0, |(n, _)| *n) < PER_ADDRESS
    }

    /// Counts a failed attempt from `address` (with no email).
    pub fn failed_address(&self, address: IpAddr) {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("limiter lock");
        failures.entry(Key::Address(address)).or_insert((0, now)).0 += 1;
    }

    /// Forgets the failures of `email` after it signed in.
    pub fn succeeded(&self, email: &str) {
        self.failures
            .lock()
            .expect("limiter lock")
            .remove(&email_key(email));
    }
}

/// The key of `email`: lower case, and no longer than an email can be (254
/// bytes), so that posting huge "emails" cannot fill the server's memory.
fn email_key(email: &str) -> Key {
    let mut end = email.len().min(254);
    while !email.is_char_boundary(end) {
        end -= 1;
    }
    Key::Email(email[..end].to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_stopped_after_its_failures_and_freed_by_success() {
        let limiter = Limiter::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..PER_EMAIL {
            assert!(limiter.allows("A@x.org", ip));
            limiter.failed("a@x.org", ip);
        }
        assert!(!limiter.allows("a@x.org", ip));
        assert!(
            limiter.allows("b@x.org", ip),
            "another email from the same address"
        );
        limiter.succeeded("a@x.org");
        assert!(limiter.allows("a@x.org", ip));
    }

    #[test]
    fn a_huge_email_is_kept_as_a_short_key() {
        let huge = "é".repeat(100_000);
        let Key::Email(key) = email_key(&huge) else {
            unreachable!()
        };
        assert!(key.len() <= 254 && huge.starts_with(&key));
    }
}
