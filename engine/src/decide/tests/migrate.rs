//! Moving a project to another version of its workflow: the mapping is
//! checked against both versions with every problem named, the move is an
//! event whose replay reads each part of the log against its version, and
//! later commands follow the new version.

use std::collections::{BTreeMap, BTreeSet};

use super::{Run, bundled, day, holder, parse, sample};
use crate::decide::{
    Change, Fields, MappingError, ReplayError, migrate, replay, replay_across, replay_difference,
    resolve_mapping,
};
use crate::definition::Workflow;

/// Version 2 of graduation-service: `endorsement` renamed
/// `supervisor_review`, where the coordinator (not the supervisor) endorses.
fn version_two(v1: &Workflow) -> Workflow {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../workflows/graduation-service/workflow.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let text = text
        .replacen("version: 1", "version: 2", 1)
        .replace("endorsement", "supervisor_review")
        .replace(
            "Endorse the proposal, ar: اعتماد المقترح }, by: supervisor,",
            "Endorse the proposal, ar: اعتماد المقترح }, by: coordinator,",
        );
    let v2 = parse(&text);
    assert_eq!((v1.key.as_str(), v2.version), ("graduation-service", 2));
    v2
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn a_mapping_is_checked_whole() {
    let v1 = bundled("graduation-service");
    let v2 = version_two(&v1);
    let at: BTreeSet<String> = ["proposal".to_owned(), "endorsement".to_owned()].into();
    // Same keys map to themselves; a stage v2 lacks must be mapped.
    let err = resolve_mapping(&v2, &[&v1], &at, &BTreeMap::new()).unwrap_err();
    assert_eq!(err.missing, vec!["endorsement".to_owned()]);
    let err = resolve_mapping(
        &v2,
        &[&v1],
        &at,
        &map(&[
            ("endorsment", "proposal"),
            ("endorsement", "certified"),
            ("proposal", "nowhere"),
        ]),
    )
    .unwrap_err();
    assert_eq!(
        err,
        MappingError {
            missing: vec![],
            unknown_from: vec!["endorsment".into()],
            unknown_to: vec![("proposal".into(), "nowhere".into())],
            ending: vec![("endorsement".into(), "certified".into())],
        }
    );
    let text = err.to_string();
    assert!(
        text.contains("endorsment")
            && text.contains("proposal=nowhere")
            && text.contains("endorsement=certified"),
        "{text}"
    );
    let resolved = resolve_mapping(
        &v2,
        &[&v1],
        &at,
        &map(&[("endorsement", "supervisor_review")]),
    )
    .unwrap();
    assert_eq!(
        resolved,
        map(&[
            ("endorsement", "supervisor_review"),
            ("proposal", "proposal")
        ])
    );
}

#[test]
fn a_migrated_log_replays_across_versions_and_follows_the_new_rules() {
    let v1 = bundled("graduation-service");
    let v2 = version_two(&v1);
    let mut run = Run::start(&v1);
    let trainee = holder(&v1, "trainee", 1);
    run.act(trainee, "submit", sample(&v1.forms["proposal"]), None, 2)
        .unwrap();
    assert_eq!(run.state.stage, "endorsement");
    let decision = migrate(&run.project(), &run.state, &v2, "supervisor_review", day(3)).unwrap();
    assert!(decision.timers.cancel_pending, "the old entry's timers go");
    assert!(
        decision.notifications.is_empty(),
        "nobody is mailed about a move"
    );
    assert_eq!(
        decision.events[0].change,
        Change::Migrated {
            from_version: 1,
            to_version: 2,
            from_stage: "endorsement".into(),
            to_stage: "supervisor_review".into(),
        }
    );
    assert_eq!(decision.state.entered_at, day(3));
    assert!(!decision.state.forms.is_empty(), "answers are kept");
    let mut log = run.log.clone();
    log.extend(decision.events.clone());
    let state = decision.state;
    // Read against v2 alone, the log's start (v1) does not fit; with v1 given
    // it replays; read against v1 alone, it leads elsewhere.
    let moved = super::super::Project {
        workflow: &v2,
        ..run.project()
    };
    assert!(matches!(
        replay(&moved, &log),
        Err(ReplayError::Unfit { .. })
    ));
    let replayed = replay_across(&moved, &[&v1], &log).unwrap();
    assert_eq!(replay_difference(&state, &replayed), None);
    assert!(replay_across(&run.project(), &[&v2], &log).is_err());
    // Later commands follow v2: the supervisor may no longer endorse, the
    // coordinator may.
    let command = |actor| super::super::Command {
        actor,
        action: "endorse".into(),
        fields: Fields::new(),
        comment: None,
        expected_version: None,
    };
    let supervisor = holder(&v1, "supervisor", 1);
    assert!(super::super::decide(&moved, &state, &command(supervisor), day(4)).is_err());
    let coordinator = holder(&v1, "coordinator", 1);
    let endorsed = super::super::decide(&moved, &state, &command(coordinator), day(4)).unwrap();
    assert_eq!(endorsed.state.stage, "implementation");
    log.extend(endorsed.events);
    let replayed = replay_across(&moved, &[&v1], &log).unwrap();
    assert_eq!(replay_difference(&endorsed.state, &replayed), None);
}
