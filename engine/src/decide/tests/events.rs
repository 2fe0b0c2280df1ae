//! Events carry the exact JSON text that was sealed, and read back from it.

use super::{Run, bundled, day, walk};
use crate::audit::{self, StoredLink};
use crate::decide::{Change, start};

#[test]
fn the_sealed_text_is_the_change_and_verifies() {
    let w = bundled("graduation-excellence");
    let run = walk(&w, "certified");
    for e in &run.log {
        assert_eq!(Change::from_json(&e.change_json).unwrap(), e.change);
        assert_eq!(e.change_json, serde_json::to_string(&e.change).unwrap());
    }
    let links: Vec<StoredLink> = run
        .log
        .iter()
        .map(|e| StoredLink {
            project: 7,
            seq: e.seq,
            at: e.at.as_microsecond(),
            actor: e.actor,
            change: e.change_json.clone(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        })
        .collect();
    assert_eq!(audit::verify(7, &links, &run.state.head), Ok(()));
}

#[test]
fn changes_hold_facts_not_words() {
    let w = bundled("graduation-excellence");
    let run = walk(&w, "certified");
    let recorded = run
        .log
        .iter()
        .find(|e| matches!(e.change, Change::ApprovalRecorded { .. }))
        .expect("the proposal waited for a second approval");
    assert!(
        !recorded.change_json.contains("waiting"),
        "{}",
        recorded.change_json
    );
}

#[test]
fn changes_stored_before_still_read() {
    let old = r#"{"type":"approval_recorded","action":"approve","role":"supervisor","waiting_for":"the coordinator"}"#;
    assert_eq!(
        Change::from_json(old).unwrap(),
        Change::ApprovalRecorded {
            action: "approve".into(),
            role: "supervisor".into()
        }
    );
    let added = r#"{"type":"member_added","person":4,"role":"committee"}"#;
    assert_eq!(
        Change::from_json(added).unwrap(),
        Change::MemberAdded {
            person: 4,
            role: "committee".into()
        }
    );
    assert!(Change::from_json(r#"{"type":"teleported"}"#).is_err());
}

#[test]
fn times_are_kept_to_the_microsecond_as_stored() {
    let w = bundled("graduation-service");
    let run = Run::start(&w);
    let now = day(1)
        .checked_add(jiff::Span::new().nanoseconds(1_234_567))
        .unwrap();
    let d = start(&run.project(), &[], now).unwrap();
    let micros = jiff::Timestamp::from_microsecond(now.as_microsecond()).unwrap();
    assert_eq!(d.state.entered_at, micros);
    assert!(d.events.iter().all(|e| e.at == micros));
}
