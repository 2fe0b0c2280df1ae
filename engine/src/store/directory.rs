//! Who and what projects hang on: published definitions, people, programs,
//! cohorts and cohort-wide roles. The rules about them (what a valid email or
//! cohort is) live in the service; here is only what the database guarantees.

use crate::reason::{Arg, Reason};
use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Begin, Columns, Error, Store, micros, with_db};
use crate::calendar::{Calendar, MailHours, Weekend};

/// A published definition version.
#[derive(Debug, Clone, Serialize)]
pub struct StoredDefinition {
    /// Row id (projects point at it).
    pub id: i64,
    /// Workflow key.
    pub key: String,
    /// Version.
    pub version: u32,
    /// Title.
    pub title: String,
    /// The YAML text.
    pub source: String,
    /// SHA-256 of the text and templates: tells a replaced version from the one a cache holds.
    #[serde(skip)]
    pub source_hash: String,
    /// Its message templates as published (file name -> text).
    #[serde(skip)]
    pub templates: BTreeMap<String, String>,
}

/// What publishing one definition did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Published {
    /// A new (key, version).
    Created,
    /// The same text was already published.
    Unchanged,
    /// The version had no projects yet and was replaced.
    Replaced,
}

/// A person who can hold roles.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    /// Row id.
    pub id: i64,
    /// Email, unique; how people are named on the command line.
    pub email: String,
    /// Full name.
    pub name: String,
    /// Their organization (ministry, department).
    pub organization: String,
    /// Takes reminders and escalations as one digest per round instead of one email each.
    pub digest: bool,
    /// A supervisor (manager) in the directory: may nominate and endorse
    /// people of their own organization for a cohort.
    pub supervisor: bool,
}

/// A certification program running one workflow.
#[derive(Debug, Clone, Serialize)]
pub struct Program {
    /// Row id.
    pub id: i64,
    /// Short key, e.g. `service-2026`.
    pub key: String,
    /// Title.
    pub title: String,
    /// Workflow key; projects pin the latest published version when they start.
    pub workflow_key: String,
    /// Requests to join its cohorts need the named supervisor's endorsement.
    pub endorsement: bool,
}

/// What is needed to create a cohort.
#[derive(Debug, Clone)]
pub struct NewCohort {
    /// Program key.
    pub program: String,
    /// Unique name, e.g. `Service 2026 A`.
    pub name: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Named dates.
    pub dates: BTreeMap<String, Date>,
    /// Institute holidays.
    pub holidays: BTreeSet<Date>,
    /// Weekly rest days.
    pub weekend: Weekend,
    /// When reminders and escalations may go out.
    pub mail_hours: MailHours,
    /// Most projects it takes.
    pub capacity: u32,
    /// Emails of the staff who coordinate it (the `coordinator` role on all its projects).
    pub coordinators: Vec<String>,
}

/// A cohort: a group of trainees on one calendar.
#[derive(Debug, Clone, Serialize)]
pub struct Cohort {
    /// Row id.
    pub id: i64,
    /// Program it belongs to.
    pub program_id: i64,
    /// Name.
    pub name: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Named dates.
    pub dates: BTreeMap<String, Date>,
    /// Holidays.
    pub holidays: BTreeSet<Date>,
    /// Weekly rest days, e.g. `fri,sat`.
    #[serde(serialize_with = "display")]
    pub weekend: Weekend,
    /// When reminders and escalations may go out, e.g. `09:00-17:00`.
    #[serde(serialize_with = "display")]
    pub mail_hours: MailHours,
    /// Most projects it takes.
    pub capacity: u32,
    /// Projects started in it.
    pub taken: u32,
    /// Grows with every change to its calendar, so caches know to re-read it.
    #[serde(skip)]
    pub revision: i64,
    /// The definition (row id) its new projects start on: the version it is pinned to.
    #[serde(skip)]
    pub definition_id: Option<i64>,
    /// The workflow version it is pinned to (0 for none).
    pub workflow_version: u32,
    /// Open for applications (nominations and requests).
    pub intake_open: bool,
    /// Days an offer of a freed place stays open.
    pub offer_days: u32,
}

