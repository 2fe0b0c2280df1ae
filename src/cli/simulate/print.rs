//! Printing a simulation: a header saying what was simulated, the
//! timeline day by day (or as JSON, one object per entry), the summary.

use std::path::Path;

use jiff::civil::Date;

use super::timeline::{self, Out};
use super::{CohortFile, Report, Workflow, pace};
use crate::cli::args::Behaviour;

/// What was simulated: what the output says first.
pub struct Header<'a> {
    /// The workflow.
    pub workflow: &'a Workflow,
    /// Its file, as given.
    pub workflow_file: &'a Path,
    /// The cohort file.
    pub cohort: &'a CohortFile,
    /// How the trainees behaved.
    pub behaviour: Behaviour,
    /// How many there were.
    pub trainees: u32,
    /// The last day simulated.
    pub until: Date,
}

impl Header<'_> {
    fn behaviour(&self) -> &'static str {
        match self.behaviour {
            Behaviour::OnTime => "on-time",
            Behaviour::Late => "late",
            Behaviour::Never => "never",
            Behaviour::Mixed => "mixed",
        }
    }
}

/// The simulation for people.
pub fn text(header: &Header<'_>, report: &Report) {
    let mut out = Out::stdout();
    let zone = report.calendar.zone();
    let c = header.cohort;
    let w = header.workflow;
    out.line(&format!(
        "Simulation of {} v{} ({}) from {}",
        w.key,
        w.version,
        w.title.default_text(),
        header.workflow_file.display()
    ));
    out.line(&format!(
        "Cohort '{}' from {}: {}, weekend {}, mail hours {}",
        c.name,
        c.path.display(),
        c.time_zone,
        c.weekend,
        c.mail_hours
    ));
    let dates: Vec<String> = c.dates.iter().map(|(k, v)| format!("{k} {v}")).collect();
    if !dates.is_empty() {
        out.line(&format!("Dates: {}", dates.join(", ")));
    }
    if !c.holidays.is_empty() {
        let days: Vec<String> = c.holidays.iter().map(Date::to_string).collect();
        out.line(&format!("Holidays: {}", days.join(", ")));
    }
    let paces = match header.behaviour {
        Behaviour::Mixed => "in turn on time, late, never acting",
        other => pace(other, 0).words(),
    };
    out.line(&format!(
        "{} trainee(s) ({paces}); projects start {}; simulated until the end of {}",
        header.trainees,
        timeline::local(report.start, zone),
        header.until
    ));
    out.line(&format!("Times are local to {}.", c.time_zone));
    let mut day = None;
    for e in &report.timeline {
        let today = e.at.to_zoned_datetime(zone.clone()).date();
        if day != Some(today) {
            out.line("");
            day = Some(today);
        }
        out.line(&timeline::text(e, &report.cast, zone));
    }
    let s = &report.summary;
    out.line("");
    out.line("Summary");
    let stages: Vec<String> = s
        .final_stages
        .iter()
        .map(|(stage, n)| format!("{stage} {n}"))
        .collect();
    out.line(&format!(
        "  projects: {} ({})",
        s.projects,
        stages.join(", ")
    ));
    out.line(&format!("  overdue at the end: {}", s.overdue));
    out.line(&format!(
        "  deadlines passed: {}, milestones late: {}, reminders: {}, escalations: {}, refused steps: {}",
        s.deadlines_passed, s.milestones_late, s.reminders, s.escalations, s.refused
    ));
    out.line(&format!(
        "  messages: {} in {} email(s)",
        s.messages_total, s.emails
    ));
    let width = s.messages.keys().map(String::len).max().unwrap_or(0);
    for (template, n) in &s.messages {
        out.line(&format!("    {template:<width$}  {n}"));
    }
    let at = s
        .ended_at
        .map(|t| timeline::local(t, zone))
        .unwrap_or_default();
    out.line(&format!("  ended {at}: {}", s.ended));
    out.finish();
}

/// The simulation as one JSON document: `simulation`, `timeline` (one
/// object per entry, one per line) and `summary`.
pub fn json(header: &Header<'_>, report: &Report) {
    let mut out = Out::stdout();
    let zone = report.calendar.zone();
    let c = header.cohort;
    let simulation = serde_json::json!({
        "workflow": { "key": header.workflow.key, "version": header.workflow.version, "title": header.workflow.title.default_text(), "file": header.workflow_file },
        "cohort": {
            "name": c.name, "file": c.path, "time_zone": c.time_zone, "weekend": c.weekend.to_string(),
            "mail_hours": c.mail_hours.to_string(), "dates": c.dates, "holidays": c.holidays,
            "capacity": c.capacity, "start": c.start,
        },
        "trainees": header.trainees,
        "behaviour": header.behaviour(),
        "start": report.start,
        "until": header.until,
    });
    out.line(&format!("{{\"simulation\": {simulation},"));
    out.line("\"timeline\": [");
    let last = report.timeline.len().saturating_sub(1);
    for (i, e) in report.timeline.iter().enumerate() {
        let comma = if i < last { "," } else { "" };
        out.line(&format!(
            "{}{comma}",
            timeline::json(e, &report.cast, zone, &c.time_zone)
        ));
    }
    let summary = serde_json::to_string(&report.summary).expect("the summary serialises");
    out.line("],");
    out.line(&format!("\"summary\": {summary}}}"));
    out.finish();
}
