//! Every validation error kind of a workflow definition, each on a small broken
//! file, with the exact line and column it is reported at.
//!
//! Most files are the minimal valid workflow [`VALID`] with one thing changed or
//! added; the broken line carries a `# <- line N` comment. Lines and columns are
//! 1-based and columns count characters.

use std::collections::BTreeSet;
use std::path::Path;

use gradflow_engine::definition::{self, Diagnostic, Templates, load, parse};

/// The smallest valid workflow; every test file below starts from it.
const VALID: &str = r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#;

/// Templates the tests pretend exist beside the definition.
fn templates() -> BTreeSet<String> {
    ["deadline_reminder", "overdue_notice", "proposal_submitted"]
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Every problem in `text`, which must be invalid.
#[track_caller]
fn problems_with(text: &str, known: &BTreeSet<String>) -> Vec<Diagnostic> {
    match parse(text, Templates::Known(known)) {
        Ok(_) => panic!("expected problems, but the definition is valid:\n{text}"),
        Err(problems) => problems,
    }
}

#[track_caller]
fn problems(text: &str) -> Vec<Diagnostic> {
    problems_with(text, &templates())
}

/// The one problem in `text`; fails if there are none or several.
#[track_caller]
fn only(text: &str) -> Diagnostic {
    let mut all = problems(text);
    assert_eq!(all.len(), 1, "expected exactly one problem, got {all:#?}");
    all.remove(0)
}

/// `d` is at (line, column) and its message contains every one of `words`.
#[track_caller]
fn assert_at(d: &Diagnostic, at: (u64, u64), words: &[&str]) {
    assert_eq!((d.line, d.column), at, "wrong place for {d:#?}");
    for w in words {
        assert!(d.message.contains(w), "message lacks {w:?}: {d:#?}");
    }
}

/// `d` has a hint containing every one of `words`.
#[track_caller]
fn assert_hint(d: &Diagnostic, words: &[&str]) {
    let hint = d
        .hint
        .as_deref()
        .unwrap_or_else(|| panic!("no hint: {d:#?}"));
    for w in words {
        assert!(hint.contains(w), "hint lacks {w:?}: {d:#?}");
    }
}

#[test]
fn the_minimal_workflow_is_valid() {
    let workflow = parse(VALID, Templates::Known(&BTreeSet::new())).expect("valid");
    assert_eq!(workflow.key, "demo");
    assert_eq!(workflow.stages.len(), 2);
}

// ---------------------------------------------------------------- YAML shape

#[test]
fn yaml_syntax_error_bad_indentation() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
   done: { terminal: true }   # <- line 11, one space too many
"#,
    );
    assert_at(&d, (11, 4), &["block mapping", "expected key"]);
}

#[test]
fn unknown_top_level_key() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stges:   # <- line 7
  draft:
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (7, 1), &["unknown field `stges`", "stages"]);
    assert_hint(&d, &["check the spelling", "docs/definitions.md"]);
}

#[test]
fn unknown_key_in_a_stage() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    titel: Draft   # <- line 9
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (9, 5), &["unknown field `titel`", "title"]);
    assert_hint(&d, &["check the spelling"]);
}

#[test]
fn duplicate_stage_key() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  draft: { terminal: true }   # <- line 11
  done: { terminal: true }
"#,
    );
    assert_at(&d, (11, 3), &["duplicate key 'draft'"]);
    assert_hint(&d, &["once"]);
}

#[test]
fn version_is_not_a_number() {
    let d = only(
        r#"key: demo
version: one   # <- line 2
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (2, 10), &["expected a whole number"]);
    assert_hint(&d, &["indentation"]);
}

#[test]
fn version_zero() {
    let d = only(
        r#"key: demo
version: 0   # <- line 2
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (2, 10), &["version numbers start at 1"]);
}

#[test]
fn missing_required_key() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee }   # <- line 10
  done: { terminal: true }
"#,
    );
    // The YAML reader reports it at the first key of the mapping that lacks it.
    assert_at(&d, (10, 17), &["missing field `to`"]);
}

// ---------------------------------------------------------------- references

#[test]
fn unknown_stage_in_to() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: finished }   # <- line 10
      finish: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (10, 34), &["unknown stage 'finished'"]);
    assert_hint(&d, &["known stages: draft, done"]);
}

#[test]
fn unknown_stage_in_start() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: drat   # <- line 6
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (6, 8), &["unknown stage 'drat'"]);
    assert_hint(&d, &["known stages: draft, done"]);
}

