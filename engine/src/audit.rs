//! The hash chain that makes the event log provably append-only.
//!
//! Each event stores the SHA-256 of its predecessor (in the same project) and
//! its own hash over the predecessor's hash and the event's canonical text.
//! `verify` re-computes the chain and names the first event that does not match.
//! The chain proves the log intact; that the project row beside it agrees
//! with the log is [`crate::decide::replay`]'s part.

use sha2::{Digest, Sha256};

/// The hash before a project's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of an event that the chain protects.
#[derive(Debug, Clone, Copy)]
pub struct Sealed<'a> {
    /// Project the event belongs to.
    pub project: i64,
    /// Position in the project's log, from 1.
    pub seq: i64,
    /// When it happened, microseconds since the Unix epoch (as stored).
    pub at: i64,
    /// Who caused it (`None` for the engine itself).
    pub actor: Option<i64>,
    /// The change, as stored JSON text: the very bytes the store writes
    /// ([`crate::decide::Event::change_json`]), never a fresh serialisation.
    pub change: &'a str,
}

/// The hash of an event that follows `prev`: SHA-256 over the predecessor's
/// hash and the event's fields (numbers as fixed-width bytes, texts with their
/// length first, so no two different events feed the same bytes).
pub fn hash(prev: &str, event: Sealed<'_>) -> String {
    let mut h = Sha256::new();
    let text = |h: &mut Sha256, t: &str| {
        h.update((t.len() as u64).to_le_bytes());
        h.update(t.as_bytes());
    };
    text(&mut h, prev);
    // The fixed-width fields and the change's length in one update (the
    // same bytes in the same order as one update each; fewer calls on a
    // hot path: one hash per event).
    let mut fixed = [0u8; 8 * 3 + 1 + 8 + 8];
    fixed[0..8].copy_from_slice(&event.project.to_le_bytes());
    fixed[8..16].copy_from_slice(&event.seq.to_le_bytes());
    fixed[16..24].copy_from_slice(&event.at.to_le_bytes());
    let mut end = 25;
    if let Some(actor) = event.actor {
        fixed[24] = 1;
        fixed[25..33].copy_from_slice(&actor.to_le_bytes());
        end = 33;
    }
    fixed[end..end + 8].copy_from_slice(&(event.change.len() as u64).to_le_bytes());
    h.update(&fixed[..end + 8]);
    h.update(event.change.as_bytes());
    to_hex(&h.finalize())
}

/// Lower-case hex of a digest (a hot path: one per event).
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    // Bytes first, one string at the end: pushing `char`s encodes each as
    // UTF-8 and checks the capacity every time.
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.extend_from_slice(&[DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 0xf)]]);
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A stored event as read back for verification.
#[derive(Debug, Clone)]
pub struct StoredLink {
    /// The protected fields (owned).
    pub project: i64,
    /// Position in the project's log.
    pub seq: i64,
    /// Microseconds since the Unix epoch, as stored.
    pub at: i64,
    /// Actor.
    pub actor: Option<i64>,
    /// Change JSON as stored.
    pub change: String,
    /// Hash stored as the predecessor's.
    pub prev_hash: String,
    /// Hash stored as the event's own.
    pub hash: String,
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("project {project}, event {seq}: {reason}")]
pub struct Broken {
    /// Project whose chain breaks.
    pub project: i64,
    /// First event that does not verify.
    pub seq: i64,
    /// What does not match, in words.
    pub reason: String,
}

/// Checks one project's events (in `seq` order) against the head hash kept on
/// the project, so a removed last event is caught too.
pub fn verify(project: i64, events: &[StoredLink], head: &str) -> Result<(), Broken> {
    let mut prev = GENESIS.to_owned();
    for (i, e) in events.iter().enumerate() {
        let broken = |reason: String| Broken {
            project,
            seq: e.seq,
            reason,
        };
        if e.seq != i as i64 + 1 {
            return Err(broken(format!(
                "expected event {} here; events are missing",
                i + 1
            )));
        }
        if e.prev_hash != prev {
            return Err(broken(
                "its predecessor hash does not match the previous event".into(),
            ));
        }
        let link = Sealed {
            project: e.project,
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            change: &e.change,
        };
        if hash(&prev, link) != e.hash {
            return Err(broken(
                "its content does not match its hash: it was edited".into(),
            ));
        }
        prev = e.hash.clone();
    }
    if prev != head {
        let seq = events.len() as i64 + 1;
        return Err(Broken {
            project,
            seq,
            reason: "the project's head hash does not match its last event: events were removed"
                .into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_and_complete() {
        assert_eq!(to_hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }

    #[test]
    fn every_field_is_sealed() {
        let base = Sealed {
            project: 1,
            seq: 2,
            at: 3,
            actor: Some(4),
            change: "{}",
        };
        let h = hash(GENESIS, base);
        assert_eq!(h.len(), 64);
        for other in [
            Sealed { project: 9, ..base },
            Sealed { seq: 9, ..base },
            Sealed { at: 9, ..base },
            Sealed {
                actor: None,
                ..base
            },
            Sealed {
                change: "{ }",
                ..base
            },
        ] {
            assert_ne!(hash(GENESIS, other), h, "{other:?}");
        }
        assert_ne!(hash(&h, base), h, "the predecessor is sealed too");
    }
}
