//! What comes next: whose turn, who is done, by when, overdue; exits
//! (withdraw, reject) never make it anyone's turn.

use super::{Run, bundled, day, holder, sample, walk};
use crate::decide::{
    Direction, Fields, Next, direction, irreversible, next, overdue_since, possible,
};

fn next_of(run: &Run<'_>, n: i64) -> Next {
    let possible = possible(&run.project(), &run.state);
    next(run.workflow, &run.members, &run.state, &possible, day(n))
}

#[test]
fn directions_come_from_the_definition() {
    let w = bundled("graduation-service");
    let d = |stage: &str, action: &str| direction(&w, w.stage(stage).unwrap(), action);
    assert_eq!(d("proposal", "submit"), Direction::Forward);
    assert_eq!(d("proposal", "withdraw"), Direction::Exit);
    assert_eq!(d("endorsement", "endorse"), Direction::Forward);
    assert_eq!(d("endorsement", "request_changes"), Direction::Back);
    assert_eq!(d("endorsement", "reject"), Direction::Exit);
    assert_eq!(
        d("implementation", "visit_before.submit"),
        Direction::Forward
    );
    assert_eq!(
        d("implementation", "visit_before.accept"),
        Direction::Forward
    );
    assert_eq!(d("implementation", "visit_before.return"), Direction::Back);
    assert_eq!(d("evaluation", "score"), Direction::Forward);
    // Ending under a condition (the scores allow it) is the stage's work.
    assert_eq!(d("evaluation", "pass"), Direction::Forward);
    assert_eq!(d("evaluation", "fail"), Direction::Forward);
    assert_eq!(d("evaluation", "revise"), Direction::Back);
}

#[test]
fn endings_with_a_reason_and_returns_cannot_be_undone_and_ask_once_more() {
    let w = bundled("graduation-service");
    let i = |stage: &str, action: &str| irreversible(&w, w.stage(stage).unwrap(), action);
    assert!(i("proposal", "withdraw"));
    assert!(i("endorsement", "reject"));
    assert!(i("evaluation", "fail"));
    assert!(i("implementation", "visit_before.return"));
    assert!(!i("proposal", "submit"));
    assert!(!i("endorsement", "endorse"));
    assert!(!i("endorsement", "request_changes"));
    assert!(!i("evaluation", "pass"));
    assert!(!i("implementation", "visit_before.accept"));
}

#[test]
fn a_proposal_waits_for_its_trainee_not_for_whoever_may_withdraw_it() {
    let w = bundled("graduation-service");
    let run = Run::start(&w);
    let next = next_of(&run, 2);
    let trainee = holder(&w, "trainee", 1);
    let coordinator = holder(&w, "coordinator", 1);
    assert_eq!(next.steps.len(), 1, "{next:?}");
    assert_eq!(next.steps[0].action, "submit");
    assert_eq!(next.steps[0].awaited, vec![trainee]);
    assert!(next.awaits(trainee));
    assert!(!next.awaits(coordinator), "withdraw is no one's turn");
    // Who holds which role, in the workflow's order of roles.
    let roles: Vec<&str> = next.holders.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        roles,
        ["trainee", "supervisor", "coordinator", "committee", "chair"]
    );
}

#[test]
fn an_endorsement_is_due_in_working_days_and_overdue_once_past_without_a_worker() {
    let w = bundled("graduation-service");
    let mut run = Run::start(&w);
    let trainee = holder(&w, "trainee", 1);
    run.act(trainee, "submit", sample(&w.forms["proposal"]), None, 2)
        .unwrap();
    let next = next_of(&run, 3);
    let endorse = &next.steps[0];
    assert_eq!(endorse.action, "endorse");
    assert_eq!(endorse.working_days, Some(5));
    assert_eq!(endorse.due, run.state.deadline);
    assert!(endorse.due.is_some());
    assert!(!endorse.overdue);
    assert_eq!(next.overdue_since, None);
    // Supervisors (three of them) are awaited; the coordinator, who could
    // only reject or send back, is not.
    assert_eq!(endorse.awaited.len(), 3);
    assert!(!next.awaits(holder(&w, "coordinator", 1)));
    // Thirty days later no worker has run: still overdue, from the deadline.
    let late = next_of(&run, 40);
    assert!(late.steps[0].overdue);
    assert_eq!(late.overdue_since, run.state.deadline);
    assert_eq!(
        overdue_since(&w, &run.state, day(40)),
        run.state.deadline,
        "one rule for every page"
    );
}

