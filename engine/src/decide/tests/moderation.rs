//! Moderation worked by hand: three scorecards of the S.A.F.E. rubric,
//! their spread, the chair's moderated score, and the pass it makes; every
//! refusal of the scoring rules with nothing changed (`Run::act` asserts it).

use serde_json::json;

use super::{bundled, walk};
use crate::decide::{
    Change, Fields, MODERATE_ACTION, Member, RESCORE_ACTION, RESCORE_TEMPLATE, Rejection, outcome,
    panel,
};
use crate::definition::{self, Templates, Workflow};

/// graduation-service with three evaluators (quorum still 2), as a
/// committee of three scores it.
fn three_evaluators() -> Workflow {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../workflows/graduation-service/workflow.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.replace(
        "by: committee, evaluators: 2, quorum: 2",
        "by: committee, evaluators: 3, quorum: 2",
    );
    assert!(text.contains("evaluators: 3"));
    definition::parse(&text, Templates::Unchecked).unwrap()
}

fn scores(s: [i64; 4]) -> Fields {
    let keys = ["safety", "authenticity", "friendliness", "efficiency"];
    keys.iter()
        .zip(s)
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect()
}

fn fields(value: serde_json::Value) -> Fields {
    value.as_object().cloned().unwrap()
}

const A: i64 = 31;
const B: i64 = 32;
const C: i64 = 33;
const CHAIR: i64 = 41;
const TRAINEE: i64 = 1;
const SUPERVISOR: i64 = 11;

