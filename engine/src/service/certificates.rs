//! Certificates: what a program certifies, issuing one in the transaction
//! of the action that requests it, finding, revoking and checking them.
//!
//! A program certifies once an operator says what (`program certify`);
//! a program that does not issues nothing, and its `issue_certificate`
//! effect stays a recorded request, as before.

use std::net::IpAddr;

use jiff::Timestamp;
use serde::Serialize;

use super::{Engine, Error, Viewer, input};
use crate::certificate::{self, CODE_SYMBOLS, Code, Details, Pattern, StaffNeeds, Texts, Validity};
use crate::decide::{Change, Decision};
use crate::definition::Workflow;
use crate::reason::{Arg, Reason};
use crate::store::{Certificate, Certification, NewCertificate, ProjectRecord};

/// The role whose holder a project's certificate is issued to.
pub const TRAINEE_ROLE: &str = "trainee";

/// What an operator says a program certifies.
#[derive(Debug, Clone, Default)]
pub struct CertifyProgram {
    /// The level (e.g. Service), in English and Arabic.
    pub level: Texts,
    /// The awarding body, in English and Arabic.
    pub awarding_body: Texts,
    /// The accrediting body, in English and Arabic.
    pub accrediting_body: Texts,
    /// The number pattern, e.g. `PSLI-{year}-{seq:05}`.
    pub pattern: String,
    /// How long a certificate is valid: `none`, `3y`, `18mo`, `365d`.
    pub validity: String,
    /// The key of a program whose valid certificate a trainee needs first.
    pub requires: Option<String>,
    /// The key of a program whose valid certificate this program's cohorts'
    /// coordinators need (train-the-trainer).
    pub coordinators_need: Option<String>,
    /// The key of a program whose valid certificate this program's
    /// committee members need (its pools, evaluators and chairs).
    pub committee_needs: Option<String>,
}

/// What a public check of a code says: no more than the certificate's
/// standing and what it certifies; nothing at all for an unknown code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verified {
    /// `valid`, `expired`, `revoked` or `unknown`.
    pub status: &'static str,
    /// The certificate, for a known code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<Public>,
}

/// What anyone holding a code may read of its certificate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Public {
    /// Its number.
    pub number: String,
    /// The trainee's name.
    pub holder: String,
    /// The program's title.
    pub program: String,
    /// Level and bodies, in both languages.
    pub level: Texts,
    /// Who awards it.
    pub awarding_body: Texts,
    /// Who accredits it.
    pub accrediting_body: Texts,
    /// The date of issue.
    pub issued_on: String,
    /// The date it expires, if it does.
    pub expires_on: Option<String>,
    /// When it was revoked, if it was (not why: that is for the staff).
    pub revoked_on: Option<String>,
}

/// A code for a check that names no certificate: looked up like any other,
/// so a malformed code costs the same as an unknown one.
const NO_CODE: &str = "--------------------------";