#[test]
fn unknown_role_as_a_scalar() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainer, to: done }   # <- line 10
  done: { terminal: true }
"#,
    );
    assert_at(&d, (10, 21), &["unknown role 'trainer'"]);
    assert_hint(&d, &["known roles: trainee, supervisor"]);
}

#[test]
fn unknown_role_as_a_block_scalar() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit:
        by: trainer   # <- line 11
        to: done
  done: { terminal: true }
"#,
    );
    assert_at(&d, (11, 13), &["unknown role 'trainer'"]);
}

#[test]
fn unknown_role_in_a_list() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: [trainee, boss], to: done }   # <- line 10
  done: { terminal: true }
"#,
    );
    assert_at(&d, (10, 31), &["unknown role 'boss'"]);
    assert_hint(&d, &["known roles: trainee, supervisor"]);
}

#[test]
fn empty_role_list() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: [], to: done }   # <- line 10
  done: { terminal: true }
"#,
    );
    assert_at(&d, (10, 21), &["name at least one role"]);
}

#[test]
fn unknown_form_in_an_action() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done, form: proposl }   # <- line 10
  done: { terminal: true }
forms:
  proposal:
    fields:
      service: { type: text }
"#,
    );
    assert_at(&d, (10, 46), &["unknown form 'proposl'"]);
    assert_hint(&d, &["known forms: proposal"]);
}

#[test]
fn unknown_form_in_a_milestone() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    milestones:
      - { key: visit, form: visits, by: trainee, review_by: supervisor }   # <- line 10
    actions:
      submit: { by: trainee, to: done, when: milestones.all_accepted }
  done: { terminal: true }
forms:
  visit:
    fields:
      notes: { type: text }
"#,
    );
    assert_at(&d, (10, 29), &["unknown form 'visits'"]);
    assert_hint(&d, &["known forms: visit"]);
}

#[test]
fn milestone_without_a_reviewer() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    milestones:
      - { key: visit, form: visit, by: trainee }   # <- line 10
    actions:
      submit: { by: trainee, to: done, when: milestones.all_accepted }
  done: { terminal: true }
forms:
  visit:
    fields:
      notes: { type: text }
"#,
    );
    assert_at(&d, (10, 9), &["review_by: is missing"]);
}

#[test]
fn milestone_without_a_submitter() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    milestones:
      - { key: visit, form: visit, review_by: supervisor }   # <- line 10
    actions:
      submit: { by: trainee, to: done, when: milestones.all_accepted }
  done: { terminal: true }
forms:
  visit:
    fields:
      notes: { type: text }
"#,
    );
    assert_at(
        &d,
        (10, 9),
        &["by: is missing: say who submits the milestone"],
    );
}

#[test]
fn unknown_rubric() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    assessment: { rubric: safty, by: supervisor, evaluators: 1, quorum: 1 }   # <- line 9
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
rubrics:
  safe:
    scale: { min: 1, max: 5 }
    criteria: { safety: {} }
    pass: { weighted_mean_at_least: 3 }
"#,
    );
    assert_at(&d, (9, 27), &["unknown rubric 'safty'"]);
    assert_hint(&d, &["known rubrics: safe"]);
}

#[test]
fn unknown_named_template() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
notifications:
  - { on: enter done, to: [trainee], template: finished }   # <- line 13
"#,
    );
    assert_at(&d, (13, 48), &["unknown template 'finished'"]);
    assert_hint(
        &d,
        &[
            "templates/finished.subject.hbs",
            "templates/finished.text.hbs",
        ],
    );
}

#[test]
fn missing_default_reminder_template() {
    let text = r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: { after: 14d }
    remind:
      - { before: 2d, to: [trainee] }   # <- line 11
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#;
    // Valid when the default template exists...
    assert!(parse(text, Templates::Known(&templates())).is_ok());
    // ...and reported at the reminder when it does not.
    let all = problems_with(text, &BTreeSet::new());
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_at(&all[0], (11, 9), &["unknown template 'deadline_reminder'"]);
    assert_hint(
        &all[0],
        &[
            "default template 'deadline_reminder'",
            "templates/deadline_reminder.subject.hbs",
        ],
    );
}

#[test]
fn missing_default_overdue_template() {
    let text = r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: { after: 14d }
    overdue:
      - { every: "0 9 * * 1", to: [supervisor] }   # <- line 11
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#;
    assert!(parse(text, Templates::Known(&templates())).is_ok());
    let all = problems_with(text, &BTreeSet::new());
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_at(&all[0], (11, 9), &["unknown template 'overdue_notice'"]);
    assert_hint(&all[0], &["default template 'overdue_notice'"]);
}

