//! Extensions, calendar changes and the graduation checklist (issue 15,
//! parts 5 and 6): the timers planned again, the refusals, and the log
//! replaying with the calendar of each date's time.

use jiff::Timestamp;
use jiff::civil::date;

use super::{Run, bundled, day, holder, parse, sample};
use crate::decide::{
    CalendarDates, Change, Extending, Fields, Rejection, TimerKind, extend, missing, recalendar,
    replay, replay_difference,
};

/// The end of `d` in London (where the test calendar is).
fn end_of(run: &Run<'_>, d: jiff::civil::Date) -> Timestamp {
    run.calendar.end_of(d).unwrap()
}

fn dates_of(run: &Run<'_>) -> CalendarDates {
    CalendarDates {
        dates: run.calendar.dates.clone(),
        holidays: run.calendar.holidays.clone(),
    }
}

#[test]
fn an_extension_moves_the_deadline_and_plans_its_reminders_again() {
    let workflow = bundled("graduation-service");
    let mut run = Run::start(&workflow);
    let coordinator = holder(&workflow, "coordinator", 1);
    let new = end_of(&run, date(2026, 5, 20));
    let decision = extend(
        &run.project(),
        &run.state,
        Some(coordinator),
        &Extending::Deadline("proposal".into()),
        new,
        "illness, certificate seen",
        day(10),
    )
    .unwrap();
    // Every timer of the entry is set again from the new date.
    assert!(decision.timers.cancel_pending);
    let deadline = decision
        .timers
        .set
        .iter()
        .find(|t| t.kind == TimerKind::Deadline)
        .unwrap();
    assert_eq!(deadline.at, new);
    let reminders: Vec<Timestamp> = decision
        .timers
        .set
        .iter()
        .filter(|t| t.kind == TimerKind::Reminder)
        .map(|t| t.at)
        .collect();
    assert_eq!(reminders.len(), 2);
    assert!(reminders.iter().all(|at| *at < new && *at > day(10)));
    assert!(
        decision
            .timers
            .set
            .iter()
            .filter(|t| t.kind == TimerKind::Overdue)
            .all(|t| t.at > new)
    );
    assert!(matches!(
        &decision.events[0].change,
        Change::Extended { stage, milestone: None, due, reason }
            if stage == "proposal" && *due == new && reason == "illness, certificate seen"
    ));
    run.accept(decision);
    assert_eq!(run.state.deadline, Some(new));
    assert_eq!(run.state.extensions.get("deadline"), Some(&new));
}

#[test]
fn extensions_are_refused_with_reasons_and_change_nothing() {
    let workflow = bundled("graduation-service");
    let run = Run::start(&workflow);
    let coordinator = holder(&workflow, "coordinator", 1);
    let trainee = holder(&workflow, "trainee", 1);
    let later = end_of(&run, date(2026, 5, 20));
    let try_extend = |actor, what: Extending, due| {
        extend(
            &run.project(),
            &run.state,
            actor,
            &what,
            due,
            "why",
            day(10),
        )
        .unwrap_err()
    };
    let code = |r: Rejection| r.reason().code;
    assert_eq!(
        code(try_extend(
            Some(coordinator),
            Extending::Deadline("proposal".into()),
            day(9)
        )),
        "extension-in-past"
    );
    assert_eq!(
        code(try_extend(
            Some(coordinator),
            Extending::Deadline("implementation".into()),
            later
        )),
        "extension-stage-left"
    );
    assert_eq!(
        code(try_extend(
            Some(coordinator),
            Extending::Milestone("visit_after".into()),
            later
        )),
        "extension-stage-left"
    );
    assert_eq!(
        code(try_extend(
            Some(coordinator),
            Extending::Milestone("nothing".into()),
            later
        )),
        "extension-unknown-milestone"
    );
    assert_eq!(
        code(try_extend(
            Some(trainee),
            Extending::Deadline("proposal".into()),
            later
        )),
        "not-allowed-yours"
    );
    // The operator (no actor) may.
    assert!(
        extend(
            &run.project(),
            &run.state,
            None,
            &Extending::Deadline("proposal".into()),
            later,
            "why",
            day(10),
        )
        .is_ok()
    );
}