/// The example of docs/definitions.md ("Moderation"), on the bundled
/// S.A.F.E. rubric (four criteria of weight 1, scale 1..5, pass with a
/// weighted mean of at least 3 and no criterion mean below 2, moderation
/// above a spread of 2, quorum 2):
///
/// | criterion    | A | B | C | mean        | spread |
/// |--------------|---|---|---|-------------|--------|
/// | safety       | 4 | 3 | 4 | 11/3 = 3.67 | 1      |
/// | authenticity | 3 | 3 | 4 | 10/3 = 3.33 | 1      |
/// | friendliness | 2 | 1 | 3 | 6/3 = 2     | 2      |
/// | efficiency   | 5 | 2 | 1 | 8/3 = 2.67  | 4 > 2  |
///
/// Weighted mean 35/12 = 2.92 < 3: no pass, and efficiency calls for
/// moderation, so no decision (not even a fail) until the chair moderates.
/// The chair moderates efficiency to 4: (11/3 + 10/3 + 2 + 4) / 4 =
/// 13/4 = 3.25 >= 3, lowest criterion mean 2 >= 2: it passes.
#[test]
fn the_hand_worked_example_moderated_passes() {
    let w = three_evaluators();
    let mut run = walk(&w, "evaluation");
    for (who, s) in [(A, [4, 3, 2, 5]), (B, [3, 3, 1, 2]), (C, [4, 4, 3, 1])] {
        run.act(who, "score", scores(s), None, 30).unwrap();
    }
    let stage = w.stage("evaluation").unwrap();
    let assessment = stage.assessment.as_ref().unwrap();
    let before = outcome(
        &w.rubrics["safe"],
        assessment,
        &run.state.scorecards,
        &run.state.moderated,
    );
    assert!(before.needs_moderation && !before.passed);
    assert!((before.mean.unwrap() - 35.0 / 12.0).abs() < 1e-9);
    let p = panel(&w, stage, &run.state).unwrap();
    let spreads: Vec<Option<i64>> = p.criteria.iter().map(|c| c.spread).collect();
    assert_eq!(spreads, [Some(1), Some(1), Some(2), Some(4)]);
    assert!(p.criteria[3].spread_too_wide && !p.criteria[2].spread_too_wide);
    assert_eq!(p.before, None);

    // No decision while moderation is needed; each refusal says why.
    let fail = run.act(CHAIR, "fail", Fields::new(), Some("weak"), 31);
    assert_eq!(
        fail.unwrap_err().reason().to_string(),
        "moderation-needed action=fail criteria=[safe.efficiency]"
    );
    let pass = run.act(CHAIR, "pass", Fields::new(), None, 31).unwrap_err();
    assert_eq!(pass.code(), "condition-not-met");
    // Moderation: by the chair only, with a reason, on the scale, where
    // the spread calls for it.
    let refused = |r: Result<(), Rejection>| r.unwrap_err().reason().to_string();
    let eff = |n: i64| fields(json!({ "efficiency": n }));
    assert_eq!(
        refused(run.act(A, MODERATE_ACTION, eff(4), Some("x"), 31)),
        "not-allowed-yours action=moderate-scores allowed=[chair] yours=[committee]"
    );
    assert_eq!(
        refused(run.act(CHAIR, MODERATE_ACTION, eff(4), None, 31)),
        "comment-required action=moderate-scores"
    );
    assert_eq!(
        refused(run.act(CHAIR, MODERATE_ACTION, eff(6), Some("x"), 31)),
        "invalid-fields form=safe problems=[score-off-scale criterion=safe.efficiency value=6 min=1 max=5]"
    );
    assert_eq!(
        refused(run.act(
            CHAIR,
            MODERATE_ACTION,
            fields(json!({ "friendliness": 3 })),
            Some("x"),
            31
        )),
        "moderation-not-called-for criterion=safe.friendliness spread=2 above=2"
    );
    assert_eq!(
        refused(run.act(
            CHAIR,
            MODERATE_ACTION,
            fields(json!({ "efficiency": "" })),
            Some("x"),
            31
        )),
        "moderation-no-scores criteria=[safe.efficiency]"
    );
    let seen = run.log.len();
    run.act(
        CHAIR,
        MODERATE_ACTION,
        eff(4),
        Some("C misread the visit log"),
        31,
    )
    .unwrap();
    assert_eq!(
        run.log[seen..]
            .iter()
            .map(|e| &e.change)
            .collect::<Vec<_>>(),
        [&Change::ScoreModerated {
            criterion: "efficiency".into(),
            score: 4,
            reason: "C misread the visit log".into()
        }]
    );
    assert_eq!(run.log[seen].actor, Some(CHAIR));
    let after = outcome(
        &w.rubrics["safe"],
        assessment,
        &run.state.scorecards,
        &run.state.moderated,
    );
    assert!(after.passed && !after.needs_moderation);
    assert_eq!(after.mean, Some(3.25));
    let p = panel(&w, stage, &run.state).unwrap();
    assert_eq!(p.mean, Some(3.25));
    assert!(p.passed && !p.needs_moderation && p.spread_calls);
    assert_eq!(p.criteria[3].mean, Some(4.0));
    assert!((p.criteria[3].scored.unwrap() - 8.0 / 3.0).abs() < 1e-9);
    assert_eq!(p.criteria[3].moderation.as_ref().unwrap().by, CHAIR);
    let was = p.before.unwrap();
    assert!(!was.passed && (was.mean.unwrap() - 35.0 / 12.0).abs() < 1e-9);
    assert!(
        p.decisions
            .iter()
            .find(|d| d.action == "pass")
            .unwrap()
            .why_not
            .is_none()
    );
    // A fail no longer fits; the pass is taken.
    assert_eq!(
        run.act(CHAIR, "fail", Fields::new(), Some("weak"), 32)
            .unwrap_err()
            .code(),
        "condition-not-met"
    );
    run.act(CHAIR, "pass", Fields::new(), None, 32).unwrap();
    assert_eq!(run.state.stage, "certified");
    assert!(run.state.moderated.is_empty(), "a new stage starts afresh");
}

