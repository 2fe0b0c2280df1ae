//! Programs' certificate settings and the certificates issued: numbered by
//! an upsert on the program's sequence row in the issuing transaction
//! (unique however many processes issue at once), found by their
//! verification code, revoked once.

use jiff::Timestamp;
use serde::Serialize;

use super::{Begin, Columns, Error, Store, instant as timestamp, micros, with_db};
use crate::certificate::{Details, Pattern, StaffNeeds, Status, Texts};
use crate::reason::{Arg, Reason};

/// What a program's certificate says, as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Certification {
    /// The program's row id.
    pub program_id: i64,
    /// The level certified.
    pub level: Texts,
    /// Who awards it.
    pub awarding_body: Texts,
    /// Who accredits it.
    pub accrediting_body: Texts,
    /// The number pattern, as written (checked when set).
    pub pattern: String,
    /// How long a certificate is valid (`none`, `3y`, `18mo`, `365d`).
    pub validity: String,
    /// A program whose valid certificate a trainee needs before starting.
    pub prerequisite_id: Option<i64>,
    /// Programs whose valid certificate its cohorts' coordinators and
    /// committee members need (train-the-trainer).
    pub staff: StaffNeeds,
}

/// A certificate to write in a decision's transaction (its number is drawn there).
#[derive(Debug, Clone)]
pub struct NewCertificate {
    /// The program.
    pub program_id: i64,
    /// Its number pattern.
    pub pattern: Pattern,
    /// The year of issue (in the cohort's time zone).
    pub year: i16,
    /// The verification code, canonical.
    pub code: String,
    /// The project whose action requested it.
    pub project_id: i64,
    /// The trainee.
    pub person_id: i64,
    /// The project's cohort.
    pub cohort_id: i64,
    /// What it says (JSON of [`Details`]).
    pub details: String,
    /// The date of issue (YYYY-MM-DD, the cohort's time zone).
    pub issued_on: String,
    /// When it expires, if it does.
    pub expires_at: Option<Timestamp>,
    /// The date it expires (YYYY-MM-DD).
    pub expires_on: Option<String>,
}

/// A certificate as stored, with its trainee's name and its program's key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Certificate {
    /// Row id.
    pub id: i64,
    /// Its number (unique in its program).
    pub number: String,
    /// The verification code, canonical (28 symbols).
    pub code: String,
    /// The program's row id.
    pub program_id: i64,
    /// The program's key.
    pub program_key: String,
    /// The project (`None` once the project was purged).
    pub project_id: Option<i64>,
    /// The trainee's row id.
    pub person_id: i64,
    /// The trainee's name (a pseudonym once erased).
    pub person_name: String,
    /// The trainee's email.
    pub person_email: String,
    /// The cohort it was issued in.
    pub cohort_id: i64,
    /// What it says.
    pub details: Details,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// The date of issue.
    pub issued_on: String,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
    /// The date it expires.
    pub expires_on: Option<String>,
    /// The revocation, if revoked.
    pub revoked: Option<Revocation>,
}

/// Why, when and by whom a certificate was revoked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Revocation {
    /// When.
    pub at: Timestamp,
    /// By whom (an email, or `operator`).
    pub by: String,
    /// Why.
    pub reason: String,
}

impl Certificate {
    /// Its standing at `now`.
    pub fn status(&self, now: Timestamp) -> Status {
        Status::at(self.revoked.is_some(), self.expires_at, now)
    }
}

