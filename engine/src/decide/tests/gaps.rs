//! The committee and moderation gaps of issue 15's second round: the
//! committee's conflict rules (declared conflicts, the trainee's
//! organization) judge every scorer, moderator, decider and role given by
//! hand; only an assessed stage's decisions wait for quorum and
//! moderation; evaluators given by hand or seated before the stage get
//! their scoring deadline.

use serde_json::json;

use super::{Run, at_evaluation_without, bundled, day, holder, sample, walk};
use crate::decide::committee::{ConflictWith, Declared};
use crate::decide::{
    self, Fields, MODERATE_ACTION, PersonId, RESCORE_ACTION, Rejection, TimerKind, add_member,
    panel, possible,
};
use crate::definition::{self, Templates, Workflow};

fn scores(n: i64) -> Fields {
    ["safety", "authenticity", "friendliness", "efficiency"]
        .iter()
        .map(|k| ((*k).to_owned(), json!(n)))
        .collect()
}

/// The code and arguments of a refusal, as `Display` gives them.
fn said(why: &Rejection) -> String {
    why.reason().to_string()
}

fn declared(person: PersonId, with: ConflictWith) -> Declared {
    Declared { person, with }
}

#[test]
fn a_declared_conflict_stops_scoring_moderating_rescoring_and_deciding() {
    let w = bundled("graduation-service");
    let mut run = walk(&w, "evaluation");
    let trainee = holder(&w, "trainee", 1);
    let (a, b, c) = (
        holder(&w, "committee", 1),
        holder(&w, "committee", 2),
        holder(&w, "committee", 3),
    );
    let (chair, other_chair) = (holder(&w, "chair", 1), holder(&w, "chair", 2));
    run.conflicts
        .organizations
        .insert(trainee, "Ministry of Health".into());
    // Declared after the committee was seated: scoring is refused still.
    run.conflicts
        .declared
        .push(declared(a, ConflictWith::Trainee(trainee)));
    run.conflicts
        .organizations
        .insert(b, "Ministry of Health".into());
    run.conflicts.declared.push(declared(
        chair,
        ConflictWith::Organization(" Ministry of Health ".into()),
    ));
    let why = run.act(a, "score", scores(5), None, 30).unwrap_err();
    assert_eq!(why.code(), "committee-conflicted");
    assert!(
        said(&why).contains("why=declared-trainee"),
        "{}",
        said(&why)
    );
    let why = run.act(b, "score", scores(5), None, 30).unwrap_err();
    assert!(
        said(&why).contains("why=organization") && said(&why).contains("Ministry of Health"),
        "{}",
        said(&why)
    );
    // Someone else's conflict is not theirs: c scores, and so would any.
    run.conflicts.declared.retain(|d| d.person != a);
    run.act(a, "score", scores(5), None, 30).unwrap();
    run.act(c, "score", scores(1), None, 30).unwrap();
    // The spread (4 > 2) calls for moderation: the conflicted chair may
    // neither moderate nor ask for a rescore nor decide; another chair may.
    let moderated: Fields = [("efficiency".to_owned(), json!(3))].into_iter().collect();
    for (deed, fields) in [
        (MODERATE_ACTION, moderated.clone()),
        (
            RESCORE_ACTION,
            [("evaluators".to_owned(), json!(a.to_string()))]
                .into_iter()
                .collect(),
        ),
        ("revise", Fields::new()),
    ] {
        let why = run
            .act(chair, deed, fields, Some("Because."), 31)
            .unwrap_err();
        assert!(
            said(&why).contains("why=declared-organization"),
            "{deed}: {}",
            said(&why)
        );
    }
    run.act(
        other_chair,
        MODERATE_ACTION,
        moderated,
        Some("Because."),
        31,
    )
    .unwrap();
}

