//! `gradflow simulate` as staff run it: each bundled workflow with its
//! example cohort, on time and with trainees who never act. The reminders,
//! deadlines and escalations expected are worked out by hand from each
//! workflow's deadlines, `remind:` and `overdue:` rules and its cohort's
//! dates, weekend, holidays and mail hours (a reminder due outside the mail
//! hours goes out at their opening on that local day).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use jiff::Span;
use jiff::civil::Date;

use crate::support;

/// Runs `gradflow simulate` with `args` (a database it must not touch is named).
fn simulate(args: &[&str]) -> Output {
    if std::env::var_os("TEST_LOG").is_some() {
        eprintln!("$ gradflow simulate {}", args.join(" "));
    }
    Command::new(env!("CARGO_BIN_EXE_gradflow"))
        .arg("simulate")
        .args(args)
        .env(
            "GRADFLOW_DATABASE_URL",
            "sqlite:///nonexistent-folder/never-opened.db",
        )
        .output()
        .expect("the binary runs")
}

fn cohort_file(key: &str) -> PathBuf {
    support::bundled(key).with_file_name("cohort.example.yaml")
}

/// Simulates bundled workflow `key` with its example cohort; requires success.
fn run(key: &str, extra: &[&str]) -> String {
    let workflow = support::bundled(key);
    let cohort = cohort_file(key);
    let mut args = vec![
        "--workflow",
        workflow.to_str().unwrap(),
        "--cohort",
        cohort.to_str().unwrap(),
    ];
    args.extend(extra);
    let o = simulate(&args);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "simulate {args:?} failed:\n{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// The timeline lines of project `project` whose kind is one of `kinds`,
/// with runs of spaces made single.
fn lines(out: &str, project: u32, kinds: &[&str]) -> Vec<String> {
    let tag = format!("#{project}");
    out.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.len() > 6 && kinds.contains(&w[4]) && w[5] == tag)
        .map(|w| w.join(" "))
        .collect()
}

/// Every `weekday` from `first` to `last`, as `YYYY-MM-DD Day`.
fn weekly(first: &str, last: &str) -> Vec<String> {
    let (mut d, last): (Date, Date) = (first.parse().unwrap(), last.parse().unwrap());
    let mut days = Vec::new();
    while d <= last {
        days.push(d.strftime("%Y-%m-%d %a").to_string());
        d = d.checked_add(Span::new().days(7)).unwrap();
    }
    days
}

/// The days of `days` with Monday 23 March 2026, a holiday in the example
/// cohorts, replaced by the next working day (mail waits for it).
fn after_holidays(days: Vec<String>) -> Vec<String> {
    days.into_iter()
        .map(|d| {
            if d == "2026-03-23 Mon" {
                "2026-03-24 Tue".to_owned()
            } else {
                d
            }
        })
        .collect()
}