// ---------------------------------------------------------------- due dates

#[test]
fn unknown_cohort_date() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: { at: cohort.proposal_dew }   # <- line 9
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (9, 21), &["unknown cohort date 'proposal_dew'"]);
    assert_hint(&d, &["known cohort dates: proposal_due", "cohort_dates"]);
}

#[test]
fn at_is_not_a_cohort_date() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: { at: proposal_due }   # <- line 9
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (9, 21), &["'proposal_due' is not a cohort date"]);
    assert_hint(&d, &["at: cohort.NAME"]);
}

#[test]
fn bad_time_of_day() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: { at: cohort.proposal_due, time: "5pm" }   # <- line 9
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (9, 48), &["'5pm' is not a time of day"]);
    assert_hint(&d, &["HH:MM"]);
}

#[test]
fn time_with_after() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: { after: 14d, time: "17:00" }   # <- line 9
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (9, 35), &["time: goes with at:, not with after:"]);
}

#[test]
fn both_at_and_after() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: { at: cohort.proposal_due, after: 14d }   # <- line 9
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (9, 49), &["either at: or after:, not both"]);
}

#[test]
fn neither_at_nor_after() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: {}   # <- line 9
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (9, 15), &["a due date needs at: or after:"]);
    assert_hint(&d, &["cohort.proposal_due", "after: 14d"]);
}

// ---------------------------------------------------------------- uniqueness and names

#[test]
fn duplicate_role() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor, trainee]   # <- line 4
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (4, 30), &["role 'trainee' is listed twice"]);
}

#[test]
fn duplicate_cohort_date() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due, proposal_due]   # <- line 5
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (5, 30), &["cohort date 'proposal_due' is listed twice"]);
}

#[test]
fn duplicate_milestone_across_stages() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    milestones:
      - { key: visit, form: visit, by: trainee, review_by: supervisor }
    actions:
      submit: { by: trainee, to: review, when: milestones.all_accepted }
  review:
    milestones:
      - { key: visit, form: visit, by: trainee, review_by: supervisor }   # <- line 15
    actions:
      accept: { by: supervisor, to: done, when: milestones.all_accepted }
  done: { terminal: true }
forms:
  visit:
    fields:
      notes: { type: text }
"#,
    );
    assert_at(&d, (15, 16), &["milestone 'visit'", "twice"]);
}

#[test]
fn invalid_stage_name() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: final stage }
  final stage: { terminal: true }   # <- line 11
"#,
    );
    assert_at(&d, (11, 3), &["'final stage' is not a valid stage name"]);
    assert_hint(&d, &["letters, digits", "starting with a letter"]);
}

#[test]
fn invalid_workflow_key() {
    let d = only(
        r#"key: 2nd-demo   # <- line 1
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (1, 6), &["'2nd-demo' is not a valid workflow name"]);
}

// ---------------------------------------------------------------- paths through the stages

#[test]
fn no_stages() {
    let all = problems(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft   # <- line 6
stages: {}
"#,
    );
    assert_at(&all[0], (6, 8), &["the workflow has no stages"]);
}

#[test]
fn stage_unreachable_from_start() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  orphan:   # <- line 11
    actions:
      finish: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(
        &d,
        (11, 3),
        &["stage 'orphan' cannot be reached from the start stage 'draft'"],
    );
    assert_hint(&d, &["to:"]);
}

#[test]
fn no_terminal_stage_reachable_from_a_loop() {
    let all = problems(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: ping }
      withdraw: { by: trainee, to: done }
  ping:   # <- line 12
    actions:
      pass: { by: supervisor, to: pong }
  pong:   # <- line 15
    actions:
      back: { by: supervisor, to: ping }
  done: { terminal: true }
"#,
    );
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_at(
        &all[0],
        (12, 3),
        &["no terminal stage can be reached from stage 'ping'"],
    );
    assert_at(
        &all[1],
        (15, 3),
        &["no terminal stage can be reached from stage 'pong'"],
    );
    assert_hint(&all[0], &["terminal stage"]);
}

#[test]
fn no_terminal_stage_at_all() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft   # <- line 6
stages:
  draft:
    actions:
      submit: { by: trainee, to: review }
  review:
    actions:
      back: { by: supervisor, to: draft }
"#,
    );
    assert_at(&d, (6, 8), &["the workflow has no terminal stage"]);
    assert_hint(&d, &["terminal: true"]);
}

