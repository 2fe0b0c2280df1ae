//! Who and what projects hang on: published definitions, people, programs,
//! cohorts and cohort-wide roles.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Columns, Error, Store, micros, with_db};
use crate::calendar::Calendar;

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
}

/// What publishing did.
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
    /// Most projects it takes.
    pub capacity: u32,
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
    /// Most projects it takes.
    pub capacity: u32,
}

impl Cohort {
    /// The cohort's calendar.
    pub fn calendar(&self) -> Result<Calendar, Error> {
        Calendar::new(&self.time_zone, self.dates.clone(), self.holidays.clone())
            .map_err(|e| Error::Corrupt(e.to_string()))
    }
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serialises")
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::Corrupt(format!("{what}: {e}")))
}

impl Store {
    /// Publishes a definition's text as (key, version). A version that has
    /// projects is immutable: publishing different text under it is refused.
    pub async fn publish_definition(
        &self,
        key: &str,
        version: u32,
        title: &str,
        source: &str,
        now: Timestamp,
    ) -> Result<Published, Error> {
        let hash = crate::audit::to_hex(&Sha256::digest(source.as_bytes()));
        with_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let existing = sqlx::query(
                "SELECT d.id, d.source_hash, (SELECT COUNT(*) FROM projects p WHERE p.definition_id = d.id) AS projects
                 FROM definitions d WHERE d.key = $1 AND d.version = $2",
            )
            .bind(key)
            .bind(i64::from(version))
            .fetch_optional(&mut *tx)
            .await?;
            let outcome = match existing {
                None => {
                    sqlx::query(
                        "INSERT INTO definitions (key, version, title, source, source_hash, published_at)
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(key)
                    .bind(i64::from(version))
                    .bind(title)
                    .bind(source)
                    .bind(&hash)
                    .bind(micros(now))
                    .execute(&mut *tx)
                    .await?;
                    Published::Created
                }
                Some(row) if row.try_get::<String, _>("source_hash")? == hash => Published::Unchanged,
                Some(row) => {
                    let projects: i64 = row.try_get("projects")?;
                    if projects > 0 {
                        return Err(Error::Refused(format!(
                            "{key} version {version} already has {projects} project(s) and cannot change; publish the edit as version {}",
                            version + 1
                        )));
                    }
                    sqlx::query("UPDATE definitions SET title = $1, source = $2, source_hash = $3, published_at = $4 WHERE id = $5")
                        .bind(title)
                        .bind(source)
                        .bind(&hash)
                        .bind(micros(now))
                        .bind(row.try_get::<i64, _>("id")?)
                        .execute(&mut *tx)
                        .await?;
                    Published::Replaced
                }
            };
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// The latest published version of workflow `key`.
    pub async fn latest_definition(&self, key: &str) -> Result<StoredDefinition, Error> {
        let row = with_db!(self, pool => sqlx::query(
            "SELECT id, key, version, title, source FROM definitions WHERE key = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(key)
        .fetch_optional(pool)
        .await?
        .map(|r| definition_row(&r)));
        row.transpose()?.ok_or_else(|| {
            Error::NotFound(format!(
                "no workflow '{key}' is published; run gradflow workflow publish FILE"
            ))
        })
    }

    /// The definition with row id `id`.
    pub async fn definition(&self, id: i64) -> Result<StoredDefinition, Error> {
        let row = with_db!(self, pool => sqlx::query("SELECT id, key, version, title, source FROM definitions WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|r| definition_row(&r)));
        row.transpose()?
            .ok_or_else(|| Error::NotFound(format!("no definition {id}")))
    }

    /// Every published definition version.
    pub async fn definitions(&self) -> Result<Vec<StoredDefinition>, Error> {
        with_db!(self, pool => sqlx::query("SELECT id, key, version, title, source FROM definitions ORDER BY key, version")
            .fetch_all(pool)
            .await?
            .iter()
            .map(definition_row)
            .collect())
    }

    /// Adds a person; the email must be new.
    pub async fn add_person(
        &self,
        email: &str,
        name: &str,
        organization: &str,
        now: Timestamp,
    ) -> Result<Person, Error> {
        let email = email.trim().to_lowercase();
        if !email.contains('@') || email.len() > 254 {
            return Err(Error::Refused(format!("'{email}' is not an email address")));
        }
        let result = with_db!(self, pool => sqlx::query(
            "INSERT INTO people (email, name, organization, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&email)
        .bind(name)
        .bind(organization)
        .bind(micros(now))
        .fetch_one(pool)
        .await
        .and_then(|row| row.try_get::<i64, _>("id")));
        match result {
            Ok(id) => Ok(Person {
                id,
                email,
                name: name.to_owned(),
                organization: organization.to_owned(),
            }),
            Err(e) if super::is_unique_violation(&e) => {
                Err(Error::Refused(format!("{email} is already registered")))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The person with this email.
    pub async fn person(&self, email: &str) -> Result<Person, Error> {
        let email = email.trim().to_lowercase();
        let row = with_db!(self, pool => sqlx::query("SELECT id, email, name, organization FROM people WHERE email = $1")
            .bind(&email)
            .fetch_optional(pool)
            .await?
            .map(|r| person_row(&r)));
        row.transpose()?.ok_or_else(|| {
            Error::NotFound(format!(
                "nobody is registered as {email}; add them with gradflow person add"
            ))
        })
    }

    /// The person with row id `id`.
    pub async fn person_by_id(&self, id: i64) -> Result<Person, Error> {
        let row = with_db!(self, pool => sqlx::query("SELECT id, email, name, organization FROM people WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|r| person_row(&r)));
        row.transpose()?
            .ok_or_else(|| Error::NotFound(format!("no person {id}")))
    }

    /// Everyone, by email.
    pub async fn people(&self) -> Result<Vec<Person>, Error> {
        with_db!(self, pool => sqlx::query("SELECT id, email, name, organization FROM people ORDER BY email")
            .fetch_all(pool)
            .await?
            .iter()
            .map(person_row)
            .collect())
    }

    /// Creates a program running workflow `workflow_key` (which must be published).
    pub async fn create_program(
        &self,
        key: &str,
        title: &str,
        workflow_key: &str,
        now: Timestamp,
    ) -> Result<Program, Error> {
        self.latest_definition(workflow_key).await?;
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
            }),
            Err(e) if super::is_unique_violation(&e) => {
                Err(Error::Refused(format!("a program '{key}' already exists")))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The program with this key.
    pub async fn program(&self, key: &str) -> Result<Program, Error> {
        let row = with_db!(self, pool => sqlx::query("SELECT id, key, title, workflow_key FROM programs WHERE key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await?
            .map(|r| program_row(&r)));
        row.transpose()?
            .ok_or_else(|| Error::NotFound(format!("no program '{key}'")))
    }

    /// Creates a cohort. Its dates must include every date its workflow uses.
    pub async fn create_cohort(&self, cohort: &NewCohort, now: Timestamp) -> Result<Cohort, Error> {
        let program = self.program(&cohort.program).await?;
        Calendar::new(
            &cohort.time_zone,
            cohort.dates.clone(),
            cohort.holidays.clone(),
        )
        .map_err(|e| Error::Refused(e.to_string()))?;
        let definition = self.latest_definition(&program.workflow_key).await?;
        let workflow =
            crate::definition::parse(&definition.source, crate::definition::Templates::Unchecked)
                .map_err(|_| {
                Error::Corrupt(format!(
                    "published workflow {} does not validate",
                    definition.key
                ))
            })?;
        let missing: Vec<&str> = workflow
            .cohort_dates
            .iter()
            .filter(|d| !cohort.dates.contains_key(*d))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(Error::Refused(format!(
                "workflow {} needs these cohort dates: {} (give them as --date NAME=YYYY-MM-DD)",
                workflow.key,
                missing.join(", ")
            )));
        }
        let result = with_db!(self, pool => sqlx::query(
            "INSERT INTO cohorts (program_id, name, time_zone, dates, holidays, capacity, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(program.id)
        .bind(&cohort.name)
        .bind(&cohort.time_zone)
        .bind(json(&cohort.dates))
        .bind(json(&cohort.holidays))
        .bind(i64::from(cohort.capacity))
        .bind(micros(now))
        .fetch_one(pool)
        .await
        .and_then(|row| row.try_get::<i64, _>("id")));
        match result {
            Ok(id) => Ok(Cohort {
                id,
                program_id: program.id,
                name: cohort.name.clone(),
                time_zone: cohort.time_zone.clone(),
                dates: cohort.dates.clone(),
                holidays: cohort.holidays.clone(),
                capacity: cohort.capacity,
            }),
            Err(e) if super::is_unique_violation(&e) => Err(Error::Refused(format!(
                "a cohort named '{}' already exists",
                cohort.name
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// The cohort with this name.
    pub async fn cohort(&self, name: &str) -> Result<Cohort, Error> {
        let row = with_db!(self, pool => sqlx::query(
            "SELECT id, program_id, name, time_zone, dates, holidays, capacity FROM cohorts WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(pool)
        .await?
        .map(|r| cohort_row(&r)));
        row.transpose()?
            .ok_or_else(|| Error::NotFound(format!("no cohort named '{name}'")))
    }

    /// The cohort with row id `id`.
    pub async fn cohort_by_id(&self, id: i64) -> Result<Cohort, Error> {
        let row = with_db!(self, pool => sqlx::query(
            "SELECT id, program_id, name, time_zone, dates, holidays, capacity FROM cohorts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?
        .map(|r| cohort_row(&r)));
        row.transpose()?
            .ok_or_else(|| Error::NotFound(format!("no cohort {id}")))
    }

    /// Gives `person` `role` on every project of the cohort (e.g. its coordinator).
    pub async fn add_cohort_member(
        &self,
        cohort: i64,
        person: i64,
        role: &str,
    ) -> Result<(), Error> {
        with_db!(self, pool => sqlx::query(
            "INSERT INTO cohort_members (cohort_id, person_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(cohort)
        .bind(person)
        .bind(role)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}

fn definition_row(r: &impl Columns) -> Result<StoredDefinition, Error> {
    let version = r.int("version")?;
    Ok(StoredDefinition {
        id: r.int("id")?,
        key: r.text("key")?,
        version: u32::try_from(version)
            .map_err(|_| Error::Corrupt(format!("definition version {version}")))?,
        title: r.text("title")?,
        source: r.text("source")?,
    })
}

fn person_row(r: &impl Columns) -> Result<Person, Error> {
    Ok(Person {
        id: r.int("id")?,
        email: r.text("email")?,
        name: r.text("name")?,
        organization: r.text("organization")?,
    })
}

fn program_row(r: &impl Columns) -> Result<Program, Error> {
    Ok(Program {
        id: r.int("id")?,
        key: r.text("key")?,
        title: r.text("title")?,
        workflow_key: r.text("workflow_key")?,
    })
}

fn cohort_row(r: &impl Columns) -> Result<Cohort, Error> {
    let capacity = r.int("capacity")?;
    Ok(Cohort {
        id: r.int("id")?,
        program_id: r.int("program_id")?,
        name: r.text("name")?,
        time_zone: r.text("time_zone")?,
        dates: parse_json(&r.text("dates")?, "cohort dates")?,
        holidays: parse_json(&r.text("holidays")?, "cohort holidays")?,
        capacity: u32::try_from(capacity).unwrap_or(0),
    })
}

impl Store {
    /// The program with row id `id`.
    pub async fn program_by_id(&self, id: i64) -> Result<Program, Error> {
        let row = with_db!(self, pool => sqlx::query("SELECT id, key, title, workflow_key FROM programs WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|r| program_row(&r)));
        row.transpose()?
            .ok_or_else(|| Error::NotFound(format!("no program {id}")))
    }
}