#[test]
fn graduation_service_on_time() {
    let out = run(
        "graduation-service",
        &["--trainees", "3", "--behaviour", "on-time"],
    );
    // proposal_due 2026-02-15: the deadline is 23:59:59 in Muscat (+04). The
    // reminder 7d before falls at 23:59:59 on the 8th, outside 09:00-17:00, so
    // it goes out at 09:00 that day. The reminder 1d before falls on
    // Saturday the 14th, a weekend day: it goes at the opening of the last
    // working day before, Thursday the 12th, an hour before the trainees
    // submit (three days before the deadline, at 10:00). Their
    // supervisor endorses the next working day (Sunday the 15th: Friday and
    // Saturday are the weekend), before the endorsement's own reminder.
    // implementation_end 2026-05-31: 14d before is the 17th of May, 09:00.
    for (n, trainee) in [
        (1, "Amal Al-Harthy"),
        (2, "Khalid Al-Said"),
        (3, "Huda Al-Balushi"),
    ] {
        assert_eq!(
            lines(&out, n, &["reminder", "escalation", "deadline", "late"]),
            [
                format!(
                    "2026-02-08 Sun 09:00 +04 reminder #{n} remind:0 deadline_reminder -> trainee ({trainee})"
                ),
                format!(
                    "2026-02-12 Thu 09:00 +04 reminder #{n} remind:1 deadline_reminder -> trainee ({trainee}), supervisor (Mona Al-Kindi)"
                ),
                format!(
                    "2026-05-17 Sun 09:00 +04 reminder #{n} remind:0 deadline_reminder -> trainee ({trainee})"
                ),
            ],
            "{out}"
        );
    }
    assert_eq!(
        lines(&out, 1, &["action", "moved"]),
        [
            "2026-02-12 Thu 10:00 +04 action #1 submit by trainee (Amal Al-Harthy)",
            "2026-02-12 Thu 10:00 +04 moved #1 proposal -> endorsement",
            "2026-02-15 Sun 10:00 +04 action #1 endorse by supervisor (Mona Al-Kindi)",
            "2026-02-15 Sun 10:00 +04 moved #1 endorsement -> implementation",
            // The last client visit is due on the 31st of May; three days
            // before (and the 26th to 28th) are Eid holidays, so the trainee
            // submits on Monday the 25th and the coordinator accepts on the
            // next working day, Sunday the 31st; the trainee finishes an hour later.
            "2026-05-31 Sun 11:00 +04 action #1 finish by trainee (Amal Al-Harthy)",
            "2026-05-31 Sun 11:00 +04 moved #1 implementation -> evaluation",
            "2026-06-02 Tue 10:00 +04 action #1 pass by chair (Maryam Al-Busaidi)",
            "2026-06-02 Tue 10:00 +04 moved #1 evaluation -> certified",
        ],
        "{out}"
    );
    assert!(
        out.contains("2026-05-25 Mon 10:00 +04  milestone  #1    visit_after submitted by trainee (Amal Al-Harthy)"),
        "{out}"
    );
    assert!(
        out.contains("#1    ready_for_evaluation -> committee (Fatma Al-Lawati, Ahmed Al-Hinai), chair (Maryam Al-Busaidi)"),
        "{out}"
    );
    assert!(out.contains("  projects: 3 (certified 3)\n"), "{out}");
    assert!(out.contains("  overdue at the end: 0\n"), "{out}");
    assert!(
        out.contains("  deadlines passed: 0, milestones late: 0, reminders: 9, escalations: 0, refused steps: 0\n"),
        "{out}"
    );
    assert!(out.contains("    deadline_reminder     12\n"), "{out}");
}

#[test]
fn graduation_service_never() {
    let out = run(
        "graduation-service",
        &["--trainees", "3", "--behaviour", "never"],
    );
    // Both proposal reminders go out (the 14th is a Saturday, a weekend day:
    // the reminder goes at the opening of Thursday the 12th), the deadline
    // passes at 23:59 on the 15th, and the coordinator is told every Monday
    // at 09:00 from the next day until the simulation's last day, 30 days
    // after presentation_day (2026-06-15); Monday 23 March is a holiday, so
    // that week's goes at the next opening, Tuesday the 24th, 09:00.
    let mut expected = vec![
        "2026-02-08 Sun 09:00 +04 reminder #2 remind:0 deadline_reminder -> trainee (Khalid Al-Said)".to_owned(),
        "2026-02-12 Thu 09:00 +04 reminder #2 remind:1 deadline_reminder -> trainee (Khalid Al-Said), supervisor (Mona Al-Kindi)".to_owned(),
        "2026-02-15 Sun 23:59 +04 deadline #2 the deadline of proposal passed".to_owned(),
    ];
    let mondays = after_holidays(weekly("2026-02-16", "2026-07-15"));
    assert_eq!(mondays.len(), 22);
    for day in &mondays {
        expected.push(format!(
            "{day} 09:00 +04 escalation #2 overdue:0 overdue_notice -> coordinator (Salim Al-Rawahi)"
        ));
    }
    assert_eq!(
        lines(&out, 2, &["reminder", "escalation", "deadline", "late"]),
        expected,
        "{out}"
    );
    assert!(lines(&out, 2, &["action", "milestone", "moved"]).is_empty());
    assert!(out.contains("  projects: 3 (proposal 3)\n"), "{out}");
    assert!(out.contains("  overdue at the end: 3\n"), "{out}");
    assert!(
        out.contains("  deadlines passed: 3, milestones late: 0, reminders: 6, escalations: 66, refused steps: 0\n"),
        "{out}"
    );
    // The 66 escalation messages are 22 emails, one each Monday, as the
    // worker gathers them; the 9 reminders (to trainees and supervisors)
    // are an email each.
    assert!(out.contains("  messages: 75 in 31 email(s)\n"), "{out}");
    assert!(
        out.contains("  ended 2026-07-13 Mon 09:00 +04: the last day to simulate was reached"),
        "{out}"
    );
}