#[test]
fn an_evaluator_who_scored_is_no_longer_awaited_and_the_chair_waits_for_the_scores() {
    let w = bundled("graduation-service");
    let mut run = walk(&w, "evaluation");
    let first = holder(&w, "committee", 1);
    let chair = holder(&w, "chair", 1);
    let rubric = &w.rubrics["safe"];
    let scores: Fields = rubric
        .criteria
        .iter()
        .map(|c| (c.key.clone(), serde_json::json!(4)))
        .collect();
    assert!(next_of(&run, 20).awaits(first));
    run.act(first, "score", scores.clone(), None, 20).unwrap();
    let next = next_of(&run, 20);
    assert!(!next.awaits(first), "{next:?}");
    assert!(next.awaits(holder(&w, "committee", 2)));
    assert_eq!(next.steps[0].done, vec![first]);
    assert!(!next.awaits(chair), "the chair waits for the scores");
    run.act(holder(&w, "committee", 2), "score", scores, None, 20)
        .unwrap();
    let next = next_of(&run, 20);
    assert!(next.awaits(chair), "now the chair decides: {next:?}");
    assert_eq!(next.steps.len(), 1, "pass only; revise is a step back");
}

#[test]
fn an_approver_who_approved_is_done_and_the_other_role_is_awaited() {
    let w = bundled("graduation-excellence");
    let mut run = walk(&w, "proposal_review");
    let supervisor = holder(&w, "supervisor", 1);
    run.act(supervisor, "approve", Fields::new(), None, 20)
        .unwrap();
    let next = next_of(&run, 20);
    let approve = next.steps.iter().find(|s| s.action == "approve").unwrap();
    assert_eq!(approve.done, vec![supervisor]);
    assert_eq!(approve.roles, ["coordinator"]);
    assert!(!next.awaits(supervisor));
    assert!(next.awaits(holder(&w, "coordinator", 1)));
}

#[test]
fn a_finished_project_says_when_and_is_never_overdue() {
    let w = bundled("graduation-service");
    let mut run = Run::start(&w);
    run.act(
        holder(&w, "trainee", 1),
        "withdraw",
        Fields::new(),
        Some("moving"),
        3,
    )
    .unwrap();
    let next = next_of(&run, 300);
    assert!(next.steps.is_empty());
    assert_eq!(next.finished, Some(run.state.entered_at));
    assert_eq!(next.overdue_since, None);
}

#[test]
fn a_stuck_stage_waits_for_a_step_back_but_never_for_an_exit() {
    let w = bundled("service-improvement");
    let mut run = walk(&w, "pilot");
    let owner = holder(&w, "service_owner", 1);
    let office = holder(&w, "quality_office", 1);
    for m in ["measure_before", "measure_after"] {
        run.act(
            owner,
            &format!("{m}.submit"),
            sample(&w.forms["measurement"]),
            None,
            20,
        )
        .unwrap();
        run.act(office, &format!("{m}.accept"), Fields::new(), None, 20)
            .unwrap();
    }
    let mut report = sample(&w.forms["pilot_report"]);
    report.insert("target_met".into(), serde_json::json!(false));
    run.act(owner, "report", report, None, 21).unwrap();
    // Adopting waits for a target met, which it was not: the steering
    // group must extend the pilot (a step back) or abandon it (an exit).
    let next = next_of(&run, 22);
    let actions: Vec<&str> = next.steps.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(actions, ["extend_pilot"]);
    assert_eq!(next.steps[0].direction, Direction::Back);
    assert!(next.awaits(holder(&w, "steering", 1)));
    assert!(!next.awaits(holder(&w, "department_head", 1)));
}
