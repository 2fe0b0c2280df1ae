//! When to try a failed message again: exponential backoff with full jitter,
//! then dead.
//!
//! Pure: the caller passes the clock's `now` and a random number generator,
//! so the policy is tested with a seeded generator and the worker stays the
//! only place that reads the clock.
//!
//! Full jitter (a delay drawn uniformly between zero and the exponential
//! bound) spreads the retries of many messages that failed together, e.g.
//! during a mail server outage, so they do not all hit the server at once
//! when it comes back.

use jiff::{SignedDuration, Timestamp};
use rand::Rng;

/// How often and how long a message that failed for a transient reason is
/// tried again before it is dead (kept for staff to see and resend).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The bound of the delay after the first failed attempt; each further
    /// attempt doubles it, up to `cap`.
    pub base: SignedDuration,
    /// The largest bound of a delay, so a long outage is still polled
    /// regularly.
    pub cap: SignedDuration,
    /// After this many attempts a message is dead. With the defaults (30 s,
    /// 1 h, 24 attempts) the retries span about eight and a half hours on
    /// average, so a relay that is down overnight does not kill the mail.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: SignedDuration::from_secs(30),
            cap: SignedDuration::from_secs(3600),
            max_attempts: 24,
        }
    }
}

impl RetryPolicy {
    /// When to try again after `attempts` attempts (counting the one that
    /// just failed) have failed, or `None` when the message is dead.
    ///
    /// The delay is drawn uniformly from 1 ms to `min(cap, base * 2^(attempts-1))`.
    /// `attempts` of 0 is read as 1 (a message that never ran still waits
    /// at most `base`).
    pub fn next_attempt(
        &self,
        attempts: u32,
        now: Timestamp,
        rng: &mut impl Rng,
    ) -> Option<Timestamp> {
        if attempts >= self.max_attempts {
            return None;
        }
        let bound = i64::try_from(self.bound(attempts).as_millis()).unwrap_or(i64::MAX);
        // Never zero: a message that failed at `now` is not due again at
        // `now`, so a worker's round (which claims what is due at its
        // start) tries it once, not twice.
        let delay = SignedDuration::from_millis(rng.random_range(1..=bound.max(1)));
        // The bound is at most `cap`, so only a `now` near the end of time
        // (year 9999) can overflow.
        now.checked_add(delay).ok()
    }

    /// The upper bound of the delay after `attempts` failed attempts:
    /// `base * 2^(attempts-1)`, at most `cap`.
    pub fn bound(&self, attempts: u32) -> SignedDuration {
        let millis = |d: SignedDuration| d.as_millis().clamp(0, i128::from(i64::MAX));
        let (base, cap) = (millis(self.base), millis(self.cap));
        let doublings = attempts.saturating_sub(1).min(100);
        let bound = base.saturating_mul(1_i128 << doublings).min(cap);
        SignedDuration::from_millis(i64::try_from(bound).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn now() -> Timestamp {
        "2026-03-01T08:00:00Z".parse().unwrap()
    }

    #[test]
    fn bounds_double_from_the_base_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let secs: Vec<i64> = (1..=9).map(|a| policy.bound(a).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(policy.bound(0).as_secs(), 30);
        assert_eq!(policy.bound(u32::MAX).as_secs(), 3600);
    }

    #[test]
    fn every_delay_lies_between_now_and_the_bound() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(7);
        for attempts in 0..policy.max_attempts {
            let bound = policy.bound(attempts);
            for _ in 0..200 {
                let next = policy.next_attempt(attempts, now(), &mut rng).unwrap();
                let delay = next.duration_since(now());
                assert!(
                    delay >= SignedDuration::ZERO,
                    "attempt {attempts}: {delay:?}"
                );
                assert!(delay <= bound, "attempt {attempts}: {delay:?} > {bound:?}");
            }
        }
    }

    #[test]
    fn a_failed_message_is_never_due_again_at_the_same_instant() {
        // With a 1 ms bound a delay of zero would be drawn half the time,
        // and a round would try the message twice.
        let policy = RetryPolicy {
            base: SignedDuration::from_millis(1),
            ..RetryPolicy::default()
        };
        let now = Timestamp::UNIX_EPOCH;
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..1000 {
            assert!(policy.next_attempt(1, now, &mut rng).unwrap() > now);
        }
    }

    #[test]
    fn delays_are_spread_over_the_whole_range() {
        // Full jitter, not "bound plus a little": over many draws both the
        // lower and the upper quarter of the range are used.
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(11);
        let bound = policy.bound(5).as_millis();
        let draws: Vec<i128> = (0..1000)
            .map(|_| {
                policy
                    .next_attempt(5, now(), &mut rng)
                    .unwrap()
                    .duration_since(now())
                    .as_millis()
            })
            .collect();
        assert!(draws.iter().any(|d| *d < bound / 4));
        assert!(draws.iter().any(|d| *d > bound * 3 / 4));
    }

    #[test]
    fn a_message_is_dead_after_the_maximum_of_attempts() {
        let policy = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        let mut rng = StdRng::seed_from_u64(1);
        assert!(policy.next_attempt(1, now(), &mut rng).is_some());
        assert!(policy.next_attempt(2, now(), &mut rng).is_some());
        assert_eq!(policy.next_attempt(3, now(), &mut rng), None);
        assert_eq!(policy.next_attempt(40, now(), &mut rng), None);
        let never = RetryPolicy {
            max_attempts: 0,
            ..RetryPolicy::default()
        };
        assert_eq!(never.next_attempt(0, now(), &mut rng), None);
    }

    #[test]
    fn the_same_seed_gives_the_same_schedule() {
        let policy = RetryPolicy::default();
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (1..8)
                .map(|a| policy.next_attempt(a, now(), &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
    }

    #[test]
    fn the_end_of_time_is_dead_rather_than_an_overflow() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(5);
        let late = Timestamp::MAX;
        // Either exactly MAX (a zero delay) or None; never a panic.
        if let Some(next) = policy.next_attempt(3, late, &mut rng) {
            assert_eq!(next, late);
        }
    }
}
