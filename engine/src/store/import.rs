//! Loading a cohort's people from a spreadsheet (issue 16, part 3): every
//! write of an import in ONE transaction (people created, supervisors
//! flagged, the committee pool, coordinators, trainees' projects started
//! as `create_projects` starts them, places taken by the same statement),
//! and the reads its plan and its export need.

use std::collections::{BTreeMap, HashSet};

use jiff::Timestamp;

use super::projects::{
    NewProject, Pending, ROWS_PER_INSERT, advance_many, create_in, member_row, state_json,
    write_decisions,
};
use super::{Begin, Columns, Error, Store, micros, with_db};
use crate::decide::{Decision, Member};
use crate::reason::{Arg, Reason};

/// Rows per multi-row statement (well under SQLite's 32,766 variables).
const CHUNK: usize = 500;

/// A person the import names: created when their email is new (a person
/// already registered keeps their name, organization and language).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ImportPerson<'a> {
    /// Email, checked and lower-cased.
    pub email: &'a str,
    /// Name.
    pub name: &'a str,
    /// Organization (may be empty).
    pub organization: &'a str,
    /// `en` or `ar`, or none given.
    pub language: Option<&'a str>,
    /// Flagged as a supervisor (may nominate and endorse their organization's people).
    pub supervisor: bool,
}

/// A trainee's project to start, by the people's emails.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ImportProject<'a> {
    /// Its title.
    pub title: &'a str,
    /// The trainee's email.
    pub trainee: &'a str,
    /// The supervisor's email (the project's `supervisor`).
    pub supervisor: &'a str,
}

/// Everything one import writes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ImportWrite<'a> {
    /// Everyone the file names.
    pub people: &'a [ImportPerson<'a>],
    /// Trainees' projects to start.
    pub projects: &'a [ImportProject<'a>],
    /// Committee pool members: (email, chair).
    pub pool: &'a [(&'a str, bool)],
    /// Coordinators of the cohort, by email.
    pub coordinators: &'a [&'a str],
}

/// What an import wrote, or would have: each project's start, and the
/// emails of the people created.
#[derive(Debug)]
pub(crate) struct ImportWritten<E> {
    /// Each project's result, in the order given.
    pub results: Vec<Result<(i64, Decision), E>>,
    /// People created (the rest were matched).
    pub created: usize,
    /// Whether it was committed (every project started).
    pub committed: bool,
}

/// One person of a cohort as the export writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CohortPerson {
    /// Row id.
    pub id: i64,
    /// Email.
    pub email: String,
    /// Name.
    pub name: String,
    /// Organization.
    pub organization: String,
    /// Chosen language.
    pub language: Option<String>,
}

/// A cohort's people by role, for the export and the import's plan.
#[derive(Debug, Clone, Default)]
pub(crate) struct CohortPeople {
    /// Everyone named below, by id.
    pub people: BTreeMap<i64, CohortPerson>,
    /// Coordinators' ids.
    pub coordinators: Vec<i64>,
    /// Pool members: (id, chair).
    pub pool: Vec<(i64, bool)>,
    /// Trainees: (trainee id, project title, supervisor id).
    pub trainees: Vec<(i64, String, Option<i64>)>,
    /// Supervisors of the cohort's projects.
    pub supervisors: Vec<i64>,
}