#[test]
fn graduation_excellence_on_time() {
    let out = run(
        "graduation-excellence",
        &["--trainees", "3", "--behaviour", "on-time"],
    );
    // proposal_due 2026-03-05 (a Thursday). 14d before: 19 February, moved
    // to 09:00. 3 business days before, counting back over a Friday-Saturday
    // weekend: Wednesday 4, Tuesday 3, Monday 2 March, 09:00, which is an
    // hour before the trainee submits (three days before the deadline, at
    // 10:00), so it still goes out. implementation_end 2026-08-27: 21d
    // before is 6 August, to trainee and supervisor.
    assert_eq!(
        lines(&out, 3, &["reminder", "escalation", "deadline", "late"]),
        [
            "2026-02-19 Thu 09:00 +04 reminder #3 remind:0 deadline_reminder -> trainee (Huda Al-Balushi)",
            "2026-03-02 Mon 09:00 +04 reminder #3 remind:1 deadline_reminder -> trainee (Huda Al-Balushi), supervisor (Mona Al-Kindi)",
            "2026-08-06 Thu 09:00 +04 reminder #3 remind:0 deadline_reminder -> trainee (Huda Al-Balushi), supervisor (Mona Al-Kindi)",
        ],
        "{out}"
    );
    // The approval needs both the supervisor and the coordinator.
    assert_eq!(
        lines(&out, 1, &["action"])[..3],
        [
            "2026-03-02 Mon 10:00 +04 action #1 submit by trainee (Amal Al-Harthy)",
            "2026-03-03 Tue 10:00 +04 action #1 approve by supervisor (Mona Al-Kindi)",
            "2026-03-03 Tue 10:00 +04 action #1 approve by coordinator (Salim Al-Rawahi)",
        ],
        "{out}"
    );
    assert_eq!(
        lines(&out, 1, &["score"]).len(),
        3,
        "three evaluators:\n{out}"
    );
    assert!(
        out.contains("2026-08-31 Mon 10:00 +04  moved      #1    accreditation -> certified"),
        "{out}"
    );
    assert!(out.contains("  projects: 3 (certified 3)\n"), "{out}");
    assert!(
        out.contains("  deadlines passed: 0, milestones late: 0, reminders: 9, escalations: 0, refused steps: 0\n"),
        "{out}"
    );
}

#[test]
fn graduation_excellence_never() {
    let out = run(
        "graduation-excellence",
        &["--trainees", "3", "--behaviour", "never"],
    );
    let mut expected = vec![
        "2026-02-19 Thu 09:00 +04 reminder #1 remind:0 deadline_reminder -> trainee (Amal Al-Harthy)".to_owned(),
        "2026-03-02 Mon 09:00 +04 reminder #1 remind:1 deadline_reminder -> trainee (Amal Al-Harthy), supervisor (Mona Al-Kindi)".to_owned(),
        "2026-03-05 Thu 23:59 +04 deadline #1 the deadline of proposal passed".to_owned(),
    ];
    // "0 9 * * 1" with the overdue_digest template, until 30 days after
    // presentation_day (2026-09-14).
    let mondays = after_holidays(weekly("2026-03-09", "2026-10-14"));
    assert_eq!(mondays.len(), 32);
    for day in &mondays {
        expected.push(format!(
            "{day} 09:00 +04 escalation #1 overdue:0 overdue_digest -> coordinator (Salim Al-Rawahi)"
        ));
    }
    assert_eq!(
        lines(&out, 1, &["reminder", "escalation", "deadline", "late"]),
        expected,
        "{out}"
    );
    assert!(out.contains("  projects: 3 (proposal 3)\n"), "{out}");
    assert!(out.contains("    overdue_digest     96\n"), "{out}");
}

#[test]
fn service_improvement_on_time() {
    let out = run(
        "service-improvement",
        &["--trainees", "3", "--behaviour", "on-time"],
    );
    // Projects start on Monday 2 March 2026 at 08:00 in London (the opening
    // of the cohort's mail hours, 08:00-18:00). The charter is due 3 weeks
    // later, 08:00 on the 23rd; 3d before is 08:00 on the 20th, inside the
    // mail hours, so it goes out at that very time.
    assert_eq!(
        lines(&out, 1, &["reminder", "escalation", "deadline", "late"]),
        [
            "2026-03-20 Fri 08:00 GMT reminder #1 remind:0 deadline_reminder -> service_owner (Amal Al-Harthy)"
        ],
        "{out}"
    );
    // After the change to summer time (29 March) local times read BST. The
    // first measurement is due 10 business days after the pilot starts (the
    // 23rd), skipping Good Friday and Easter Monday: 8 April; three days
    // before is Sunday the 5th, so the owner submits on Thursday the 2nd,
    // and the quality office accepts on the next working day, the 7th.
    assert_eq!(
        lines(&out, 1, &["milestone"])[..2],
        [
            "2026-04-02 Thu 10:00 BST milestone #1 measure_before submitted by service_owner (Amal Al-Harthy)",
            "2026-04-07 Tue 10:00 BST milestone #1 measure_before accepted by quality_office (Mona Al-Kindi)",
        ],
        "{out}"
    );
    // Adoption needs two members of the steering group.
    assert_eq!(
        lines(&out, 1, &["action"])[4..],
        [
            "2026-06-17 Wed 10:00 BST action #1 adopt by steering (Fatma Al-Lawati)",
            "2026-06-17 Wed 10:00 BST action #1 adopt by steering (Ahmed Al-Hinai)",
        ],
        "{out}"
    );
    assert!(out.contains("  projects: 3 (adopted 3)\n"), "{out}");
}