#[test]
fn terminal_stage_with_actions() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  done:   # <- line 11
    terminal: true
    actions:
      reopen: { by: supervisor, to: draft }
"#,
    );
    assert_at(&d, (11, 3), &["terminal stage 'done' has actions"]);
    assert_hint(&d, &["remove terminal: true"]);
}

#[test]
fn terminal_stage_with_a_deadline() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true, deadline: { after: 1d } }   # <- line 11
"#,
    );
    assert_at(&d, (11, 3), &["terminal stage 'done' has a deadline"]);
}

#[test]
fn stage_without_actions_that_is_not_terminal() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: review }
      finish: { by: trainee, to: done }
  review: { title: Review }   # <- line 12
  done: { terminal: true }
"#,
    );
    assert_at(
        &d,
        (12, 3),
        &["stage 'review' has no actions and is not terminal"],
    );
    assert_hint(&d, &["add actions", "terminal: true"]);
}

// ---------------------------------------------------------------- durations and schedules

#[test]
fn duration_with_an_unknown_unit() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: { after: 2 months }   # <- line 9
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(
        &d,
        (9, 24),
        &["unknown unit 'months' in '2 months'", "business_days"],
    );
}

#[test]
fn duration_of_zero() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: { after: 14d }
    remind:
      - { before: 0d, to: [trainee] }   # <- line 11
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (11, 19), &["'0d' is zero", "positive"]);
}

#[test]
fn duration_without_a_number() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: { after: days }   # <- line 9
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (9, 24), &["'days' is not a duration", "whole number"]);
}

#[test]
fn duration_of_more_than_ten_years() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: { after: 4000d }   # <- line 9
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (9, 24), &["'4000d' is more than ten years"]);
}

#[test]
fn duration_too_large_for_a_number() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: { after: 99999999999d }   # <- line 9
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (9, 24), &["'99999999999' is too large for a duration"]);
}

#[test]
fn schedule_with_four_fields() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: { after: 14d }
    overdue:
      - { every: "0 9 * *", to: [supervisor] }   # <- line 11
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (11, 18), &["'0 9 * *' has 4 fields", "five"]);
}

#[test]
fn schedule_with_weekday_eight() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: { after: 14d }
    overdue:
      - { every: "0 9 * * 8", to: [supervisor] }   # <- line 11
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(
        &d,
        (11, 18),
        &["day-of-week '8'", "not a weekday", "Sunday is 0 or 7"],
    );
}

#[test]
fn schedule_with_hour_twenty_five() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: { after: 14d }
    overdue:
      - { every: "0 25 * * 1", to: [supervisor] }   # <- line 11
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(&d, (11, 18), &["'0 25 * * 1' is not a valid schedule"]);
}

#[test]
fn reminders_without_a_deadline() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    remind:
      - { before: 2d, to: [trainee] }   # <- line 10
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(
        &d,
        (10, 9),
        &["stage 'draft' has reminders but no deadline"],
    );
}

#[test]
fn overdue_escalations_without_a_deadline() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    overdue:
      - { every: "0 9 * * 1", to: [supervisor] }   # <- line 10
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    assert_at(
        &d,
        (10, 9),
        &["stage 'draft' has overdue escalations but no deadline"],
    );
}

// ---------------------------------------------------------------- conditions

/// A workflow whose only condition, on line 14, is `CONDITION`; the value starts
/// at column 15 (its opening quote, when it is quoted).
const WITH_CONDITION: &str = r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit:
        by: trainee
        to: done
        form: proposal
        when: CONDITION
  done: { terminal: true }
forms:
  proposal:
    fields:
      service: { type: text }
      budget: { type: number }
"#;

/// The one problem of the workflow whose condition is written as `when`.
#[track_caller]
fn condition_problem(when: &str) -> Diagnostic {
    only(&WITH_CONDITION.replace("CONDITION", when))
}

/// Checks a broken condition written plain, in double quotes and in single
/// quotes: `offset` is the 0-based character offset of the problem in the condition.
#[track_caller]
fn assert_condition(condition: &str, offset: u64, words: &[&str]) {
    let plain = condition_problem(condition);
    assert_at(&plain, (14, 15 + offset), words);
    assert!(
        plain
            .message
            .contains(&format!("in condition '{condition}'")),
        "{plain:#?}"
    );
    let double = condition_problem(&format!("\"{condition}\""));
    assert_at(&double, (14, 16 + offset), words);
    // In single quotes each `'` of the condition is written `''`.
    let single = condition_problem(&format!("'{}'", condition.replace('\'', "''")));
    let doubled = condition
        .chars()
        .take(offset as usize)
        .filter(|&c| c == '\'')
        .count() as u64;
    assert_at(&single, (14, 16 + offset + doubled), words);
}