/// One pin a cohort was given (`cohort_pins`), for `cohort show`.
#[derive(Debug, Clone, Serialize)]
pub struct CohortPin {
    /// The version pinned.
    pub version: u32,
    /// The version before, if any.
    pub previous: Option<u32>,
    /// How: `created`, `upgrade` (migration 0011), `pin` or `migrate`.
    pub how: String,
    /// Who: an email, or `operator`.
    pub by: String,
    /// When.
    pub at: Timestamp,
}

fn display<S: serde::Serializer>(value: &impl std::fmt::Display, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

impl Cohort {
    /// The cohort's calendar.
    pub fn calendar(&self) -> Result<Calendar, Error> {
        Calendar::new(
            &self.time_zone,
            self.dates.clone(),
            self.holidays.clone(),
            self.weekend,
        )
        .map(|c| c.with_mail_hours(self.mail_hours))
        .map_err(|e| Error::Corrupt(format!("cohort '{}': {e}", self.name)))
    }
}

/// A definition to publish: the checked key, version and title, and its text.
#[derive(Debug, Clone, Copy)]
pub struct NewDefinition<'a> {
    /// Workflow key.
    pub key: &'a str,
    /// Version.
    pub version: u32,
    /// Title.
    pub title: &'a str,
    /// The YAML text, stored as given.
    pub source: &'a str,
    /// Its message templates (file name -> text).
    pub templates: &'a BTreeMap<String, String>,
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serialises")
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::Corrupt(format!("{what}: {e}")))
}