#[test]
fn service_improvement_never() {
    let out = run(
        "service-improvement",
        &["--trainees", "3", "--behaviour", "never"],
    );
    assert_eq!(
        lines(&out, 3, &["reminder", "escalation", "deadline", "late"]),
        [
            "2026-03-20 Fri 08:00 GMT reminder #3 remind:0 deadline_reminder -> service_owner (Huda Al-Balushi)",
            "2026-03-23 Mon 08:00 GMT deadline #3 the deadline of charter passed",
        ],
        "{out}"
    );
    // The charter has no escalation: after its deadline nothing is scheduled.
    assert!(
        out.contains("  ended 2026-03-23 Mon 08:00 GMT: nothing more was scheduled"),
        "{out}"
    );
}

#[test]
fn mixed_trainees_take_turns_and_until_stops_early() {
    let out = run(
        "graduation-service",
        &[
            "--trainees",
            "4",
            "--behaviour",
            "mixed",
            "--until",
            "2026-02-20",
        ],
    );
    for (n, pace) in [
        (1, "on time"),
        (2, "late"),
        (3, "never acting"),
        (4, "on time"),
    ] {
        assert!(
            lines(&out, n, &["start"])[0].ends_with(&format!("({pace})")),
            "{out}"
        );
    }
    // The late trainee submits three days after the deadline; the one who
    // never acts is escalated on Monday the 16th, and the 23rd is past --until.
    assert_eq!(
        lines(&out, 2, &["action"])[0],
        "2026-02-18 Wed 10:00 +04 action #2 submit by trainee (Khalid Al-Said)"
    );
    assert_eq!(
        lines(&out, 3, &["escalation"]),
        [
            "2026-02-16 Mon 09:00 +04 escalation #3 overdue:0 overdue_notice -> coordinator (Mona Al-Kindi)"
        ],
        "{out}"
    );
    assert!(
        out.contains("the last day to simulate was reached"),
        "{out}"
    );
}

