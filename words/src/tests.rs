//! The catalogues against the engine's codes.

use std::collections::{BTreeMap, BTreeSet};

use gradflow_engine::decide::{Rejection, WaitingFor};
use gradflow_engine::reason::{Arg, CODES, Reason};

use super::*;

/// Each message of a catalogue with the variables it uses.
fn messages(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.starts_with('#') {
            current = None;
            continue;
        }
        let starts = line.starts_with(|c: char| c.is_ascii_alphabetic());
        if starts && let Some((id, _)) = line.split_once(" =") {
            current = Some(id.trim().to_owned());
            out.entry(id.trim().to_owned()).or_default();
        }
        if let Some(id) = &current {
            let vars = out.entry(id.clone()).or_default();
            for part in line.split('$').skip(1) {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect();
                vars.insert(name);
            }
        }
    }
    out
}

/// Messages that are not codes: how lists, roles and deeds are said.
fn helper(id: &str) -> bool {
    [
        "reason-comma",
        "reason-semicolon",
        "reason-nobody",
        "reason-join-",
        "reason-role",
        "reason-deed-",
        "reason-term-",
    ]
    .iter()
    .any(|h| id.starts_with(h))
}

#[test]
fn every_code_has_words_in_every_language_using_only_its_arguments() {
    let mut missing = Vec::new();
    for (lang, text) in CATALOGUES {
        let found = messages(text);
        for (code, args) in CODES {
            let id = format!("reason-{code}");
            match found.get(&id) {
                None => missing.push(format!("{lang}: no message {id}")),
                Some(vars) => {
                    for var in vars {
                        if !args.contains(&var.as_str()) {
                            missing.push(format!(
                                "{lang}: {id} uses ${var}, which code {code} does not give (it gives {args:?})"
                            ));
                        }
                    }
                }
            }
        }
        for id in found.keys() {
            let code = id.trim_start_matches("reason-");
            if !helper(id) && !CODES.iter().any(|(c, _)| *c == code) {
                missing.push(format!("{lang}: {id} is no code of the engine's"));
            }
        }
    }
    let en = messages(CATALOGUES[0].1);
    let ar = messages(CATALOGUES[1].1);
    for id in en.keys().filter(|id| !ar.contains_key(*id)) {
        missing.push(format!("ar: no message {id}"));
    }
    for id in ar.keys().filter(|id| !en.contains_key(*id)) {
        missing.push(format!("en: no message {id}"));
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn english_words_read_as_sentences() {
    let refused = Rejection::NotAllowed {
        action: "endorse".into(),
        allowed: vec!["supervisor".into(), "coordinator".into()],
        yours: vec!["trainee".into()],
    };
    assert_eq!(
        reason("en", &refused.reason(), None),
        "only the supervisor or the coordinator may endorse; you are the trainee on this project"
    );
    let waiting = WaitingFor {
        each_of: vec!["chair".into()],
        more: 2,
        any_of: vec!["supervisor".into(), "coordinator".into()],
    };
    assert_eq!(
        reason("en", &waiting.reason(), None),
        "the committee chair, and 2 more approvals from the supervisor or the coordinator"
    );
    let conflict = Rejection::ConflictOfInterest {
        role: "quality_office".into(),
        held: "trainee".into(),
    };
    assert_eq!(
        reason("en", &conflict.reason(), None),
        "a person who is the trainee on this project cannot also be the quality office"
    );
    let bidi =
        gradflow_engine::service::input::line("file-name", "report\u{202E}fdp.exe").unwrap_err();
    assert_eq!(
        error("en", &bidi),
        "the file's name contains the bidirectional control U+202E (right-to-left override), which makes text show in another order than it is written; use plain text on one line"
    );
    let holders = Rejection::Holders {
        role: "trainee".into(),
        holders: gradflow_engine::definition::Holders {
            min: 1,
            max: Some(1),
        },
        people: 2,
    };
    assert_eq!(
        reason("en", &holders.reason(), None),
        "each project of this program has exactly 1 person as the trainee; this one would have 2"
    );
}

#[test]
fn arabic_words_hold_no_english() {
    let samples = [
        Rejection::NotAllowed {
            action: "give-roles".into(),
            allowed: vec!["coordinator".into()],
            yours: vec![],
        }
        .reason(),
        Reason::new(
            "field-compare",
            vec![
                ("field", Arg::Text("الميزانية".into())),
                ("op", Arg::Word("le")),
                ("expected", Arg::int(5000)),
                ("actual", Arg::Word("missing")),
            ],
        ),
        Reason::new(
            "assessment-count",
            vec![
                ("op", Arg::Word("ge")),
                ("expected", Arg::int(2)),
                ("actual", Arg::int(0)),
            ],
        ),
    ];
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../workflows/graduation-service/workflow.yaml");
    let workflow = gradflow_engine::definition::load(&path).unwrap().workflow;
    let with_workflow = [
        Rejection::MilestoneNotReady {
            milestone: "visit_before".into(),
            status: gradflow_engine::decide::MilestoneStatus::Submitted,
            step: "submit",
        }
        .reason(),
        Reason::new(
            "milestones-not-accepted",
            vec![(
                "open",
                Arg::AllOf(vec![Arg::Milestone("visit_before".into())]),
            )],
        ),
        Reason::new(
            "field-not-choice",
            vec![
                (
                    "field",
                    Arg::Field {
                        form: "proposal".into(),
                        field: "indicator".into(),
                    },
                ),
                ("value", Arg::Text("الوقت".into())),
                (
                    "choices",
                    Arg::AllOf(vec![
                        Arg::Choice {
                            form: "proposal".into(),
                            field: "indicator".into(),
                            choice: "waiting_time".into(),
                        },
                        Arg::Choice {
                            form: "proposal".into(),
                            field: "indicator".into(),
                            choice: "steps".into(),
                        },
                    ]),
                ),
            ],
        ),
    ];
    let all = samples
        .into_iter()
        .map(|s| (s, None))
        .chain(with_workflow.into_iter().map(|s| (s, Some(&workflow))));
    for (sample, workflow) in all {
        let said = reason("ar", &sample, workflow);
        assert!(
            !said.chars().any(|c| c.is_ascii_alphabetic()),
            "{sample}: {said}"
        );
    }
}