/// The chair asks C to score again: C's card is set aside (C may score
/// once more), C is told by mail, moderated scores are cleared; names that
/// are not evaluators who scored are refused.
#[test]
fn a_rescore_sets_the_card_aside_and_tells_the_evaluator() {
    let w = three_evaluators();
    let mut run = walk(&w, "evaluation");
    for (who, s) in [(A, [4, 3, 2, 5]), (B, [3, 3, 1, 2]), (C, [4, 4, 3, 1])] {
        run.act(who, "score", scores(s), None, 30).unwrap();
    }
    let ask = |who: &str| fields(json!({ "evaluators": who }));
    let refused = |r: Result<(), Rejection>| r.unwrap_err().reason().to_string();
    assert_eq!(
        refused(run.act(
            CHAIR,
            RESCORE_ACTION,
            ask(&TRAINEE.to_string()),
            Some("x"),
            31
        )),
        "rescore-not-evaluator person=\"1\""
    );
    assert_eq!(
        refused(run.act(CHAIR, RESCORE_ACTION, ask("nobody"), Some("x"), 31)),
        "rescore-not-evaluator person=\"nobody\""
    );
    assert_eq!(
        refused(run.act(CHAIR, RESCORE_ACTION, ask(""), Some("x"), 31)),
        "rescore-no-evaluators"
    );
    assert_eq!(
        refused(run.act(B, RESCORE_ACTION, ask("33"), Some("x"), 31)),
        "not-allowed-yours action=ask-rescore allowed=[chair] yours=[committee]"
    );
    run.act(
        CHAIR,
        MODERATE_ACTION,
        fields(json!({ "efficiency": 4 })),
        Some("m"),
        31,
    )
    .unwrap();
    assert_eq!(
        refused(run.act(C, "score", scores([3, 3, 3, 3]), None, 31)),
        "already-scored"
    );
    let decision = run
        .try_act(
            CHAIR,
            RESCORE_ACTION,
            ask("33"),
            Some("Please recheck efficiency"),
            31,
        )
        .unwrap();
    assert_eq!(
        decision
            .notifications
            .iter()
            .map(|n| (n.template.as_str(), n.recipient))
            .collect::<Vec<_>>(),
        [(RESCORE_TEMPLATE, C)]
    );
    run.accept(decision);
    assert!(!run.state.scorecards.contains_key(&C));
    assert!(run.state.set_aside.contains_key(&C));
    assert!(run.state.moderated.is_empty());
    // Two cards are in (quorum 2) and they agree on efficiency (5, 2: spread 3 > 2 still).
    run.act(C, "score", scores([4, 4, 3, 3]), None, 32).unwrap();
    assert_eq!(run.state.scorecards[&C].scores["efficiency"], 3);
}

/// No decision before quorum; a conflicted person does not score; nobody
/// scores twice; a moderation where the spread does not call for it.
#[test]
fn the_scoring_rules_refuse_with_reasons() {
    let w = three_evaluators();
    let mut run = walk(&w, "evaluation");
    let refused = |r: Result<(), Rejection>| r.unwrap_err().reason().to_string();
    assert_eq!(
        refused(run.act(CHAIR, "revise", Fields::new(), Some("more"), 30)),
        "decision-before-quorum action=revise have=0 need=2"
    );
    // The supervisor also sits on the committee through the cohort.
    run.members.push(Member {
        person: SUPERVISOR,
        role: "committee".into(),
    });
    assert_eq!(
        refused(run.act(SUPERVISOR, "score", scores([3, 3, 3, 3]), None, 30)),
        "conflict-of-interest role=committee held=supervisor"
    );
    assert_eq!(
        refused(run.act(TRAINEE, "score", scores([3, 3, 3, 3]), None, 30)),
        "not-allowed-yours action=score allowed=[committee] yours=[trainee]"
    );
    assert_eq!(
        refused(run.act(A, "score", scores([3, 3, 9, 3]), None, 30)),
        "invalid-fields form=safe problems=[score-off-scale criterion=safe.friendliness value=9 min=1 max=5]"
    );
    run.act(A, "score", scores([3, 3, 3, 3]), None, 30).unwrap();
    assert_eq!(
        refused(run.act(A, "score", scores([4, 4, 4, 4]), None, 30)),
        "already-scored"
    );
    run.act(B, "score", scores([4, 3, 3, 3]), None, 30).unwrap();
    assert_eq!(
        refused(run.act(
            CHAIR,
            MODERATE_ACTION,
            fields(json!({ "safety": 4 })),
            Some("x"),
            31
        )),
        "moderation-not-called-for criterion=safe.safety spread=1 above=2"
    );
    assert_eq!(
        refused(run.act(
            CHAIR,
            RESCORE_ACTION,
            fields(json!({ "evaluators": "31" })),
            Some("x"),
            31
        )),
        "rescore-not-called-for above=2"
    );
    // Agreed and at quorum: a decision can be taken.
    run.act(CHAIR, "revise", Fields::new(), Some("more"), 31)
        .unwrap();
    assert_eq!(run.state.stage, "implementation");
}

/// The bundled two-evaluator program is unchanged: without a wide spread
/// nothing asks for moderation.
#[test]
fn the_bundled_program_offers_moderation_only_on_a_wide_spread() {
    let w = bundled("graduation-service");
    let mut run = walk(&w, "evaluation");
    run.act(A, "score", scores([3, 3, 3, 3]), None, 30).unwrap();
    run.act(B, "score", scores([3, 3, 3, 3]), None, 30).unwrap();
    let possible = crate::decide::possible(&run.project(), &run.state);
    assert!(!possible.iter().any(|p| p.action == MODERATE_ACTION));
}