#[test]
fn the_condition_workflow_is_valid() {
    let text = WITH_CONDITION.replace("CONDITION", "form.proposal.budget <= 500");
    parse(&text, Templates::Known(&templates())).expect("valid");
}

#[test]
fn condition_parse_error() {
    assert_condition("form.proposal.budget = 5", 21, &["use `==`"]);
}

#[test]
fn condition_unknown_name() {
    assert_condition(
        "form.proposal.budget > 100 && approved",
        30,
        &["unknown name 'approved'", "form.FORM.FIELD"],
    );
}

#[test]
fn condition_unknown_form() {
    assert_condition(
        "form.proposl.budget > 1",
        0,
        &["unknown form 'proposl'", "forms are: proposal"],
    );
}

#[test]
fn condition_unknown_form_field() {
    assert_condition(
        "form.proposal.service == 'online' && form.proposal.budgt > 100",
        37,
        &[
            "unknown field 'budgt' in form 'proposal'",
            "its fields are: service, budget",
        ],
    );
}

#[test]
fn condition_milestones_in_a_stage_without_milestones() {
    assert_condition(
        "form.proposal.budget > 0 && milestones.all_accepted",
        28,
        &["this stage has no milestones"],
    );
}

#[test]
fn condition_assessment_in_a_stage_without_assessment() {
    assert_condition(
        "not assessment.passed",
        4,
        &["this stage has no assessment"],
    );
}

#[test]
fn condition_comparing_text_with_a_number() {
    // Reported at the operator.
    assert_condition(
        "form.proposal.service == 5",
        22,
        &[
            "`==` compares values of the same type",
            "`form.proposal.service` is text",
            "`5` is a number",
        ],
    );
}

#[test]
fn condition_that_is_not_true_or_false() {
    assert_condition(
        "form.proposal.budget",
        0,
        &["must be true or false", "is a number"],
    );
}

#[test]
fn condition_unknown_milestone() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    milestones:
      - { key: visit, form: visit, by: trainee, review_by: supervisor }
    actions:
      submit: { by: trainee, to: done, when: milestones.vist.accepted }   # <- line 12
  done: { terminal: true }
forms:
  visit:
    fields:
      notes: { type: text }
"#,
    );
    assert_at(
        &d,
        (12, 46),
        &["unknown milestone 'vist'", "milestones are: visit"],
    );
}

#[test]
fn condition_milestone_without_what_to_ask() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    milestones:
      - { key: visit, form: visit, by: trainee, review_by: supervisor }
    actions:
      submit: { by: trainee, to: done, when: milestones.visit }   # <- line 12
  done: { terminal: true }
forms:
  visit:
    fields:
      notes: { type: text }
"#,
    );
    assert_at(
        &d,
        (12, 46),
        &["write milestones.all_accepted", "milestones.KEY.accepted"],
    );
}

#[test]
fn condition_columns_count_characters_of_the_source() {
    // The problem (`nosuch`) is the 36th character of the condition's value;
    // `é` is one character, and YAML escapes take more room in the file than
    // in the value.
    let d = condition_problem("form.proposal.service == 'café' && nosuch");
    assert_at(&d, (14, 50), &["unknown name 'nosuch'"]);
    let d = condition_problem(r#""form.proposal.service == 'café' && nosuch""#);
    assert_at(&d, (14, 51), &["unknown name 'nosuch'"]);
    let d = condition_problem(r#""form.proposal.service == \"café\" && nosuch""#);
    assert_at(&d, (14, 53), &["unknown name 'nosuch'"]);
    let d = condition_problem(r#"'form.proposal.service == ''café'' && nosuch'"#);
    assert_at(&d, (14, 53), &["unknown name 'nosuch'"]);
    let d = condition_problem(r#""form.proposal.service == 'caf\u00e9' && nosuch""#);
    assert_at(&d, (14, 56), &["unknown name 'nosuch'"]);
}

// ---------------------------------------------------------------- actions

#[test]
fn need_is_not_all_any_or_a_number() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: [trainee, supervisor], need: most, to: done }   # <- line 10
  done: { terminal: true }
"#,
    );
    assert_at(&d, (10, 50), &["need: must be all, any or a number"]);
    assert_hint(&d, &["need: all", "need: 2"]);
}

#[test]
fn comment_is_neither_required_nor_optional() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done, comment: maybe }   # <- line 10
  done: { terminal: true }