#[test]
fn an_overdue_stage_extended_is_no_longer_overdue_and_a_late_milestone_no_longer_late() {
    let workflow = bundled("graduation-service");
    let mut run = Run::start(&workflow);
    let coordinator = holder(&workflow, "coordinator", 1);
    let trainee = holder(&workflow, "trainee", 1);
    let supervisor = holder(&workflow, "supervisor", 1);
    let proposal = sample(&workflow.forms["proposal"]);
    run.act(trainee, "submit", proposal, None, 2).unwrap();
    run.act(supervisor, "endorse", Fields::new(), None, 3)
        .unwrap();
    assert_eq!(run.state.stage, "implementation");
    // visit_before is due 14 days after the entry; mark it late by hand.
    let due = run.state.milestones["visit_before"].due.unwrap();
    let firing = crate::decide::fire(
        &run.project(),
        &run.state,
        &[crate::decide::DueTimer {
            id: 1,
            key: "milestone:visit_before".into(),
            kind: TimerKind::MilestoneDue,
            at: due,
            entry: run.state.entry,
            to: vec![],
            template: None,
        }],
        day(20),
    )
    .unwrap();
    run.accept(firing.decision.unwrap());
    assert!(run.state.milestones["visit_before"].late);
    let new = end_of(&run, date(2026, 2, 15));
    let decision = extend(
        &run.project(),
        &run.state,
        Some(coordinator),
        &Extending::Milestone("visit_before".into()),
        new,
        "the service was closed for works",
        day(20),
    )
    .unwrap();
    let timer = decision
        .timers
        .set
        .iter()
        .find(|t| t.key == "milestone:visit_before")
        .unwrap();
    assert_eq!(timer.at, new);
    run.accept(decision);
    assert!(!run.state.milestones["visit_before"].late);
    assert_eq!(run.state.milestones["visit_before"].due, Some(new));
}

#[test]
fn a_calendar_change_moves_dates_keeps_extensions_and_replays_with_the_calendar_of_its_time() {
    let workflow = bundled("graduation-service");
    let mut run = Run::start(&workflow);
    let coordinator = holder(&workflow, "coordinator", 1);
    let before = dates_of(&run);
    // The cohort's proposal_due moves from 30 April to 15 May.
    run.calendar
        .dates
        .insert("proposal_due".into(), date(2026, 5, 15));
    let decision = recalendar(
        &run.project(),
        &run.state,
        Some(coordinator),
        &before,
        "Eid",
        day(5),
    )
    .unwrap()
    .unwrap();
    let moved = end_of(&run, date(2026, 5, 15));
    assert_eq!(decision.state.deadline, Some(moved));
    assert!(
        decision
            .timers
            .set
            .iter()
            .any(|t| t.kind == TimerKind::Deadline && t.at == moved)
    );
    run.accept(decision);

    // An extension to 1 June is kept when the cohort's date moves to 20 May...
    let june = end_of(&run, date(2026, 6, 1));
    let decision = extend(
        &run.project(),
        &run.state,
        Some(coordinator),
        &Extending::Deadline("proposal".into()),
        june,
        "why",
        day(6),
    )
    .unwrap();
    run.accept(decision);
    let before = dates_of(&run);
    run.calendar
        .dates
        .insert("proposal_due".into(), date(2026, 5, 20));
    let decision = recalendar(&run.project(), &run.state, None, &before, "later", day(7))
        .unwrap()
        .unwrap();
    assert_eq!(decision.state.deadline, Some(june));
    run.accept(decision);
    // ...and overtaken when it moves past it.
    let before = dates_of(&run);
    run.calendar
        .dates
        .insert("proposal_due".into(), date(2026, 6, 10));
    let decision = recalendar(&run.project(), &run.state, None, &before, "later", day(8))
        .unwrap()
        .unwrap();
    assert_eq!(
        decision.state.deadline,
        Some(end_of(&run, date(2026, 6, 10)))
    );
    run.accept(decision);

    // The log replays with the calendars it records; a calendar changed
    // behind the engine's back (no event) is caught.
    assert!(replay(&run.project(), &run.log).is_ok());
    let mut tampered = run.calendar.clone();
    tampered
        .dates
        .insert("proposal_due".into(), date(2026, 7, 1));
    let project = crate::decide::Project {
        calendar: &tampered,
        ..run.project()
    };
    assert!(replay(&project, &run.log).is_err());
    // A stored state whose extension was edited is caught.
    let replayed = replay(&run.project(), &run.log).unwrap();
    let mut edited = run.state.clone();
    edited.extensions.clear();
    assert_eq!(replay_difference(&edited, &replayed), Some("extensions"));
}