impl Store {
    /// Writes an import in one transaction: the cohort's row locked first
    /// (two imports of one cohort run one after the other), people created
    /// (an email already registered is matched, never changed) and
    /// supervisors flagged, the pool and coordinators given, then every
    /// project started through `start` exactly as `create_projects` does
    /// (places taken by the statement that checks capacity). Committed only
    /// when every project started; otherwise nothing is written and the
    /// results say which were refused. A trainee who got a project in the
    /// cohort since the plan was made is refused as `import-changed`.
    pub(crate) async fn import_cohort<E>(
        &self,
        cohort: &super::Cohort,
        workflow_key: &str,
        write: &ImportWrite<'_>,
        now: Timestamp,
        mut start: impl FnMut(
            &super::StoredDefinition,
            i64,
            &[Member],
            usize,
            &BTreeMap<i64, String>,
        ) -> Result<Decision, E>,
    ) -> Result<ImportWritten<E>, Error> {
        let postgres = self.kind() == "postgres";
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE cohorts SET taken = taken WHERE id = $1")
                .bind(cohort.id)
                .execute(&mut *tx)
                .await?;
            let mut created = 0;
            for chunk in write.people.chunks(CHUNK) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO people (email, name, organization, language, created_at) ",
                );
                insert.push_values(chunk, |mut row, p| {
                    row.push_bind(p.email)
                        .push_bind(p.name)
                        .push_bind(p.organization)
                        .push_bind(p.language)
                        .push_bind(micros(now));
                });
                insert.push(" ON CONFLICT (email) DO NOTHING RETURNING id");
                created += insert.build().fetch_all(&mut *tx).await?.len();
            }
            let mut ids: BTreeMap<String, i64> = BTreeMap::new();
            let mut organizations: BTreeMap<i64, String> = BTreeMap::new();
            for chunk in write.people.chunks(CHUNK) {
                let mut select =
                    sqlx::QueryBuilder::new("SELECT id, email, organization FROM people WHERE email IN (");
                let mut list = select.separated(", ");
                for p in chunk {
                    list.push_bind(p.email);
                }
                select.push(")");
                for row in select.build().fetch_all(&mut *tx).await? {
                    let id = row.int("id")?;
                    ids.insert(row.text("email")?, id);
                    organizations.insert(id, row.text("organization")?);
                }
            }
            let id_of = |email: &str| -> Result<i64, Error> {
                ids.get(email).copied().ok_or_else(|| {
                    Error::NotFound(Reason::new("unknown-person", vec![("email", Arg::Text(email.to_owned()))]))
                })
            };
            let flagged: Vec<i64> = write
                .people
                .iter()
                .filter(|p| p.supervisor)
                .map(|p| id_of(p.email))
                .collect::<Result<_, _>>()?;
            for chunk in flagged.chunks(CHUNK) {
                let mut update = sqlx::QueryBuilder::new("UPDATE people SET supervisor = TRUE WHERE id IN (");
                let mut list = update.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                update.push(")");
                update.build().execute(&mut *tx).await?;
            }
            for (email, chair) in write.pool {
                let person = id_of(email)?;
                if *chair {
                    sqlx::query("UPDATE committee_pool SET chair = 0 WHERE cohort_id = $1 AND person_id <> $2")
                        .bind(cohort.id)
                        .bind(person)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(
                    "INSERT INTO committee_pool (cohort_id, person_id, chair, added_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (cohort_id, person_id) DO UPDATE SET chair = CASE WHEN $3 = 1 THEN 1 ELSE committee_pool.chair END",
                )
                .bind(cohort.id)
                .bind(person)
                .bind(i64::from(*chair))
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
            }
            for email in write.coordinators {
                sqlx::query(
                    "INSERT INTO cohort_members (cohort_id, person_id, role) VALUES ($1, $2, 'coordinator') ON CONFLICT DO NOTHING",
                )
                .bind(cohort.id)
                .bind(id_of(email)?)
                .execute(&mut *tx)
                .await?;
            }
            if write.projects.is_empty() {
                tx.commit().await?;
                return Ok(ImportWritten { results: Vec::new(), created, committed: true });
            }
            // Trainees who have a project in the cohort already (another
            // import, or a start, since the plan was read): nothing is written.
            let started: HashSet<i64> = sqlx::query(
                "SELECT m.person_id FROM project_members m JOIN projects p ON p.id = m.project_id
                 WHERE p.cohort_id = $1 AND m.role = 'trainee'",
            )
            .bind(cohort.id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.int("person_id"))
            .collect::<Result<_, _>>()?;
            let mut members: Vec<[Member; 2]> = Vec::with_capacity(write.projects.len());
            for project in write.projects {
                let trainee = id_of(project.trainee)?;
                if started.contains(&trainee) {
                    return Err(Error::Refused(Reason::new(
                        "import-changed",
                        vec![("email", Arg::Text(project.trainee.to_owned()))],
                    )));
                }
                members.push([
                    Member { person: trainee, role: "trainee".to_owned() },
                    Member { person: id_of(project.supervisor)?, role: "supervisor".to_owned() },
                ]);
            }
            let new: Vec<NewProject<'_>> = write
                .projects
                .iter()
                .zip(&members)
                .map(|(p, direct)| NewProject { title: p.title, direct })
                .collect();
            let organizations = &organizations;
            let results = create_in!(
                tx,
                postgres,
                cohort,
                workflow_key,
                &new,
                now,
                &mut |d: &super::StoredDefinition, id: i64, all: &[Member], position: usize| start(d, id, all, position, organizations),
                true
            );
            let committed = results.iter().all(Result::is_ok);
            if committed {
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            Ok(ImportWritten { results, created: if committed { created } else { 0 }, committed })
        })
    }

    /// The people of cohort `cohort` by role: its coordinators, its pool,
    /// its trainees with their project's title and supervisor, and the
    /// supervisors of its projects.
    pub(crate) async fn cohort_people(&self, cohort: i64) -> Result<CohortPeople, Error> {
        let mut out = CohortPeople::default();
        with_db!(self, pool => {
            let mut tx = pool.begin_snapshot().await?;
            let person = |r: &dyn Fn(&str) -> Result<String, Error>, id: i64, language: Option<String>| -> Result<CohortPerson, Error> {
                Ok(CohortPerson { id, email: r("email")?, name: r("name")?, organization: r("organization")?, language })
            };
            for row in sqlx::query(
                "SELECT p.id, p.email, p.name, p.organization, p.language FROM cohort_members m JOIN people p ON p.id = m.person_id
                 WHERE m.cohort_id = $1 AND m.role = 'coordinator' ORDER BY p.email",
            )
            .bind(cohort)
            .fetch_all(&mut *tx)
            .await?
            {
                let id = row.int("id")?;
                out.coordinators.push(id);
                out.people.insert(id, person(&|n| row.text(n), id, row.opt_text("language")?)?);
            }
            for row in sqlx::query(
                "SELECT p.id, p.email, p.name, p.organization, p.language, m.chair FROM committee_pool m JOIN people p ON p.id = m.person_id
                 WHERE m.cohort_id = $1 ORDER BY p.email",
            )
            .bind(cohort)
            .fetch_all(&mut *tx)
            .await?
            {
                let id = row.int("id")?;
                out.pool.push((id, row.int("chair")? != 0));
                out.people.insert(id, person(&|n| row.text(n), id, row.opt_text("language")?)?);
            }
            for row in sqlx::query(
                "SELECT p.id, p.email, p.name, p.organization, p.language, m.role, pr.title,
                        (SELECT s.person_id FROM project_members s WHERE s.project_id = pr.id AND s.role = 'supervisor'
                         ORDER BY s.person_id LIMIT 1) AS supervisor_id
                 FROM project_members m JOIN projects pr ON pr.id = m.project_id JOIN people p ON p.id = m.person_id
                 WHERE pr.cohort_id = $1 AND m.role IN ('trainee', 'supervisor') ORDER BY p.email, pr.id",
            )
            .bind(cohort)
            .fetch_all(&mut *tx)
            .await?
            {
                let id = row.int("id")?;
                if row.text("role")? == "trainee" {
                    out.trainees.push((id, row.text("title")?, row.opt_int("supervisor_id")?));
                } else if !out.supervisors.contains(&id) {
                    out.supervisors.push(id);
                }
                out.people.insert(id, person(&|n| row.text(n), id, row.opt_text("language")?)?);
            }
            tx.commit().await?;
        });
        Ok(out)
    }
}

impl Store {
    /// Everyone marked as a supervisor (`people.supervisor`).
    pub(crate) async fn supervisors(&self) -> Result<HashSet<i64>, Error> {
        with_db!(self, pool => sqlx::query("SELECT id FROM people WHERE supervisor")
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.int("id"))
            .collect())
    }
}