impl Engine {
    /// Says what program `key` certifies (replacing what it said before).
    /// Every setting is checked first; a refused one changes nothing.
    pub async fn certify_program(
        &self,
        key: &str,
        settings: &CertifyProgram,
        now: Timestamp,
    ) -> Result<Certification, Error> {
        let program = self.store.program(key).await?;
        let words = |what: &'static str, t: &Texts| -> Result<Texts, Error> {
            Ok(Texts {
                en: input::line(what, &t.en)?,
                ar: input::line(what, &t.ar)?,
            })
        };
        let level = words("certificate-level", &settings.level)?;
        let awarding_body = words("awarding-body", &settings.awarding_body)?;
        let accrediting_body = words("accrediting-body", &settings.accrediting_body)?;
        let pattern = Pattern::parse(settings.pattern.trim()).map_err(|p| {
            let mut args = vec![("pattern", Arg::Text(echoed(&settings.pattern)))];
            if let certificate::PatternProblem::Unknown(name) = &p {
                args.push(("placeholder", Arg::Text(name.clone())));
            }
            Error::Invalid(Reason::new(p.code(), args))
        })?;
        let validity = Validity::parse(&settings.validity).ok_or_else(|| {
            Error::Invalid(Reason::new(
                "validity-unknown",
                vec![("validity", Arg::Text(echoed(&settings.validity)))],
            ))
        })?;
        let prerequisite_id = match self.named_program(settings.requires.as_deref()).await? {
            None => None,
            Some(required) => {
                // No program may require itself, directly or through others.
                let mut seen = vec![program.id];
                let mut next = Some(required.id);
                while let Some(id) = next {
                    if seen.contains(&id) {
                        return Err(Error::Invalid(Reason::new(
                            "prerequisite-cycle",
                            vec![
                                ("program", Arg::Text(program.key.clone())),
                                ("required", Arg::Text(required.key.clone())),
                            ],
                        )));
                    }
                    seen.push(id);
                    next = self
                        .store
                        .certification(id)
                        .await?
                        .and_then(|c| c.prerequisite_id);
                }
                Some(required.id)
            }
        };
        // What its staff need is no cycle: a program's own graduates may
        // run its later cohorts (those coordinating now stay).
        let staff = StaffNeeds {
            coordinators: self
                .named_program(settings.coordinators_need.as_deref())
                .await?
                .map(|p| p.id),
            committee: self
                .named_program(settings.committee_needs.as_deref())
                .await?
                .map(|p| p.id),
        };
        let certification = Certification {
            program_id: program.id,
            level,
            awarding_body,
            accrediting_body,
            pattern: pattern.as_str().to_owned(),
            validity: validity.to_string(),
            prerequisite_id,
            staff,
        };
        self.store.set_certification(&certification, now).await?;
        Ok(certification)
    }

    /// The program a setting names by key (`None` or blank: none).
    async fn named_program(
        &self,
        key: Option<&str>,
    ) -> Result<Option<crate::store::Program>, Error> {
        match key.map(str::trim) {
            None | Some("") => Ok(None),
            Some(key) => Ok(Some(self.store.program(key).await?)),
        }
    }

    /// What program `key` certifies, if it certifies anything.
    pub async fn certification(&self, key: &str) -> Result<Option<Certification>, Error> {
        let program = self.store.program(key).await?;
        Ok(self.store.certification(program.id).await?)
    }

    /// Refuses a start whose trainee (a direct member in [`TRAINEE_ROLE`])
    /// lacks the valid certificate `program`'s prerequisite asks for.
    pub(super) async fn check_prerequisite(
        &self,
        program: &crate::store::Program,
        trainees: &[i64],
        now: Timestamp,
    ) -> Result<(), Error> {
        let Some(required) = self
            .store
            .certification(program.id)
            .await?
            .and_then(|c| c.prerequisite_id)
        else {
            return Ok(());
        };
        for trainee in trainees {
            if !self
                .store
                .holds_certificate(*trainee, required, now)
                .await?
            {
                let person = self.store.person_by_id(*trainee).await?;
                let required = self.store.program_by_id(required).await?;
                return Err(Error::Forbidden(Reason::new(
                    "prerequisite-missing",
                    vec![
                        ("person", Arg::Text(person.name)),
                        ("program", Arg::Text(program.title.clone())),
                        ("required", Arg::Text(required.title)),
                    ],
                )));
            }
        }
        Ok(())
    }

    /// The certificate `decision` issues, when its action requested
    /// `issue_certificate` and the project's program certifies: drawn here
    /// (code, dates, what it says), numbered and written in the decision's
    /// own transaction.
    pub(super) async fn certificate_for(
        &self,
        record: &ProjectRecord,
        workflow: &Workflow,
        calendar: &crate::calendar::Calendar,
        decision: &Decision,
        now: Timestamp,
    ) -> Result<Option<NewCertificate>, Error> {
        let requested = decision.events.iter().any(|e| {
            matches!(&e.change, Change::EffectRequested { effect } if effect == "issue_certificate")
        });
        if !requested {
            return Ok(None);
        }
        let cohort = self.store.cohort_by_id(record.cohort_id).await?;
        let program = self.store.program_by_id(cohort.program_id).await?;
        let Some(certification) = self.store.certification(program.id).await? else {
            return Ok(None);
        };
        let Some(trainee) = record
            .members
            .iter()
            .find(|m| m.role == TRAINEE_ROLE)
            .map(|m| m.person)
        else {
            return Ok(None);
        };
        let pattern = Pattern::parse(&certification.pattern)
            .map_err(|_| Error::internal("a stored certificate pattern does not read"))?;
        let validity = Validity::parse(&certification.validity)
            .ok_or_else(|| Error::internal("a stored certificate validity does not read"))?;
        let issued = now.to_zoned_datetime(calendar.zone().clone()).date();
        let expires = validity.expiry(issued);
        let expires_at = expires
            .map(|d| {
                d.to_zoned_datetime(calendar.zone().clone())
                    .map(|z| z.timestamp())
            })
            .transpose()
            .map_err(Error::internal)?;
        // The improvement from the log, as pages show it (the milestones'
        // answers leave the state with their stage; the log keeps them).
        let events = self.store.events(record.id).await?;
        let mut changes: Vec<&Change> = events.iter().map(|e| &e.change).collect();
        changes.extend(decision.events.iter().map(|e| &e.change));
        let answers = crate::decide::milestone_answers(changes);
        let details = Details {
            program: program.title.clone(),
            level: certification.level.clone(),
            awarding_body: certification.awarding_body.clone(),
            accrediting_body: certification.accrediting_body.clone(),
            project_title: record.title.clone(),
            improvement: certificate::improvement(workflow, &answers, &decision.state.forms),
        };
        Ok(Some(NewCertificate {
            program_id: program.id,
            pattern,
            year: issued.year(),
            code: new_code().as_str().to_owned(),
            project_id: record.id,
            person_id: trainee,
            cohort_id: record.cohort_id,
            details: serde_json::to_string(&details).map_err(Error::internal)?,
            issued_on: issued.to_string(),
            expires_at,
            expires_on: expires.map(|d| d.to_string()),
        }))
    }

    /// Certificates, newest first: of the person with `email` and of
    /// program `program` when given.
    pub async fn certificates(
        &self,
        email: Option<&str>,
        program: Option<&str>,
    ) -> Result<Vec<Certificate>, Error> {
        let person = match email {
            Some(email) => Some(self.store.person(&input::email(email)?).await?.id),
            None => None,
        };
        let program = match program {
            Some(key) => Some(self.store.program(key).await?.id),
            None => None,
        };
        Ok(self.store.certificates(person, program).await?)
    }

    /// The certificate `what` names: its verification code, or its number
    /// (refused when two programs gave the same number: use the code).
    pub async fn certificate(&self, what: &str) -> Result<Certificate, Error> {
        if let Ok(code) = Code::parse(what)
            && let Some(found) = self.store.certificate_by_code(code.as_str()).await?
        {
            return Ok(found);
        }
        let number = what.trim();
        if number.len() > certificate::MAX_CODE_INPUT
            || number.chars().any(|c| !c.is_ascii_graphic())
        {
            return Err(code_refused(what));
        }
        let mut found = self.store.certificates_by_number(number).await?;
        match found.len() {
            1 => Ok(found.pop().expect("one")),
            0 => Err(Error::NotFound(Reason::new(
                "certificate-unknown",
                vec![("certificate", Arg::Text(number.to_owned()))],
            ))),
            _ => Err(Error::Invalid(Reason::new(
                "certificate-number-ambiguous",
                vec![("number", Arg::Text(number.to_owned()))],
            ))),
        }
    }

    /// Revokes the certificate `what` names (a code or a number), with a
    /// reason; `by` is who (an email; `None`: the operator). Revoking a
    /// revoked certificate is refused and changes nothing.
    pub async fn revoke_certificate(
        &self,
        what: &str,
        by: Option<&str>,
        reason: &str,
        now: Timestamp,
    ) -> Result<Certificate, Error> {
        let reason = input::line("revocation-reason", reason)?;
        let certificate = self.certificate(what).await?;
        let by = match by {
            Some(email) => self.store.person(&input::email(email)?).await?.email,
            None => "operator".to_owned(),
        };
        self.store
            .revoke_certificate(certificate.id, &certificate.number, &by, &reason, now)
            .await?;
        self.certificate(&certificate.code).await
    }

    /// A public check of a code as typed: its standing and what it
    /// certifies, or `unknown` for a code that names nothing (malformed
    /// alike, after the same lookup). Each check that finds nothing counts
    /// an attempt against `address`; past the limit the check is refused
    /// (kind TooMany) whatever the code, a good one too (otherwise a
    /// guesser past the limit would still learn which guesses hit).
    pub async fn verify_certificate(
        &self,
        typed: &str,
        address: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<Verified, Error> {
        // Past the limit, every check from the address is refused, a good
        // code too: otherwise a guesser past the limit would still learn
        // which guesses hit. A check that finds its certificate counts
        // nothing (no write), one that finds nothing counts an attempt.
        self.within_limit(super::Attempt::Verify, address, now)
            .await?;
        let code = Code::parse(typed).ok();
        let found = self
            .store
            .certificate_by_code(code.as_ref().map_or(NO_CODE, Code::as_str))
            .await?;
        let Some(found) = found else {
            self.count_attempt(super::Attempt::Verify, None, address, now)
                .await?;
            return Ok(Verified {
                status: "unknown",
                certificate: None,
            });
        };
        let status = found.status(now);
        let revoked_on = found.revoked.as_ref().map(|r| {
            r.at.to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .date()
                .to_string()
        });
        Ok(Verified {
            status: status.as_str(),
            certificate: Some(Public {
                number: found.number,
                holder: found.person_name,
                program: found.details.program,
                level: found.details.level,
                awarding_body: found.details.awarding_body,
                accrediting_body: found.details.accrediting_body,
                issued_on: found.issued_on,
                expires_on: found.expires_on,
                revoked_on,
            }),
        })
    }

    /// The certificate with code `typed` as `viewer` may read it: the
    /// holder's own, or one whose project the viewer may see (the read
    /// policy: a role on the project or on its cohort; a purged project's
    /// certificate, a role on its cohort); any other is not found, like a
    /// code that names nothing.
    pub async fn certificate_as(&self, viewer: &Viewer, typed: &str) -> Result<Certificate, Error> {
        let code = Code::parse(typed).map_err(|p| Error::Invalid(Reason::new(p.code(), vec![])))?;
        let hidden = || {
            Error::NotFound(Reason::new(
                "certificate-unknown",
                vec![("certificate", Arg::Text(code.grouped()))],
            ))
        };
        let found = self
            .store
            .certificate_by_code(code.as_str())
            .await?
            .ok_or_else(hidden)?;
        let person = viewer.person.id;
        let sees_project = match found.project_id {
            Some(project) => self.store.may_see(person, project).await?,
            None => false,
        };
        if found.person_id == person
            || sees_project
            || self.store.cohort_role(found.cohort_id, person).await?
        {
            Ok(found)
        } else {
            Err(hidden())
        }
    }

    /// The signed-in person's own certificates, newest first.
    pub async fn own_certificates(&self, viewer: &Viewer) -> Result<Vec<Certificate>, Error> {
        Ok(self
            .store
            .certificates(Some(viewer.person.id), None)
            .await?)
    }
}