#[test]
fn a_role_given_by_hand_follows_the_committees_rules() {
    let w = bundled("graduation-service");
    let mut run = at_evaluation_without(&w, &["committee"]);
    let trainee = holder(&w, "trainee", 1);
    let coordinator = holder(&w, "coordinator", 1);
    let (same_org, declared_one, free) = (501, 502, 503);
    run.conflicts
        .organizations
        .insert(trainee, "Ministry of Labour".into());
    run.conflicts
        .organizations
        .insert(same_org, "Ministry of Labour".into());
    run.conflicts
        .declared
        .push(declared(declared_one, ConflictWith::Trainee(trainee)));
    let give = |run: &Run<'_>, person: PersonId, role: &str| {
        add_member(
            &run.project(),
            &run.state,
            Some(coordinator),
            person,
            role,
            day(30),
        )
    };
    for (person, why) in [
        (same_org, "why=organization"),
        (declared_one, "why=declared-trainee"),
    ] {
        for role in ["committee", "chair"] {
            let refused = give(&run, person, role).unwrap_err();
            assert_eq!(refused.code(), "committee-conflicted");
            assert!(said(&refused).contains(why), "{}", said(&refused));
        }
    }
    // A supervisor from the trainee's own organization is the rule.
    give(&run, same_org, "supervisor").unwrap();
    let given = give(&run, free, "committee").unwrap();
    // (c) An evaluator given by hand in the assessed stage gets the
    // scoring deadline and reminder an assigned one gets.
    let keys: Vec<(&str, TimerKind)> = given
        .timers
        .set
        .iter()
        .map(|t| (t.key.as_str(), t.kind))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("score-remind:503:0", TimerKind::ScoreReminder),
            ("score-late:503", TimerKind::ScoreLate),
        ]
    );
    assert!(!given.timers.cancel_pending, "the stage's timers stay");
    run.accept(given);
}

#[test]
fn evaluators_seated_before_the_stage_get_their_deadline_on_entry() {
    let w = bundled("graduation-service");
    let mut run = walk(&w, "implementation");
    let stage = w.stage("implementation").unwrap();
    for m in &stage.milestones {
        let by = holder(&w, &m.by[0], 1);
        let form = &w.forms[&m.form];
        run.act(by, &format!("{}.submit", m.key), sample(form), None, 10)
            .unwrap();
        let reviewer = holder(&w, &m.review_by[0], 1);
        run.act(
            reviewer,
            &format!("{}.accept", m.key),
            Fields::new(),
            None,
            10,
        )
        .unwrap();
    }
    let finish = stage.action("finish").unwrap();
    let answers = sample(&w.forms[finish.form.as_ref().unwrap()]);
    let entered = run
        .try_act(holder(&w, "trainee", 1), "finish", answers, None, 11)
        .unwrap();
    assert_eq!(entered.state.stage, "evaluation");
    let mut late: Vec<&str> = entered
        .timers
        .set
        .iter()
        .filter(|t| t.kind == TimerKind::ScoreLate)
        .map(|t| t.key.as_str())
        .collect();
    late.sort_unstable();
    let expected: Vec<String> = (1..=3)
        .map(|n| format!("score-late:{}", holder(&w, "committee", n)))
        .collect();
    assert_eq!(late, expected);
    assert!(
        entered.timers.set.iter().any(|t| t.key == "deadline"),
        "the stage's own deadline is planned too"
    );
}

/// graduation-service whose evaluation stage may also be withdrawn from
/// (by the trainee or the coordinator), as a definition may say.
fn withdrawable() -> Workflow {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../workflows/graduation-service/workflow.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let anchor = "      pass: { title: { en: Record a pass";
    assert!(text.contains(anchor));
    let text = text.replacen(
        anchor,
        &format!(
            "      withdraw: {{ title: Withdraw, by: [trainee, coordinator], to: withdrawn, comment: required }}\n{anchor}"
        ),
        1,
    );
    definition::parse(&text, Templates::Unchecked).unwrap()
}