/// Pins cohort `$cohort` to definition `$definition` inside the open
/// transaction `$tx`, recording the pin with the version it replaces.
macro_rules! pin_in {
    ($tx:expr, $cohort:expr, $definition:expr, $how:expr, $by:expr, $now:expr) => {{
        let previous: Option<i64> = sqlx::query("SELECT definition_id FROM cohorts WHERE id = $1")
            .bind($cohort)
            .fetch_one(&mut *$tx)
            .await?
            .opt_int("definition_id")?;
        sqlx::query("UPDATE cohorts SET definition_id = $2 WHERE id = $1")
            .bind($cohort)
            .bind($definition)
            .execute(&mut *$tx)
            .await?;
        sqlx::query(
            "INSERT INTO cohort_pins (cohort_id, definition_id, previous_id, how, by_whom, at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($cohort)
        .bind($definition)
        .bind(previous)
        .bind($how)
        .bind($by)
        .bind(micros($now))
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(super) use pin_in;

const DEFINITION_COLUMNS: &str = "id, key, version, title, source, source_hash, templates";
const COHORT_COLUMNS: &str = "id, program_id, name, time_zone, dates, holidays, weekend, mail_hours, capacity, taken, revision, definition_id, intake, offer_days,
    COALESCE((SELECT d.version FROM definitions d WHERE d.id = cohorts.definition_id), 0) AS workflow_version";

impl Store {
    /// Publishes definitions, all or none, in one transaction. A version that
    /// has projects is immutable: different text under it is refused, even
    /// when a project starts on it while this runs (the `projects` count on
    /// the definition's row orders the two).
    pub(crate) async fn publish_definitions(
        &self,
        definitions: &[NewDefinition<'_>],
        now: Timestamp,
    ) -> Result<Vec<Published>, Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut outcomes = Vec::with_capacity(definitions.len());
            for d in definitions {
                let templates = json(d.templates);
                let mut digest = Sha256::new();
                digest.update((d.source.len() as u64).to_le_bytes());
                digest.update(d.source.as_bytes());
                digest.update(templates.as_bytes());
                let hash = crate::audit::to_hex(&digest.finalize());
                let version = i64::from(d.version);
                // Insert first: two publishers of a new version at once meet
                // on the unique key, and the second then sees the first's row.
                let inserted = sqlx::query(
                    "INSERT INTO definitions (key, version, title, source, source_hash, templates, published_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key, version) DO NOTHING",
                )
                .bind(d.key)
                .bind(version)
                .bind(d.title)
                .bind(d.source)
                .bind(&hash)
                .bind(&templates)
                .bind(micros(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let existing = if inserted == 1 {
                    None
                } else {
                    sqlx::query(
                        "SELECT id, source_hash, projects FROM definitions WHERE key = $1 AND version = $2",
                    )
                    .bind(d.key)
                    .bind(version)
                    .fetch_optional(&mut *tx)
                    .await?
                };
                let outcome = match existing {
                    None => Published::Created,
                    Some(row) if row.text("source_hash")? == hash => Published::Unchanged,
                    Some(row) => {
                        let replaced = sqlx::query(
                            "UPDATE definitions SET title = $1, source = $2, source_hash = $3, templates = $6, published_at = $4
                             WHERE id = $5 AND projects = 0",
                        )
                        .bind(d.title)
                        .bind(d.source)
                        .bind(&hash)
                        .bind(micros(now))
                        .bind(row.int("id")?)
                        .bind(&templates)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if replaced == 0 {
                            let latest: i64 = sqlx::query("SELECT MAX(version) AS v FROM definitions WHERE key = $1")
                                .bind(d.key)
                                .fetch_one(&mut *tx)
                                .await?
                                .int("v")?;
                            let next = if latest < i64::from(crate::definition::MAX_VERSION) {
                                format!("publish the edit as version {}", latest + 1)
                            } else {
                                "publish the edit under a new key".to_owned()
                            };
                            return Err(Error::Refused(Reason::message(format!(
                                "{} version {} already has projects, so its text can never change; {next}",
                                d.key, d.version
                            ))));
                        }
                        Published::Replaced
                    }
                };
                outcomes.push(outcome);
            }
            tx.commit().await?;
            Ok(outcomes)
        })
    }

    /// The latest published version of workflow `key`.
    pub(crate) async fn latest_definition(&self, key: &str) -> Result<StoredDefinition, Error> {
        let sql = format!(
            "SELECT {DEFINITION_COLUMNS} FROM definitions WHERE key = $1 ORDER BY version DESC LIMIT 1"
        );
        let row = with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(key)
            .fetch_optional(pool)
            .await?
            .map(|r| definition_row(&r)));
        row.transpose()?.ok_or_else(|| {
            Error::NotFound(Reason::message(format!("no workflow '{key}' is published")))
        })
    }

    /// The definition with row id `id`.
    pub(crate) async fn definition(&self, id: i64) -> Result<StoredDefinition, Error> {
        let sql = format!("SELECT {DEFINITION_COLUMNS} FROM definitions WHERE id = $1");
        let row = with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|r| definition_row(&r)));
        row.transpose()?
            .ok_or_else(|| Error::NotFound(Reason::message(format!("no definition {id}"))))
    }

    /// Every published definition version.
    pub(crate) async fn definitions(&self) -> Result<Vec<StoredDefinition>, Error> {
        let sql = format!("SELECT {DEFINITION_COLUMNS} FROM definitions ORDER BY key, version");
        with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?
            .iter()
            .map(definition_row)
            .collect())
    }

    /// Adds a person (email already checked and normalised); the email must be new.
    pub(crate) async fn add_person(
        &self,
        email: &str,
        name: &str,
        organization: &str,
        now: Timestamp,
    ) -> Result<Person, Error> {
        let result = with_db!(self, pool => sqlx::query(
            "INSERT INTO people (email, name, organization, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(email)
        .bind(name)
        .bind(organization)
        .bind(micros(now))
        .fetch_one(pool)
        .await
        .and_then(|row| row.try_get::<i64, _>("id")));
        match result {
            Ok(id) => Ok(Person {
                id,
                email: email.to_owned(),
                name: name.to_owned(),
                organization: organization.to_owned(),
                digest: false,
                supervisor: false,
            }),
            Err(e) if super::is_unique_violation(&e) => Err(Error::Refused(Reason::new(
                "person-exists",
                vec![("email", Arg::Text(email.to_owned()))],
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// The person with this (normalised) email.
    pub(crate) async fn person(&self, email: &str) -> Result<Person, Error> {
        let row = with_db!(self, pool => sqlx::query("SELECT id, email, name, organization, digest, supervisor FROM people WHERE email = $1")
            .bind(email)
            .fetch_optional(pool)
            .await?
            .map(|r| person_row(&r)));
        row.transpose()?.ok_or_else(|| {
            Error::NotFound(Reason::new(
                "unknown-person",
                vec![("email", Arg::Text(email.to_owned()))],
            ))
        })
    }

    /// The person with row id `id`.
    pub(crate) async fn person_by_id(&self, id: i64) -> Result<Person, Error> {
        let row = with_db!(self, pool => sqlx::query("SELECT id, email, name, organization, digest, supervisor FROM people WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|r| person_row(&r)));
        row.transpose()?
            .ok_or_else(|| Error::NotFound(Reason::message(format!("no person {id}"))))
    }

    /// Everyone, by email.
    pub(crate) async fn people(&self) -> Result<Vec<Person>, Error> {
        with_db!(self, pool => sqlx::query("SELECT id, email, name, organization, digest, supervisor FROM people ORDER BY email")
            .fetch_all(pool)
            .await?
            .iter()
            .map(person_row)
            .collect())
    }

    /// The people with these ids, in one query (ids that do not exist are
    /// left out): the names a page shows beside the roles.
    pub(crate) async fn people_by_id(&self, ids: &[i64]) -> Result<Vec<Person>, Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        with_db!(self, pool => {
            let mut query = sqlx::QueryBuilder::new(
                "SELECT id, email, name, organization, digest, supervisor FROM people WHERE id IN (",
            );
            let mut list = query.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            query.push(") ORDER BY id");
            query.build().fetch_all(pool).await?.iter().map(person_row).collect()
        })
    }

    /// Creates a program running workflow `workflow_key`.
    pub(crate) async fn create_program(
        &self,
        key: &str,
        title: &str,
        workflow_key: &str,
        now: Timestamp,
    ) -> Result<Program, Error> {
        let result = with_db!(self, pool => sqlx::query(
            "INSERT INTO programs (key, title, workflow_key, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(key)
        .bind(title)
        .bind(workflow_key)
        .bind(micros(now))
        .fetch_one(pool)
        .await
        .and_then(|row| row.try_get::<i64, _>("id")));
        match result {
            Ok(id) => Ok(Program {
                id,
                key: key.to_owned(),
                title: title.to_owned(),
                workflow_key: workflow_key.to_owned(),
                endorsement: false,
            }),
            Err(e) if super::is_unique_violation(&e) => Err(Error::Refused(Reason::new(
                "program-exists",
                vec![("program", Arg::Text(key.to_owned()))],
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// The program with this key.
    pub(crate) async fn program(&self, key: &str) -> Result<Program, Error> {
        let row = with_db!(self, pool => sqlx::query("SELECT id, key, title, workflow_key, endorsement FROM programs WHERE key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await?
            .map(|r| program_row(&r)));
        row.transpose()?
            .ok_or_else(|| Error::NotFound(Reason::message(format!("no program '{key}'"))))
    }

    /// The program with row id `id`.
    pub(crate) async fn program_by_id(&self, id: i64) -> Result<Program, Error> {
        let row = with_db!(self, pool => sqlx::query("SELECT id, key, title, workflow_key, endorsement FROM programs WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|r| program_row(&r)));
        row.transpose()?
            .ok_or_else(|| Error::NotFound(Reason::message(format!("no program {id}"))))
    }

    /// Creates a cohort of `program` with its coordinators (person ids),
    /// pinned to `pinned` (the program's latest version), in one transaction.
    pub(crate) async fn create_cohort(
        &self,
        program: &Program,
        cohort: &NewCohort,
        coordinators: &[i64],
        pinned: &StoredDefinition,
        now: Timestamp,
    ) -> Result<Cohort, Error> {
        let result: Result<i64, Error> = with_db!(self, pool => async {
            let mut tx = pool.begin_write().await?;
            let id = sqlx::query(
                "INSERT INTO cohorts (program_id, name, time_zone, dates, holidays, weekend, mail_hours, capacity, created_at, definition_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(program.id)
            .bind(&cohort.name)
            .bind(&cohort.time_zone)
            .bind(json(&cohort.dates))
            .bind(json(&cohort.holidays))
            .bind(cohort.weekend.to_string())
            .bind(cohort.mail_hours.to_string())
            .bind(i64::from(cohort.capacity))
            .bind(micros(now))
            .bind(pinned.id)
            .fetch_one(&mut *tx)
            .await
            .and_then(|row| row.try_get::<i64, _>("id"))
            .map_err(|e| {
                if super::is_unique_violation(&e) {
                    Error::Refused(Reason::new(
                        "cohort-exists",
                        vec![("cohort", Arg::Text(cohort.name.clone()))],
                    ))
                } else {
                    e.into()
                }
            })?;
            for person in coordinators {
                sqlx::query(
                    "INSERT INTO cohort_members (cohort_id, person_id, role) VALUES ($1, $2, 'coordinator') ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(person)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "INSERT INTO cohort_pins (cohort_id, definition_id, previous_id, how, by_whom, at) VALUES ($1, $2, NULL, 'created', 'operator', $3)",
            )
            .bind(id)
            .bind(pinned.id)
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(id)
        }.await);
        Ok(Cohort {
            id: result?,
            program_id: program.id,
            name: cohort.name.clone(),
            time_zone: cohort.time_zone.clone(),
            dates: cohort.dates.clone(),
            holidays: cohort.holidays.clone(),
            weekend: cohort.weekend,
            mail_hours: cohort.mail_hours,
            capacity: cohort.capacity,
            taken: 0,
            revision: 0,
            definition_id: Some(pinned.id),
            workflow_version: pinned.version,
            intake_open: false,
            offer_days: 7,
        })
    }

    /// The cohort with this name.
    pub(crate) async fn cohort(&self, name: &str) -> Result<Cohort, Error> {
        let sql = format!("SELECT {COHORT_COLUMNS} FROM cohorts WHERE name = $1");
        let row = with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(name)
            .fetch_optional(pool)
            .await?
            .map(|r| cohort_row(&r)));
        row.transpose()?
            .ok_or_else(|| Error::NotFound(Reason::message(format!("no cohort named '{name}'"))))
    }

    /// The cohort with row id `id`.
    pub(crate) async fn cohort_by_id(&self, id: i64) -> Result<Cohort, Error> {
        let sql = format!("SELECT {COHORT_COLUMNS} FROM cohorts WHERE id = $1");
        let row = with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|r| cohort_row(&r)));
        row.transpose()?
            .ok_or_else(|| Error::NotFound(Reason::message(format!("no cohort {id}"))))
    }

    /// Version `version` of workflow `key`, if published.
    pub(crate) async fn definition_version(
        &self,
        key: &str,
        version: u32,
    ) -> Result<Option<StoredDefinition>, Error> {
        let sql =
            format!("SELECT {DEFINITION_COLUMNS} FROM definitions WHERE key = $1 AND version = $2");
        let row = with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(key)
            .bind(i64::from(version))
            .fetch_optional(pool)
            .await?
            .map(|r| definition_row(&r)));
        row.transpose()
    }

    /// Pins cohort `cohort` to definition `definition` and records the pin
    /// (`how`, `by`) in its history, in one transaction.
    pub(crate) async fn pin_cohort(
        &self,
        cohort: i64,
        definition: i64,
        how: &str,
        by: &str,
        now: Timestamp,
    ) -> Result<(), Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            pin_in!(tx, cohort, definition, how, by, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// The pins cohort `cohort` was given, oldest first.
    pub(crate) async fn cohort_pins(&self, cohort: i64) -> Result<Vec<CohortPin>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT d.version, p.version AS previous, c.how, c.by_whom, c.at FROM cohort_pins c
             JOIN definitions d ON d.id = c.definition_id LEFT JOIN definitions p ON p.id = c.previous_id
             WHERE c.cohort_id = $1 ORDER BY c.id",
        )
        .bind(cohort)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(CohortPin {
                version: u32::try_from(r.int("version")?).unwrap_or(0),
                previous: r.opt_int("previous")?.and_then(|v| u32::try_from(v).ok()),
                how: r.text("how")?,
                by: r.text("by_whom")?,
                at: super::instant(r.int("at")?)?,
            })
        })
        .collect())
    }

    /// Sets whether `person` takes reminders as a digest.
    pub(crate) async fn set_digest(&self, person: i64, digest: bool) -> Result<(), Error> {
        with_db!(self, pool => sqlx::query("UPDATE people SET digest = $1 WHERE id = $2")
            .bind(digest)
            .bind(person)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Emails of the people holding a cohort-wide role, by role.
    pub(crate) async fn cohort_members(&self, cohort: i64) -> Result<Vec<(String, String)>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT m.role, p.email FROM cohort_members m JOIN people p ON p.id = m.person_id
             WHERE m.cohort_id = $1 ORDER BY m.role, p.email",
        )
        .bind(cohort)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.text("role")?, r.text("email")?)))
        .collect())
    }
}

pub(super) fn definition_row(r: &impl Columns) -> Result<StoredDefinition, Error> {
    let version = r.int("version")?;
    Ok(StoredDefinition {
        id: r.int("id")?,
        key: r.text("key")?,
        version: u32::try_from(version)
            .map_err(|_| Error::Corrupt(format!("definition version {version}")))?,
        title: r.text("title")?,
        source: r.text("source")?,
        source_hash: r.text("source_hash")?,
        templates: parse_json(&r.text("templates")?, "definition templates")?,
    })
}

fn person_row(r: &impl Columns) -> Result<Person, Error> {
    Ok(Person {
        id: r.int("id")?,
        email: r.text("email")?,
        name: r.text("name")?,
        organization: r.text("organization")?,
        digest: r.flag("digest")?,
        supervisor: r.flag("supervisor")?,
    })
}

fn program_row(r: &impl Columns) -> Result<Program, Error> {
    Ok(Program {
        id: r.int("id")?,
        key: r.text("key")?,
        title: r.text("title")?,
        workflow_key: r.text("workflow_key")?,
        endorsement: r.flag("endorsement")?,
    })
}

fn cohort_row(r: &impl Columns) -> Result<Cohort, Error> {
    let name = r.text("name")?;
    let count = |column: &str| -> Result<u32, Error> {
        let n = r.int(column)?;
        u32::try_from(n).map_err(|_| Error::Corrupt(format!("cohort '{name}' {column} {n}")))
    };
    Ok(Cohort {
        id: r.int("id")?,
        program_id: r.int("program_id")?,
        time_zone: r.text("time_zone")?,
        dates: parse_json(&r.text("dates")?, "cohort dates")?,
        holidays: parse_json(&r.text("holidays")?, "cohort holidays")?,
        weekend: r
            .text("weekend")?
            .parse()
            .map_err(|e| Error::Corrupt(format!("cohort '{name}' weekend: {e}")))?,
        mail_hours: r
            .text("mail_hours")?
            .parse()
            .map_err(|e| Error::Corrupt(format!("cohort '{name}' mail hours: {e}")))?,
        capacity: count("capacity")?,
        taken: count("taken")?,
        revision: r.int("revision")?,
        definition_id: r.opt_int("definition_id")?,
        workflow_version: u32::try_from(r.int("workflow_version")?).unwrap_or(0),
        intake_open: r.text("intake")? == "open",
        offer_days: count("offer_days")?,
        name,
    })
}