/// The refusal for text that cannot be a code or a number.
fn code_refused(typed: &str) -> Error {
    let problem = Code::parse(typed)
        .err()
        .unwrap_or(certificate::CodeProblem::Malformed);
    Error::Invalid(Reason::new(problem.code(), vec![]))
}

/// Why `typed` is not a code, as the reason a command gives.
pub fn code_problem(typed: &str) -> Option<Reason> {
    Code::parse(typed)
        .err()
        .map(|p| Reason::new(p.code(), vec![]))
}

/// A fresh verification code: 28 symbols of 5 bits each from the
/// thread's cryptographic generator (seeded by the operating system) (140 random bits).
pub fn new_code() -> Code {
    Code::from_random(&rand::random::<[u8; CODE_SYMBOLS]>())
}

/// Longest refused setting a refusal repeats back, in characters.
const ECHOED: usize = 60;

/// A refused setting as a refusal repeats it: at most [`ECHOED`]
/// characters and an ellipsis, so a huge value is not printed back whole
/// (a 100 KB pattern made a 100 KB error message).
fn echoed(text: &str) -> String {
    match text.char_indices().nth(ECHOED) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certificate::Status;

    /// A million codes drawn are a million different codes, each of which
    /// reads back as itself from its grouped form.
    #[test]
    fn a_million_codes_are_all_different() {
        let mut seen = std::collections::HashSet::with_capacity(1_000_000);
        for _ in 0..1_000_000 {
            let code = new_code();
            assert!(seen.insert(code.as_str().to_owned()), "a code repeated");
        }
        let one = new_code();
        assert_eq!(Code::parse(&one.grouped().to_lowercase()).unwrap(), one);
    }

    #[test]
    fn status_is_revoked_then_expired_then_valid() {
        let now: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
        let before: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(Status::at(true, None, now), Status::Revoked);
        assert_eq!(Status::at(false, Some(before), now), Status::Expired);
        assert_eq!(Status::at(false, Some(now), now), Status::Expired);
        assert_eq!(Status::at(false, None, now), Status::Valid);
    }
}