#[test]
fn before_quorum_only_the_decisions_wait() {
    let w = withdrawable();
    let run = walk(&w, "evaluation");
    let trainee = holder(&w, "trainee", 1);
    let chair = holder(&w, "chair", 1);
    let stage = w.stage("evaluation").unwrap();
    // Nothing scored yet: a decision waits for the quorum; withdrawing does not.
    let why = run
        .try_act(chair, "revise", Fields::new(), Some("More."), 20)
        .unwrap_err();
    assert_eq!(why.code(), "decision-before-quorum");
    let offered = possible(&run.project(), &run.state);
    let withdraw = offered.iter().find(|p| p.action == "withdraw").unwrap();
    assert_eq!(withdraw.blocked, None, "withdrawing is open");
    let revise = offered.iter().find(|p| p.action == "revise").unwrap();
    assert_eq!(
        revise.blocked.as_ref().map(|r| r.code),
        Some("decision-before-quorum")
    );
    let decisions: Vec<String> = panel(&w, stage, &run.state)
        .unwrap()
        .decisions
        .into_iter()
        .map(|d| d.action)
        .collect();
    assert_eq!(
        decisions,
        ["pass", "revise", "fail"],
        "withdraw is no decision"
    );
    for who in [trainee, holder(&w, "coordinator", 1)] {
        let mut run = walk(&w, "evaluation");
        run.act(who, "withdraw", Fields::new(), Some("Moving abroad."), 20)
            .unwrap();
        assert_eq!(run.state.stage, "withdrawn");
    }
    // The trainee, who may withdraw, does not chair: no moderation of
    // their own scores.
    let mut run = walk(&w, "evaluation");
    run.act(holder(&w, "committee", 1), "score", scores(5), None, 20)
        .unwrap();
    run.act(holder(&w, "committee", 2), "score", scores(1), None, 20)
        .unwrap();
    let moderated: Fields = [("efficiency".to_owned(), json!(5))].into_iter().collect();
    let why = run
        .act(trainee, MODERATE_ACTION, moderated, Some("Mine."), 21)
        .unwrap_err();
    assert!(why.code().starts_with("not-allowed"), "{}", said(&why));
    // While moderation is due, withdrawing is still open.
    run.act(trainee, "withdraw", Fields::new(), Some("Moving."), 21)
        .unwrap();
    assert_eq!(run.state.stage, "withdrawn");
    assert!(decide::irreversible(&w, stage, "withdraw"));
}

#[test]
fn the_checklist_is_read_by_everyone_but_those_who_judge() {
    let w = bundled("graduation-service");
    assert_eq!(
        decide::checklist_readers(&w),
        ["trainee", "supervisor", "coordinator"]
    );
    assert!(decide::checklist_readers(&bundled("service-improvement")).is_empty());
    // Whatever a definition calls its roles: here the evaluators are a
    // jury and their chair a president.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../workflows/graduation-service/workflow.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let text = regex_free_rename(
        &regex_free_rename(&text, "chair", "president"),
        "committee",
        "jury",
    );
    let renamed = definition::parse(&text, Templates::Unchecked).unwrap();
    assert_eq!(
        decide::checklist_readers(&renamed),
        ["trainee", "supervisor", "coordinator"]
    );
    let run = walk(&w, "evaluation");
    let shown = |roles: &[&str]| {
        let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
        decide::shows_checklist(&w, &run.state, &roles)
    };
    assert!(shown(&["trainee"]) && shown(&["supervisor"]) && shown(&["coordinator"]));
    assert!(!shown(&["committee"]) && !shown(&["chair"]) && !shown(&[]));
    let ended = walk(&w, "certified");
    assert!(
        !decide::shows_checklist(&w, &ended.state, &["trainee".to_owned()]),
        "an ended project's ending says it all"
    );
}

/// `text` with the whole word `from` (a role's name) written `to`.
fn regex_free_rename(text: &str, from: &str, to: &str) -> String {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(from) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + from.len()..].chars().next();
        out.push_str(&rest[..i]);
        if before.is_some_and(word) || after.is_some_and(word) {
            out.push_str(from);
        } else {
            out.push_str(to);
        }
        rest = &rest[i + from.len()..];
    }
    out.push_str(rest);
    out
}

#[test]
fn an_extension_in_evaluation_keeps_the_evaluators_timers() {
    let w = bundled("graduation-service");
    let run = walk(&w, "evaluation");
    let coordinator = holder(&w, "coordinator", 1);
    let due = day(200);
    let extended = decide::extend(
        &run.project(),
        &run.state,
        Some(coordinator),
        &decide::Extending::Deadline("evaluation".into()),
        due,
        "the room is closed",
        day(20),
    )
    .unwrap();
    assert!(!extended.timers.cancel_pending, "scoring timers are kept");
    assert!(extended.timers.cancel.iter().any(|k| k == "deadline"));
    assert!(
        extended
            .timers
            .cancel
            .iter()
            .all(|k| !k.starts_with("score-")),
        "{:?}",
        extended.timers.cancel
    );
    let deadline = extended
        .timers
        .set
        .iter()
        .find(|t| t.key == "deadline")
        .unwrap();
    assert_eq!(deadline.at, due);
    // Outside an assessed stage every pending timer goes, as before.
    let early = Run::start(&w);
    let extended = decide::extend(
        &early.project(),
        &early.state,
        Some(coordinator),
        &decide::Extending::Deadline("proposal".into()),
        due,
        "illness",
        day(2),
    )
    .unwrap();
    assert!(extended.timers.cancel_pending);
}