"#,
    );
    assert_at(
        &d,
        (10, 49),
        &["comment: must be required or optional, not 'maybe'"],
    );
}

#[test]
fn automatic_action_without_when() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { auto: true, to: done }   # <- line 10
  done: { terminal: true }
"#,
    );
    assert_at(
        &d,
        (10, 7),
        &["automatic action 'submit' needs a when: condition"],
    );
}

#[test]
fn action_without_by_that_is_not_automatic() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { to: done }   # <- line 10
  done: { terminal: true }
"#,
    );
    assert_at(
        &d,
        (10, 7),
        &["action 'submit' does not say who may take it"],
    );
    assert_hint(&d, &["by:", "auto: true"]);
}

#[test]
fn unknown_effect() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done, effects: [issue_certficate] }   # <- line 10
  done: { terminal: true }
"#,
    );
    assert_at(&d, (10, 50), &["unknown effect 'issue_certficate'"]);
    assert_hint(&d, &["known effects: issue_certificate"]);
}

#[test]
fn action_named_score() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      score: { by: trainee, to: done }   # <- line 10
  done: { terminal: true }
"#,
    );
    assert_at(&d, (10, 7), &["'score' is the built-in action"]);
}

// ---------------------------------------------------------------- forms

/// A workflow with one form whose only field, on line 15, is `FIELD`.
const WITH_FIELD: &str = r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done, form: proposal }
  done: { terminal: true }
forms:
  proposal:
    fields:
      FIELD
"#;

#[track_caller]
fn field_problem(field: &str) -> Diagnostic {
    only(&WITH_FIELD.replace("FIELD", field))
}

#[test]
fn the_form_workflow_is_valid() {
    let text = WITH_FIELD.replace("FIELD", "kind: { type: choice, choices: [a, b] }");
    parse(&text, Templates::Known(&templates())).expect("valid");
}

#[test]
fn unknown_field_type() {
    let d = field_problem("service: { type: txt }");
    assert_at(&d, (15, 24), &["unknown field type 'txt'"]);
    assert_hint(&d, &["known field types: text, long_text, number"]);
}

#[test]
fn choice_without_choices() {
    let d = field_problem("service: { type: choice }");
    assert_at(&d, (15, 16), &["choice field 'service' needs choices:"]);
}

#[test]
fn choices_on_a_field_that_is_not_a_choice() {
    let d = field_problem("service: { type: text, choices: [a, b] }");
    assert_at(&d, (15, 40), &["choices: only goes with type: choice"]);
}

#[test]
fn the_same_choice_twice() {
    let d = field_problem("kind: { type: choice, choices: [a, b, a] }");
    assert_at(&d, (15, 45), &["choice 'a' is listed twice"]);
}

#[test]
fn min_greater_than_max() {
    let d = field_problem("budget: { type: number, min: 100, max: 10 }");
    assert_at(&d, (15, 15), &["min (100) is greater than max (10)"]);
}

#[test]
fn form_without_fields() {
    let d = only(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done, form: proposal }
  done: { terminal: true }
forms:
  proposal: { fields: {} }   # <- line 13
"#,
    );
    assert_at(&d, (13, 3), &["form 'proposal' has no fields"]);
}

// ---------------------------------------------------------------- rubrics and assessments

/// A workflow with an assessment on line 9 against the rubric on lines 14-18.
const WITH_RUBRIC: &str = r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    assessment: { rubric: safe, by: supervisor, evaluators: 2, quorum: 2 }
    actions:
      submit: { by: trainee, to: done, when: assessment.passed }
  done: { terminal: true }
rubrics:
  safe:
    scale: { min: 1, max: 5 }
    criteria:
      safety: { weight: 2, levels: { 1: Unsafe, 5: Safe } }
    pass: { weighted_mean_at_least: 3 }
"#;

/// The one problem of [`WITH_RUBRIC`] with the line `from` replaced by `to`.
#[track_caller]
fn rubric_problem(from: &str, to: &str) -> Diagnostic {
    assert_eq!(WITH_RUBRIC.matches(from).count(), 1, "{from:?}");
    only(&WITH_RUBRIC.replace(from, to))
}

#[test]
fn the_rubric_workflow_is_valid() {
    parse(WITH_RUBRIC, Templates::Known(&templates())).expect("valid");
}

