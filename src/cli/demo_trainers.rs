//! The demo's train-the-trainer step (issue 16, part 4): a later program
//! whose cohorts' coordinators need a certificate of the demo's Service
//! program, and Amal — certified by her pass — coordinating its first
//! cohort. Called once from the demo (src/cli/demo.rs), after the
//! certificates.

use gradflow_engine::certificate::Texts;
use gradflow_engine::service::{CertifyProgram, Engine, NewCohort};
use jiff::Timestamp;

/// Sets up the later program and Amal's cohort at `now` (after her
/// certificate is issued); `tell` prints a line of the demo's story.
pub async fn add(engine: &Engine, now: Timestamp, tell: impl Fn(&str)) -> anyhow::Result<()> {
    const PROGRAM: &str = "service-led-2027";
    let words = |en: &str, ar: &str| Texts {
        en: en.into(),
        ar: ar.into(),
    };
    engine
        .create_program(
            PROGRAM,
            "Customer service excellence — cohorts run by Service graduates",
            "graduation-service",
            now,
        )
        .await?;
    engine
        .certify_program(
            PROGRAM,
            &CertifyProgram {
                level: words("Service", "الخدمة"),
                awarding_body: words("Institute of Public Administration", "معهد الإدارة العامة"),
                accrediting_body: words(
                    "ILM (Institute of Leadership and Management)",
                    "معهد القيادة والإدارة (ILM)",
                ),
                pattern: "IPA-SVL27-{seq:05}".into(),
                validity: "3y".into(),
                coordinators_need: Some("service-2026".into()),
                committee_needs: Some("service-2026".into()),
                ..Default::default()
            },
            now,
        )
        .await?;
    let cohort = NewCohort {
        program: PROGRAM.into(),
        name: "Service-led 2027 A".into(),
        time_zone: "Asia/Muscat".into(),
        dates: [
            ("proposal_due", "2027-02-15"),
            ("implementation_end", "2027-05-31"),
            ("presentation_day", "2027-06-15"),
        ]
        .iter()
        .map(|(k, v)| Ok(((*k).to_owned(), v.parse()?)))
        .collect::<Result<_, jiff::Error>>()?,
        holidays: Default::default(),
        weekend: "fri,sat".parse()?,
        mail_hours: Default::default(),
        capacity: 12,
        coordinators: vec!["amal@health.example".into()],
    };
    let cohort = engine.create_cohort(cohort, now).await?;
    tell(&format!(
        "   train-the-trainer: program {PROGRAM} asks its coordinators and committee for a Service certificate; Amal, certified, coordinates '{}'",
        cohort.name
    ));
    Ok(())
}