#[test]
fn json_has_one_object_per_entry() {
    let out = run("graduation-service", &["--trainees", "1", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(doc["simulation"]["workflow"]["key"], "graduation-service");
    assert_eq!(doc["simulation"]["cohort"]["time_zone"], "Asia/Muscat");
    assert_eq!(doc["simulation"]["trainees"], 1);
    assert_eq!(doc["simulation"]["behaviour"], "on-time");
    let timeline = doc["timeline"].as_array().unwrap();
    // One entry per line between the brackets.
    assert_eq!(
        out.lines().filter(|l| l.starts_with("{\"at\":")).count(),
        timeline.len()
    );
    let reminder = timeline.iter().find(|e| e["kind"] == "reminder").unwrap();
    assert_eq!(
        *reminder,
        serde_json::json!({
            "at": "2026-02-08T05:00:00Z",
            "local": "2026-02-08T09:00:00+04:00",
            "zone": "Asia/Muscat",
            "kind": "reminder",
            "project": 1,
            "timer": "remind:0",
            "template": "deadline_reminder",
            "recipients": [{ "role": "trainee", "name": "Amal Al-Harthy", "email": "trainee.1@simulated.example" }],
        })
    );
    let submitted = timeline.iter().find(|e| e["kind"] == "action").unwrap();
    assert_eq!(submitted["action"], "submit");
    assert_eq!(submitted["by"]["role"], "trainee");
    let message = timeline.iter().find(|e| e["kind"] == "message").unwrap();
    assert_eq!(message["template"], "proposal_submitted");
    assert_eq!(message["recipients"][0]["role"], "supervisor");
    // Every entry carries its instant in UTC and local time.
    for e in timeline {
        for key in ["at", "local", "zone", "kind", "project"] {
            assert!(!e[key].is_null(), "{key} missing in {e}");
        }
    }
    let summary = &doc["summary"];
    assert_eq!(summary["final_stages"]["certified"], 1);
    // The reminder 7 days before, the one a day before (moved from the
    // Saturday to Thursday, to the trainee and the supervisor) and the one
    // before the end of the implementation.
    assert_eq!(summary["messages"]["deadline_reminder"], 4);
    assert_eq!(summary["reminders"], 3);
    assert_eq!(summary["overdue"], 0);
}

/// Runs simulate on the service workflow with a cohort file holding `text`;
/// requires failure with status 1 and nothing on standard output; returns
/// the file's path and standard error.
fn refused(text: &str, extra: &[&str]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cohort.yaml");
    std::fs::write(&file, text).unwrap();
    let workflow = support::bundled("graduation-service");
    let mut args = vec![
        "--workflow",
        workflow.to_str().unwrap(),
        "--cohort",
        file.to_str().unwrap(),
    ];
    args.extend(extra);
    let o = simulate(&args);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(o.stdout.is_empty(), "{o:?}");
    (
        file.display().to_string(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const COHORT: &str = "name: Service 2026 A\ntime_zone: Asia/Muscat\nweekend: fri,sat\ndates:\n  proposal_due: 2026-02-15\n  implementation_end: 2026-05-31\n  presentation_day: 2026-06-15\ncapacity: 12\nstart: 2026-02-01\n";

#[test]
fn a_bad_cohort_file_is_named_with_its_problems() {
    // Every problem of meaning at once, at its line and column.
    let (file, err) = refused(
        &COHORT
            .replace("Asia/Muscat", "Asia/Muskat")
            .replace("2026-05-31", "2026-05-32"),
        &[],
    );
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [
            format!(
                "{file}:2:12: error: 'Asia/Muskat' is not a known time zone; use an IANA name such as Europe/London or Asia/Muscat"
            ),
            format!("{file}:6:23: error: the date implementation_end: '2026-05-32' is not a date"),
            "  hint: write it as YYYY-MM-DD, e.g. 2026-02-15".to_owned(),
        ]
    );
    // A misspelt key is refused, not ignored.
    let (file, err) = refused(&format!("{COHORT}holiday: 2026-03-20\n"), &[]);
    assert!(
        err.starts_with(&format!(
            "{file}:10:1: error: unknown field `holiday`, expected one of"
        )),
        "{err}"
    );
    // Dates must be the workflow's, no more, no fewer.
    let (file, err) = refused(&COHORT.replace("  presentation_day: 2026-06-15\n", ""), &[]);
    assert_eq!(
        err.trim_end(),
        format!(
            "{file}: error: workflow graduation-service needs these cohort dates: presentation_day"
        )
    );
    // More trainees than the cohort takes.
    let (file, err) = refused(COHORT, &["--trainees", "13"]);
    assert!(
        err.starts_with(&format!("{file}: error: the cohort takes 12 projects (capacity), so --trainees must be 1 to 12, not 13")),
        "{err}"
    );
    // A file that is not there.
    let missing = Path::new("/nonexistent-folder/cohort.yaml");
    let workflow = support::bundled("graduation-service");
    let o = simulate(&[
        "--workflow",
        workflow.to_str().unwrap(),
        "--cohort",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("error: /nonexistent-folder/cohort.yaml: cannot read the file"),
        "{err}"
    );
    // A broken workflow is reported as `workflow validate` reports it.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("workflow.yaml");
    std::fs::write(
        &broken,
        "key: w\nversion: 1\ntitle: W\nroles: [trainee]\nstart: a\nstages:\n  a: { actions: { go: { by: trainee, to: b } } }\n",
    )
    .unwrap();
    let cohort = cohort_file("graduation-service");
    let o = simulate(&[
        "--workflow",
        broken.to_str().unwrap(),
        "--cohort",
        cohort.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "{}:7:42: error: unknown stage 'b'",
            broken.display()
        )),
        "{err}"
    );
}

#[test]
fn every_bundled_workflow_has_an_example_cohort_that_runs_to_the_end() {
    for key in support::BUNDLED {
        let out = run(key, &["--trainees", "2"]);
        assert!(
            out.contains("every project finished or stopped"),
            "{key}:\n{out}"
        );
        assert!(out.contains(", refused steps: 0\n"), "{key}:\n{out}");
    }
}