#[test]
fn scale_min_not_below_max() {
    let d = rubric_problem(
        "    scale: { min: 1, max: 5 }\n    criteria:\n      safety: { weight: 2, levels: { 1: Unsafe, 5: Safe } }\n    pass: { weighted_mean_at_least: 3 }",
        "    scale: { min: 5, max: 5 }\n    criteria:\n      safety: {}\n    pass: { weighted_mean_at_least: 5 }",
    );
    assert_at(
        &d,
        (15, 12),
        &["the scale's min (5) must be below its max (5)"],
    );
}

#[test]
fn pass_mean_outside_the_scale() {
    let d = rubric_problem(
        "pass: { weighted_mean_at_least: 3 }",
        "pass: { weighted_mean_at_least: 6 }",
    );
    assert_at(
        &d,
        (18, 11),
        &["weighted_mean_at_least 6 is outside the scale 1..5"],
    );
}

#[test]
fn pass_each_outside_the_scale() {
    let d = rubric_problem(
        "pass: { weighted_mean_at_least: 3 }",
        "pass: { each_at_least: 0 }",
    );
    assert_at(&d, (18, 11), &["each_at_least 0 is outside the scale 1..5"]);
}

#[test]
fn pass_without_a_threshold() {
    let d = rubric_problem("pass: { weighted_mean_at_least: 3 }", "pass: {}");
    assert_at(&d, (18, 11), &["the pass rule sets no threshold"]);
    assert_hint(&d, &["weighted_mean_at_least", "each_at_least"]);
}

#[test]
fn level_off_the_scale() {
    let d = rubric_problem("5: Safe", "6: Safe");
    assert_at(
        &d,
        (17, 49),
        &["level '6' is not a score on the scale 1..5"],
    );
}

#[test]
fn zero_weight() {
    let d = rubric_problem("weight: 2", "weight: 0");
    assert_at(&d, (17, 25), &["a weight must be a positive number"]);
}

#[test]
fn rubric_without_criteria() {
    let d = rubric_problem(
        "    criteria:\n      safety: { weight: 2, levels: { 1: Unsafe, 5: Safe } }",
        "    criteria: {}",
    );
    assert_at(&d, (14, 3), &["rubric 'safe' has no criteria"]);
}

#[test]
fn quorum_greater_than_evaluators() {
    let d = rubric_problem("quorum: 2", "quorum: 3");
    assert_at(
        &d,
        (9, 72),
        &["quorum must be between 1 and the number of evaluators (2)"],
    );
}

#[test]
fn assessment_without_scorers() {
    let d = rubric_problem("rubric: safe, by: supervisor,", "rubric: safe,");
    assert_at(&d, (9, 17), &["by: is missing: say who scores"]);
}

#[test]
fn condition_unknown_assessment_value() {
    let d = rubric_problem("when: assessment.passed", "when: assessment.score >= 3");
    assert_at(
        &d,
        (11, 46),
        &[
            "write assessment.passed",
            "assessment.mean or assessment.count",
        ],
    );
}

#[test]
fn no_evaluators() {
    let all =
        problems(&WITH_RUBRIC.replace("evaluators: 2, quorum: 2", "evaluators: 0, quorum: 1"));
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_at(&all[0], (9, 61), &["at least one evaluator is needed"]);
    assert_at(
        &all[1],
        (9, 72),
        &["quorum must be between 1 and the number of evaluators (0)"],
    );
}

// ---------------------------------------------------------------- notifications

/// A workflow with one notification rule, on line 13, whose `on:` is `ON`.
const WITH_NOTIFICATION: &str = r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
notifications:
  - { on: ON, to: [trainee], template: proposal_submitted }
"#;

#[track_caller]
fn notification_problem(on: &str) -> Diagnostic {
    only(&WITH_NOTIFICATION.replace("ON", on))
}

#[test]
fn the_notification_workflow_is_valid() {
    for on in ["enter done", "leave draft", "action submit"] {
        let text = WITH_NOTIFICATION.replace("ON", on);
        parse(&text, Templates::Known(&templates())).expect(on);
    }
}

#[test]
fn notification_on_is_not_a_moment() {
    let d = notification_problem("entering done");
    assert_at(
        &d,
        (13, 11),
        &["'entering done' is not a moment a notification can follow"],
    );
    assert_hint(&d, &["enter STAGE, leave STAGE, action ACTION"]);
}

#[test]
fn notification_on_entering_an_unknown_stage() {
    let d = notification_problem("enter finished");
    assert_at(&d, (13, 11), &["unknown stage 'finished'"]);
    assert_hint(&d, &["known stages: draft, done"]);
}

