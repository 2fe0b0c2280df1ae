//! When a stage's reminders and escalations are set, and what firing them
//! records: the mail-hours rules of docs/definitions.md as the core applies
//! them on entering a stage.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::parse;
use crate::calendar::Calendar;
use crate::decide::{Member, Project, TimerKind};

/// Local time in Bahrain (UTC+3) as an instant.
fn bahrain(text: &str) -> Timestamp {
    let civil: jiff::civil::DateTime = text.parse().unwrap();
    civil
        .to_zoned_datetime(TimeZone::get("Asia/Bahrain").unwrap())
        .unwrap()
        .timestamp()
}

/// The issue's case: a cohort in Bahrain (weekend fri,sat, mail 09:00-17:00)
/// whose stage is due on Sunday 15 March 2026 at 05:00, entered on Saturday
/// at 08:00. The reminder two hours before (Sunday 03:00) moved into the
/// mail hours would fall on Thursday, before the entry; the next opening,
/// Sunday 09:00, is after the deadline; so it is set for the entry itself
/// (it used to be dropped). The escalation every day at 23:00 is set for
/// the opening after its first time, Monday 09:00, never before 23:00.
#[test]
fn a_reminder_after_the_entry_is_never_lost_and_an_escalation_never_early() {
    let workflow = parse(
        r#"key: bahrain
version: 1
title: Bahrain
roles: [trainee, coordinator]
cohort_dates: [due]
start: work
stages:
  work:
    deadline: { at: cohort.due, time: "05:00" }
    remind:
      - { before: 2h, to: [trainee] }
      - { before: 30d, to: [trainee] }
    overdue:
      - { every: "0 23 * * *", to: [coordinator] }
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
"#,
    );
    let dates = BTreeMap::from([("due".to_owned(), jiff::civil::date(2026, 3, 15))]);
    let calendar = Calendar::new(
        "Asia/Bahrain",
        dates,
        BTreeSet::new(),
        "fri,sat".parse().unwrap(),
    )
    .unwrap();
    let members = vec![Member {
        person: 1,
        role: "trainee".into(),
    }];
    let project = Project {
        id: 1,
        workflow: &workflow,
        calendar: &calendar,
        members: &members,
        conflicts: &crate::decide::committee::NO_CONFLICTS,
    };
    let entry = bahrain("2026-03-14T08:00");
    let decision = crate::decide::start(&project, &members, entry).unwrap();
    let set: Vec<(&str, TimerKind, Timestamp)> = decision
        .timers
        .set
        .iter()
        .map(|t| (t.key.as_str(), t.kind, t.at))
        .collect();
    assert_eq!(
        set,
        [
            ("deadline", TimerKind::Deadline, bahrain("2026-03-15T05:00")),
            ("remind:0", TimerKind::Reminder, entry),
            ("overdue:0", TimerKind::Overdue, bahrain("2026-03-16T09:00")),
        ],
        "the reminder 30 days before is before the entry: not sent"
    );
}