/// Writes the certificates of a committed decision in the transaction
/// `$tx`: the program's sequence for the year raised (one upsert: the row
/// lock orders racing transactions), the number rendered from it. A number
/// the program already gave (its pattern was changed to one that renders
/// old numbers again) is skipped: the sequence rises until the number is
/// free, so a pattern change never blocks the passes.
macro_rules! issue {
    ($tx:expr, $certificates:expr, $now:expr) => {{
        for cert in $certificates {
            let cert: &$crate::store::certificates::NewCertificate = cert;
            let year = if cert.pattern.has_year() { i64::from(cert.year) } else { 0 };
            let number = loop {
                let seq = sqlx::query(
                    "INSERT INTO certificate_sequences (program_id, year, last) VALUES ($1, $2, 1)
                     ON CONFLICT (program_id, year) DO UPDATE SET last = certificate_sequences.last + 1
                     RETURNING last",
                )
                .bind(cert.program_id)
                .bind(year)
                .fetch_one(&mut *$tx)
                .await?;
                let number = cert
                    .pattern
                    .render(cert.year, $crate::store::Columns::int(&seq, "last")?);
                let taken = sqlx::query(
                    "SELECT 1 AS taken FROM certificates WHERE program_id = $1 AND number = $2",
                )
                .bind(cert.program_id)
                .bind(&number)
                .fetch_optional(&mut *$tx)
                .await?;
                if taken.is_none() {
                    break number;
                }
            };
            let issued = sqlx::query(
                "INSERT INTO certificates (number, code, program_id, project_id, person_id, cohort_id, details, issued_at, issued_on, expires_at, expires_on)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(&number)
            .bind(&cert.code)
            .bind(cert.program_id)
            .bind(cert.project_id)
            .bind(cert.person_id)
            .bind(cert.cohort_id)
            .bind(&cert.details)
            .bind($crate::store::micros($now))
            .bind(&cert.issued_on)
            .bind(cert.expires_at.map($crate::store::micros))
            .bind(cert.expires_on.as_deref())
            .fetch_one(&mut *$tx)
            .await?;
            // Its webhook deliveries, in the same transaction.
            let event = $crate::store::webhooks::certificate_event(
                "certificate.issued",
                $now,
                $crate::store::Columns::int(&issued, "id")?,
                &number,
                cert.project_id,
                cert.person_id,
                cert.program_id,
            );
            $crate::store::webhooks::enqueue_hooks!($tx, &[event], $now);
        }
    }};
}
pub(crate) use issue;

const SELECT: &str = "SELECT c.id, c.number, c.code, c.program_id, g.key AS program_key, c.project_id, c.person_id,
        p.name AS person_name, p.email AS person_email, c.cohort_id, c.details, c.issued_at, c.issued_on,
        c.expires_at, c.expires_on, c.revoked_at, c.revoked_by, c.revoked_reason
     FROM certificates c JOIN people p ON p.id = c.person_id JOIN programs g ON g.id = c.program_id";

/// Which certificates a lookup reads.
enum Find<'a> {
    /// Of a person and of a program, each when given; newest first.
    Of {
        person: Option<i64>,
        program: Option<i64>,
    },
    /// By verification code (canonical): one at most.
    Code(&'a str),
    /// Issued on a project, newest first.
    Project(i64),
    /// By number, oldest first.
    Number(&'a str),
}

fn certificate_row(r: &impl Columns) -> Result<Certificate, Error> {
    let details = serde_json::from_str(&r.text("details")?)
        .map_err(|e| Error::Corrupt(format!("a certificate's details: {e}")))?;
    let revoked = match r.opt_int("revoked_at")? {
        Some(at) => Some(Revocation {
            at: timestamp(at)?,
            by: r.opt_text("revoked_by")?.unwrap_or_default(),
            reason: r.opt_text("revoked_reason")?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Certificate {
        id: r.int("id")?,
        number: r.text("number")?,
        code: r.text("code")?,
        program_id: r.int("program_id")?,
        program_key: r.text("program_key")?,
        project_id: r.opt_int("project_id")?,
        person_id: r.int("person_id")?,
        person_name: r.text("person_name")?,
        person_email: r.text("person_email")?,
        cohort_id: r.int("cohort_id")?,
        details,
        issued_at: timestamp(r.int("issued_at")?)?,
        issued_on: r.text("issued_on")?,
        expires_at: r.opt_int("expires_at")?.map(timestamp).transpose()?,
        expires_on: r.opt_text("expires_on")?,
        revoked,
    })
}

fn texts(text: &str) -> Result<Texts, Error> {
    serde_json::from_str(text)
        .map_err(|e| Error::Corrupt(format!("a program's certificate words: {e}")))
}

fn json(texts: &Texts) -> String {
    serde_json::to_string(texts).expect("texts serialise")
}

impl Store {
    /// Sets what `certification.program_id` certifies (replacing what it said).
    pub(crate) async fn set_certification(
        &self,
        certification: &Certification,
        now: Timestamp,
    ) -> Result<(), Error> {
        with_db!(self, pool => sqlx::query(
            "INSERT INTO program_certifications (program_id, level, awarding_body, accrediting_body, pattern, validity, prerequisite_id, updated_at, coordinators_need, committee_need)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (program_id) DO UPDATE SET level = excluded.level, awarding_body = excluded.awarding_body,
                accrediting_body = excluded.accrediting_body, pattern = excluded.pattern, validity = excluded.validity,
                prerequisite_id = excluded.prerequisite_id, updated_at = excluded.updated_at,
                coordinators_need = excluded.coordinators_need, committee_need = excluded.committee_need",
        )
        .bind(certification.program_id)
        .bind(json(&certification.level))
        .bind(json(&certification.awarding_body))
        .bind(json(&certification.accrediting_body))
        .bind(&certification.pattern)
        .bind(&certification.validity)
        .bind(certification.prerequisite_id)
        .bind(micros(now))
        .bind(certification.staff.coordinators)
        .bind(certification.staff.committee)
        .execute(pool)
        .await
        .map(|_| ())?);
        Ok(())
    }

    /// What `program` certifies, if it certifies anything.
    pub(crate) async fn certification(&self, program: i64) -> Result<Option<Certification>, Error> {
        let row = with_db!(self, pool => sqlx::query(
            "SELECT program_id, level, awarding_body, accrediting_body, pattern, validity, prerequisite_id,
                coordinators_need, committee_need
             FROM program_certifications WHERE program_id = $1",
        )
        .bind(program)
        .fetch_optional(pool)
        .await?
        .map(|r| -> Result<Certification, Error> {
            Ok(Certification {
                program_id: r.int("program_id")?,
                level: texts(&r.text("level")?)?,
                awarding_body: texts(&r.text("awarding_body")?)?,
                accrediting_body: texts(&r.text("accrediting_body")?)?,
                pattern: r.text("pattern")?,
                validity: r.text("validity")?,
                prerequisite_id: r.opt_int("prerequisite_id")?,
                staff: StaffNeeds {
                    coordinators: r.opt_int("coordinators_need")?,
                    committee: r.opt_int("committee_need")?,
                },
            })
        }));
        row.transpose()
    }

    /// Certificates, newest first: of `person` and of `program` when given.
    pub(crate) async fn certificates(
        &self,
        person: Option<i64>,
        program: Option<i64>,
    ) -> Result<Vec<Certificate>, Error> {
        self.find_certificates(Find::Of { person, program }).await
    }

    /// The certificate with verification code `code` (canonical), if any.
    pub(crate) async fn certificate_by_code(
        &self,
        code: &str,
    ) -> Result<Option<Certificate>, Error> {
        Ok(self.find_certificates(Find::Code(code)).await?.pop())
    }

    /// The certificates issued on `project`, newest first.
    pub(crate) async fn certificates_of_project(
        &self,
        project: i64,
    ) -> Result<Vec<Certificate>, Error> {
        self.find_certificates(Find::Project(project)).await
    }

    /// The certificates numbered `number` (one per program at most), oldest first.
    pub(crate) async fn certificates_by_number(
        &self,
        number: &str,
    ) -> Result<Vec<Certificate>, Error> {
        self.find_certificates(Find::Number(number)).await
    }

    /// The one certificate lookup: the rows `find` names, in its order.
    async fn find_certificates(&self, find: Find<'_>) -> Result<Vec<Certificate>, Error> {
        with_db!(self, pool => {
            let mut query = sqlx::QueryBuilder::new(SELECT);
            match find {
                Find::Of { person, program } => {
                    query.push(" WHERE (");
                    query.push_bind(person);
                    query.push(" IS NULL OR c.person_id = ");
                    query.push_bind(person);
                    query.push(") AND (");
                    query.push_bind(program);
                    query.push(" IS NULL OR c.program_id = ");
                    query.push_bind(program);
                    query.push(") ORDER BY c.id DESC");
                }
                Find::Code(code) => {
                    query.push(" WHERE c.code = ");
                    query.push_bind(code);
                }
                Find::Project(project) => {
                    query.push(" WHERE c.project_id = ");
                    query.push_bind(project);
                    query.push(" ORDER BY c.id DESC");
                }
                Find::Number(number) => {
                    query.push(" WHERE c.number = ");
                    query.push_bind(number);
                    query.push(" ORDER BY c.id");
                }
            }
            query
                .build()
                .fetch_all(pool)
                .await?
                .iter()
                .map(certificate_row)
                .collect()
        })
    }

    /// Revokes certificate `id`; refused (code `certificate-revoked`) when
    /// it already is: the first revocation's reason stays.
    pub(crate) async fn revoke_certificate(
        &self,
        id: i64,
        number: &str,
        by: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), Error> {
        // The revocation and its webhook deliveries in one transaction.
        let done = with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row = sqlx::query(
                "UPDATE certificates SET revoked_at = $2, revoked_by = $3, revoked_reason = $4
                 WHERE id = $1 AND revoked_at IS NULL RETURNING number, project_id, person_id, program_id",
            )
            .bind(id)
            .bind(micros(now))
            .bind(by)
            .bind(reason)
            .fetch_optional(&mut *tx)
            .await?;
            match row {
                Some(row) => {
                    // A certificate whose project was purged names no
                    // cohort any more: no subscription hears of it.
                    if let Some(project) = row.opt_int("project_id")? {
                        let event = super::webhooks::certificate_event(
                            "certificate.revoked",
                            now,
                            id,
                            &row.text("number")?,
                            project,
                            row.int("person_id")?,
                            row.int("program_id")?,
                        );
                        super::webhooks::enqueue_hooks!(tx, &[event], now);
                    }
                    tx.commit().await?;
                    1
                }
                None => {
                    tx.rollback().await?;
                    0
                }
            }
        });
        if done == 0 {
            return Err(Error::Refused(Reason::new(
                "certificate-revoked",
                vec![("number", Arg::Text(number.to_owned()))],
            )));
        }
        Ok(())
    }

    /// Whether `person` holds a certificate of `program` that is neither
    /// revoked nor expired at `now`.
    pub(crate) async fn holds_certificate(
        &self,
        person: i64,
        program: i64,
        now: Timestamp,
    ) -> Result<bool, Error> {
        let found = with_db!(self, pool => sqlx::query(
            "SELECT id FROM certificates WHERE person_id = $1 AND program_id = $2
             AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $3) LIMIT 1",
        )
        .bind(person)
        .bind(program)
        .bind(micros(now))
        .fetch_optional(pool)
        .await?
        .is_some());
        Ok(found)
    }

    /// Whether `person` holds any role in `cohort` (its staff: coordinators).
    pub(crate) async fn cohort_role(&self, cohort: i64, person: i64) -> Result<bool, Error> {
        let found = with_db!(self, pool => sqlx::query(
            "SELECT role FROM cohort_members WHERE cohort_id = $1 AND person_id = $2 LIMIT 1",
        )
        .bind(cohort)
        .bind(person)
        .fetch_optional(pool)
        .await?
        .is_some());
        Ok(found)
    }
}