#[test]
fn notification_on_an_action_no_stage_has() {
    let d = notification_problem("action approve");
    assert_at(&d, (13, 11), &["no stage has an action 'approve'"]);
}

// ---------------------------------------------------------------- whole files

#[test]
fn every_problem_is_reported_at_once_sorted_by_position() {
    // Found in another order (forms first, notifications next, paths last),
    // reported in the order of the file.
    let all = problems(
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    deadline: { after: 2 months }
    actions:
      submit: { by: trainer, to: done, form: proposal }
      finish: { by: trainee, to: nowhere }
  done: { terminal: true }
  orphan: { terminal: true }
forms:
  proposal:
    fields:
      service: { type: txt }
notifications:
  - { on: enter finished, to: [trainee], template: proposal_submitted }
"#,
    );
    let found: Vec<(u64, u64, &str)> = all
        .iter()
        .map(|d| (d.line, d.column, d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            (
                9,
                24,
                "unknown unit 'months' in '2 months'; write a whole number and a unit: m, h, d, w or business_days (e.g. 14d, 10 business_days)"
            ),
            (11, 21, "unknown role 'trainer'"),
            (12, 34, "unknown stage 'nowhere'"),
            (
                14,
                3,
                "stage 'orphan' cannot be reached from the start stage 'draft'"
            ),
            (18, 24, "unknown field type 'txt'"),
            (20, 11, "unknown stage 'finished'"),
        ]
    );
}

#[test]
fn load_renders_problems_with_the_file_and_finds_templates_beside_it() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("workflow.yaml");
    std::fs::write(
        &path,
        r#"key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
notifications:
  - { on: enter done, to: [trainee], template: proposal_submitted }
"#,
    )
    .expect("write the definition");

    let error = load(&path).expect_err("the template is missing");
    let definition::Error::Invalid {
        path: reported,
        problems,
    } = &error
    else {
        panic!("not an invalid definition: {error:?}");
    };
    assert_eq!(reported, &path);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(
        error.to_string(),
        format!(
            "{}:13:48: error: unknown template 'proposal_submitted'\n  hint: add templates/proposal_submitted.subject.hbs and templates/proposal_submitted.text.hbs beside the definition",
            path.display()
        )
    );

    // Half a template is not a template.
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).expect("templates directory");
    std::fs::write(
        templates.join("proposal_submitted.subject.hbs"),
        "Submitted",
    )
    .expect("subject");
    assert!(matches!(
        load(&path),
        Err(definition::Error::Invalid { .. })
    ));

    std::fs::write(templates.join("proposal_submitted.text.hbs"), "{{project}}").expect("text");
    let loaded = load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.workflow.key, "demo");
    assert_eq!(loaded.text, std::fs::read_to_string(&path).expect("read"));
}

#[test]
fn load_reports_a_file_that_cannot_be_read() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("missing.yaml");
    let error = load(&path).expect_err("no such file");
    assert!(matches!(error, definition::Error::Read { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}: cannot read the file", path.display())),
        "{error}"
    );
}

#[test]
fn bundled_workflows_load_without_problems() {
    let bundled = [
        (
            "graduation-service",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../workflows/graduation-service/workflow.yaml"
            ),
        ),
        (
            "graduation-excellence",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../workflows/graduation-excellence/workflow.yaml"
            ),
        ),
        (
            "service-improvement",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../workflows/service-improvement/workflow.yaml"
            ),
        ),
    ];
    for (key, path) in bundled {
        let loaded = load(Path::new(path)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.workflow.key, key);
        assert!(!loaded.workflow.stages.is_empty());
    }
}

#[test]
fn notification_on_an_unknown_milestone() {
    let text = format!(
        "{VALID}notifications:\n  - {{ on: milestone visit submitted, to: [trainee], template: proposal_submitted }}\n"
    );
    let d = only(&text);
    assert_at(&d, (13, 11), &["unknown milestone 'visit'"]);
}

#[test]
fn notification_on_an_unknown_milestone_step() {
    let text = format!(
        "{VALID}notifications:\n  - {{ on: milestone * reviewed, to: [trainee], template: proposal_submitted }}\n"
    );
    let d = only(&text);
    assert_at(
        &d,
        (13, 11),
        &["'milestone * reviewed' is not a moment a notification can follow"],
    );
    assert_hint(&d, &["milestone KEY submitted|accepted|returned"]);
}