#[test]
fn a_holiday_moves_a_business_day_deadline() {
    let workflow = bundled("graduation-service");
    let mut run = Run::start(&workflow);
    let trainee = holder(&workflow, "trainee", 1);
    run.act(
        trainee,
        "submit",
        sample(&workflow.forms["proposal"]),
        None,
        2,
    )
    .unwrap();
    // endorsement: 5 business days after the entry.
    assert_eq!(run.state.stage, "endorsement");
    let old = run.state.deadline.unwrap();
    let before = dates_of(&run);
    let entered = run
        .state
        .entered_at
        .to_zoned_datetime(run.calendar.zone().clone())
        .date();
    let mut working = entered.tomorrow().unwrap();
    while !run.calendar.is_business_day(working) {
        working = working.tomorrow().unwrap();
    }
    run.calendar.holidays.insert(working);
    let decision = recalendar(&run.project(), &run.state, None, &before, "holiday", day(2))
        .unwrap()
        .unwrap();
    let new = decision.state.deadline.unwrap();
    assert!(new > old, "{new} is later than {old}");
    run.accept(decision);
}

#[test]
fn a_finished_project_is_left_alone_by_a_calendar_change() {
    let workflow = bundled("graduation-service");
    let mut run = Run::start(&workflow);
    let trainee = holder(&workflow, "trainee", 1);
    run.act(trainee, "withdraw", Fields::new(), Some("moving away"), 2)
        .unwrap();
    let before = dates_of(&run);
    run.calendar
        .dates
        .insert("proposal_due".into(), date(2026, 5, 15));
    assert_eq!(
        recalendar(&run.project(), &run.state, None, &before, "x", day(3)).unwrap(),
        None
    );
}

const CHECKLIST: &str = r#"
key: demo
version: 1
title: Demo
roles: [trainee, coordinator]
start: work
stages:
  work:
    milestones:
      - { key: baseline, form: note, by: trainee, review_by: coordinator }
    actions:
      next: { by: coordinator, to: review }
  review:
    milestones:
      - { key: report, form: note, by: trainee, review_by: coordinator }
    actions:
      certify: { by: coordinator, to: done, effects: [issue_certificate] }
      close: { by: coordinator, to: done }
  done: { terminal: true }
forms:
  note: { fields: { text: { type: text } } }
checklist:
  baseline:
    title: { en: Baseline accepted, ar: قبول خط الأساس }
    when: milestones.baseline.accepted
  report:
    title: { en: Report accepted, ar: قبول التقرير }
    when: milestones.report.accepted
"#;

#[test]
fn a_certificate_waits_for_the_whole_checklist_and_says_what_is_missing() {
    let workflow = parse(CHECKLIST);
    let mut run = Run::start(&workflow);
    let trainee = holder(&workflow, "trainee", 1);
    let coordinator = holder(&workflow, "coordinator", 1);
    let note = || {
        let mut f = Fields::new();
        f.insert("text".into(), serde_json::json!("done"));
        f
    };
    run.act(trainee, "baseline.submit", note(), None, 2)
        .unwrap();
    run.act(coordinator, "baseline.accept", Fields::new(), None, 3)
        .unwrap();
    run.act(coordinator, "next", Fields::new(), None, 4)
        .unwrap();
    // The milestone of the stage left still counts.
    assert_eq!(missing(&workflow, &run.state), vec!["report".to_owned()]);
    let refused = run
        .act(coordinator, "certify", Fields::new(), None, 5)
        .unwrap_err();
    assert_eq!(
        refused,
        Rejection::ChecklistIncomplete {
            missing: vec!["report".into()]
        }
    );
    let reason = refused.reason();
    assert_eq!(reason.code, "checklist-incomplete");
    assert_eq!(
        reason.to_string(),
        "checklist-incomplete count=1 missing=[report]"
    );
    // An action without the effect is not held back.
    assert!(
        run.try_act(coordinator, "close", Fields::new(), None, 5)
            .is_ok()
    );
    // The page's list says it too, as data.
    let possible = crate::decide::possible(&run.project(), &run.state);
    let certify = possible.iter().find(|p| p.action == "certify").unwrap();
    assert_eq!(
        certify.blocked.as_ref().map(|b| b.code),
        Some("checklist-incomplete")
    );
    run.act(trainee, "report.submit", note(), None, 6).unwrap();
    run.act(coordinator, "report.accept", Fields::new(), None, 7)
        .unwrap();
    assert!(missing(&workflow, &run.state).is_empty());
    run.act(coordinator, "certify", Fields::new(), None, 8)
        .unwrap();
    assert!(run.log.iter().any(|e| matches!(
        &e.change,
        Change::EffectRequested { effect } if effect == "issue_certificate"
    )));
}

#[test]
fn the_bundled_checklists_say_what_is_missing_at_the_start() {
    for key in ["graduation-service", "graduation-excellence"] {
        let workflow = bundled(key);
        assert!(!workflow.checklist.is_empty(), "{key} declares a checklist");
        let run = Run::start(&workflow);
        assert_eq!(
            missing(&workflow, &run.state).len(),
            workflow.checklist.len(),
            "{key}: nothing is met at the start"
        );
    }
}
