//! Intake (issue 16, part 1): applications to a cohort and the cohort's
//! own hash-chained log. The rules are the core's (`decide::intake`); here
//! is only what the database guarantees:
//!
//! - every write locks the cohort's row first (its `taken`, or its log's
//!   `intake_seq`), then the applications, so writers of one cohort queue
//!   on both databases and never deadlock;
//! - a place is taken by `taken + n <= capacity` in the statement that
//!   takes it;
//! - an application is changed only from the version the decision read
//!   (`version = $expected`: a lost race is [`Error::Conflict`]);
//! - at most one live application per (cohort, person): a unique index;
//! - every change appends one event to `cohort_events`, chained by SHA-256
//!   (`audit::hash`, the cohort's id in the project's place), head kept on
//!   the cohort's row, with its mail queued in the same transaction.

use jiff::Timestamp;
use serde::Serialize;

use super::{Begin, Columns, Error, Store, instant, micros, with_db};
use crate::decide::intake::{
    Application, ApplicationKind, ApplicationState, IntakeEvent, NewApplication,
};
use crate::reason::{Arg, Reason};

/// An application as stored, with who changed it last and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredApplication {
    /// The core's view.
    pub application: Application,
    /// Who made the last change (`None`: the operator or the engine).
    pub decided_by: Option<i64>,
    /// Words given with a decline or withdrawal.
    pub note: Option<String>,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// One event of a cohort's log, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CohortEvent {
    /// The cohort.
    pub cohort: i64,
    /// Position in its log, from 1.
    pub seq: i64,
    /// The event's kind.
    pub kind: String,
    /// The event, as stored JSON text (the bytes hashed).
    pub data: String,
    /// Who caused it (`None`: the operator or the engine).
    pub by: Option<i64>,
    /// When (microseconds, as stored).
    pub at: i64,
    /// The predecessor's hash, as stored.
    pub prev_hash: String,
    /// Its own hash, as stored.
    pub hash: String,
}

/// A cohort's log as `audit verify` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortAudit {
    /// Cohort id.
    pub cohort: i64,
    /// Its name.
    pub name: String,
    /// Events in its log, as its row counts them.
    pub seq: i64,
    /// The last event's hash, as its row keeps it.
    pub head: String,
    /// Its events, in order.
    pub events: Vec<CohortEvent>,
    /// Its applications: (id, stored state).
    pub applications: Vec<(i64, String)>,
}

/// Mail to queue with a change: template, recipient, what it says (JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeMail {
    /// Template name (`intake_accepted`, ...): the account mail's kind.
    pub template: String,
    /// The recipient.
    pub person: i64,
    /// What it says: variables for the template (JSON object).
    pub data: String,
}

/// One application's change to write.
#[derive(Debug, Clone)]
pub struct ApplicationWrite {
    /// The application.
    pub id: i64,
    /// The version the decision read.
    pub expected: i64,
    /// Its new state.
    pub state: ApplicationState,
    /// Its waiting-list position (kept as it is when `new_position` is false).
    pub position: Option<i64>,
    /// Give it the next waiting-list position of the cohort, read under the
    /// cohort's lock (the event records the one given).
    pub new_position: bool,
    /// When its offer lapses.
    pub offer_expires: Option<Timestamp>,
    /// Set its project to the one started in the same transaction.
    pub takes_project: bool,
    /// Who made the change.
    pub decided_by: Option<i64>,
    /// Words given with it.
    pub note: Option<String>,
    /// Its event (position and project filled in here).
    pub event: IntakeEvent,
    /// Mail to queue.
    pub mail: Vec<IntakeMail>,
}

/// Appends `$event` (an `&IntakeEvent`) to cohort `$cohort`'s log inside
/// the open transaction `$tx`, by `$by` at `$now`: the next seq and the
/// predecessor's hash are read from the cohort's row (locking it), the
/// event's hash written beside it and kept as the new head.
macro_rules! append_cohort_event {
    ($tx:expr, $cohort:expr, $event:expr, $by:expr, $now:expr) => {{
        let cohort: i64 = $cohort;
        let event: &$crate::decide::intake::IntakeEvent = $event;
        let by: Option<i64> = $by;
        let at = $crate::store::micros($now);
        let row = sqlx::query(
            "UPDATE cohorts SET intake_seq = intake_seq + 1 WHERE id = $1 RETURNING intake_seq, intake_head",
        )
        .bind(cohort)
        .fetch_one(&mut *$tx)
        .await?;
        let seq = $crate::store::Columns::int(&row, "intake_seq")?;
        let prev = $crate::store::Columns::text(&row, "intake_head")?;
        let data = event.data_json();
        let hash = $crate::audit::hash(
            &prev,
            $crate::audit::Sealed {
                project: cohort,
                seq,
                at,
                actor: by,
                change: &data,
            },
        );
        sqlx::query(
            "INSERT INTO cohort_events (cohort_id, seq, kind, data, by_person, at, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(cohort)
        .bind(seq)
        .bind(event.kind())
        .bind(&data)
        .bind(by)
        .bind(at)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("UPDATE cohorts SET intake_head = $2 WHERE id = $1")
            .bind(cohort)
            .bind(&hash)
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(super) use append_cohort_event;

/// Queues `$mail` (`&[IntakeMail]`) inside `$tx` at `$now`.
macro_rules! queue_intake_mail {
    ($tx:expr, $mail:expr, $now:expr) => {{
        let mail: &[$crate::store::intake::IntakeMail] = $mail;
        let now = $crate::store::micros($now);
        // Kept a year: intake mail carries no secret and does not lapse.
        let keep = now + 366 * 24 * 3600 * 1_000_000;
        for m in mail {
            let message_id = format!(
                "intake-{}",
                $crate::audit::to_hex(&rand::random::<[u8; 16]>())
            );
            sqlx::query(
                "INSERT INTO account_mail (kind, person_id, link, expires_at, message_id, next_attempt_at, created_at, language, data)
                 VALUES ($1, $2, NULL, $3, $4, $5, $5, NULL, $6)",
            )
            .bind(&m.template)
            .bind(m.person)
            .bind(keep)
            .bind(&message_id)
            .bind(now)
            .bind(&m.data)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}
pub(super) use queue_intake_mail;

/// Writes `$writes` (`&[ApplicationWrite]`) of cohort `$cohort` inside the
/// open transaction `$tx` (the cohort's row already locked), with
/// `$project` (`Option<i64>`) the project started with them; evaluates to
/// the events as sealed (`Vec<IntakeEvent>`). A write whose application moved
/// past its expected version returns [`Error::Conflict`] (the caller's
/// transaction rolls back).
macro_rules! write_applications {
    ($tx:expr, $cohort:expr, $writes:expr, $project:expr, $now:expr) => {{
        let cohort: i64 = $cohort;
        let writes: &[$crate::store::intake::ApplicationWrite] = $writes;
        let project: Option<i64> = $project;
        let mut written = Vec::with_capacity(writes.len());
        for w in writes {
            let position = if w.new_position {
                let row = sqlx::query(
                    "SELECT COALESCE(MAX(position), 0) + 1 AS next FROM applications WHERE cohort_id = $1",
                )
                .bind(cohort)
                .fetch_one(&mut *$tx)
                .await?;
                Some($crate::store::Columns::int(&row, "next")?)
            } else {
                w.position
            };
            let taken_project = if w.takes_project { project } else { None };
            let changed = sqlx::query(
                "UPDATE applications SET state = $3, position = $4, offer_expires = $5,
                     project_id = COALESCE($6, project_id), decided_by = $7, note = $8,
                     version = version + 1, updated_at = $9
                 WHERE id = $1 AND version = $2",
            )
            .bind(w.id)
            .bind(w.expected)
            .bind(w.state.as_str())
            .bind(position)
            .bind(w.offer_expires.map($crate::store::micros))
            .bind(taken_project)
            .bind(w.decided_by)
            .bind(w.note.as_deref())
            .bind($crate::store::micros($now))
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err($crate::store::Error::Conflict {
                    expected: u64::try_from(w.expected).unwrap_or(0),
                });
            }
            let mut event = w.event.clone();
            if let $crate::decide::intake::IntakeEvent::Changed {
                position: p,
                project: q,
                to,
                ..
            } = &mut event
            {
                if *to == $crate::decide::intake::ApplicationState::Waiting {
                    *p = position;
                }
                if taken_project.is_some() {
                    *q = taken_project;
                }
            }
            $crate::store::intake::append_cohort_event!($tx, cohort, &event, w.decided_by, $now);
            if w.new_position {
                // The mail says the position given here, under the lock.
                let mail: Vec<$crate::store::intake::IntakeMail> = w
                    .mail
                    .iter()
                    .map(|m| {
                        let mut data: serde_json::Value =
                            serde_json::from_str(&m.data).unwrap_or(serde_json::Value::Null);
                        if let Some(fields) = data.as_object_mut() {
                            fields.insert("position".into(), serde_json::json!(position));
                        }
                        $crate::store::intake::IntakeMail {
                            data: data.to_string(),
                            ..m.clone()
                        }
                    })
                    .collect();
                $crate::store::intake::queue_intake_mail!($tx, &mail, $now);
            } else {
                $crate::store::intake::queue_intake_mail!($tx, &w.mail, $now);
            }
            written.push(event);
        }
        written
    }};
}
pub(super) use write_applications;

const APPLICATION_COLUMNS: &str = "id, cohort_id, person_id, kind, supervisor_id, reason, state, position, offer_expires, project_id, decided_by, note, version, created_at, updated_at";

fn application_row(r: &impl Columns) -> Result<StoredApplication, Error> {
    let id = r.int("id")?;
    let kind = r.text("kind")?;
    let state = r.text("state")?;
    Ok(StoredApplication {
        application: Application {
            id,
            cohort: r.int("cohort_id")?,
            person: r.int("person_id")?,
            kind: ApplicationKind::parse(&kind)
                .ok_or_else(|| Error::Corrupt(format!("application {id}: kind '{kind}'")))?,
            supervisor: r.opt_int("supervisor_id")?,
            reason: r.text("reason")?,
            state: ApplicationState::parse(&state)
                .ok_or_else(|| Error::Corrupt(format!("application {id}: state '{state}'")))?,
            position: r.opt_int("position")?,
            offer_expires: r.opt_int("offer_expires")?.map(instant).transpose()?,
            project: r.opt_int("project_id")?,
            version: r.int("version")?,
        },
        decided_by: r.opt_int("decided_by")?,
        note: r.opt_text("note")?,
        created_at: instant(r.int("created_at")?)?,
        updated_at: instant(r.int("updated_at")?)?,
    })
}

fn event_row(r: &impl Columns) -> Result<CohortEvent, Error> {
    Ok(CohortEvent {
        cohort: r.int("cohort_id")?,
        seq: r.int("seq")?,
        kind: r.text("kind")?,
        data: r.text("data")?,
        by: r.opt_int("by_person")?,
        at: r.int("at")?,
        prev_hash: r.text("prev_hash")?,
        hash: r.text("hash")?,
    })
}

impl Store {
    /// Opens (`open`, with `offer_days` when given) or closes cohort
    /// `cohort`'s intake, with its event, in one transaction.
    pub(crate) async fn set_intake(
        &self,
        cohort: i64,
        open: bool,
        offer_days: Option<u32>,
        event: &IntakeEvent,
        by: Option<i64>,
        now: Timestamp,
    ) -> Result<(), Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE cohorts SET intake = $2, offer_days = COALESCE($3, offer_days) WHERE id = $1")
                .bind(cohort)
                .bind(if open { "open" } else { "closed" })
                .bind(offer_days.map(i64::from))
                .execute(&mut *tx)
                .await?;
            append_cohort_event!(tx, cohort, event, by, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records a new application to cohort `cohort` (named `name`, for the
    /// refusals) with its event and mail (`mail` given its id), in one
    /// transaction; its id. Refused when the cohort closed meanwhile
    /// (`intake-closed`) or the person has a live application to it
    /// (`application-exists`).
    pub(crate) async fn insert_application(
        &self,
        cohort: i64,
        name: &str,
        new: &NewApplication,
        by: Option<i64>,
        mail: impl FnOnce(i64) -> Vec<IntakeMail>,
        now: Timestamp,
    ) -> Result<i64, Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // The cohort's row first: locked, and its intake read under the lock.
            let intake = sqlx::query("UPDATE cohorts SET intake_seq = intake_seq WHERE id = $1 RETURNING intake")
                .bind(cohort)
                .fetch_one(&mut *tx)
                .await?
                .text("intake")?;
            if intake != "open" {
                return Err(Error::Refused(Reason::new(
                    "intake-closed",
                    vec![("cohort", Arg::Text(name.to_owned()))],
                )));
            }
            let inserted = sqlx::query(
                "INSERT INTO applications (cohort_id, person_id, kind, supervisor_id, reason, state, version, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id",
            )
            .bind(cohort)
            .bind(new.person)
            .bind(new.kind.as_str())
            .bind(new.supervisor)
            .bind(&new.reason)
            .bind(new.state.as_str())
            .bind(micros(now))
            .fetch_one(&mut *tx)
            .await;
            let id = match inserted {
                Ok(row) => row.int("id")?,
                Err(e) if super::is_unique_violation(&e) => {
                    return Err(Error::Refused(Reason::new(
                        "application-exists",
                        vec![("cohort", Arg::Text(name.to_owned()))],
                    )));
                }
                Err(e) => return Err(e.into()),
            };
            append_cohort_event!(tx, cohort, &new.event(id), by, now);
            queue_intake_mail!(tx, &mail(id), now);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Writes changes of cohort `cohort`'s applications in one transaction,
    /// changing its taken places by `places` (refused with `cohort-full`,
    /// naming `name` and `capacity`, when that would pass capacity).
    pub(crate) async fn change_applications(
        &self,
        (cohort, name, capacity): (i64, &str, u32),
        places: i64,
        writes: &[ApplicationWrite],
        now: Timestamp,
    ) -> Result<Vec<IntakeEvent>, Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // The cohort's row first (locked), the place taken or given back.
            let placed = sqlx::query(
                "UPDATE cohorts SET taken = CASE WHEN taken + $2 < 0 THEN 0 ELSE taken + $2 END
                 WHERE id = $1 AND taken + $2 <= capacity",
            )
            .bind(cohort)
            .bind(places)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if placed == 0 {
                return Err(Error::Refused(Reason::new(
                    "cohort-full",
                    vec![
                        ("cohort", Arg::Text(name.to_owned())),
                        ("capacity", Arg::int(capacity)),
                    ],
                )));
            }
            let written = write_applications!(tx, cohort, writes, None, now);
            tx.commit().await?;
            Ok(written)
        })
    }

    /// The application with id `id`.
    pub(crate) async fn application(&self, id: i64) -> Result<StoredApplication, Error> {
        let sql = format!("SELECT {APPLICATION_COLUMNS} FROM applications WHERE id = $1");
        let row = with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|r| application_row(&r)));
        row.transpose()?.ok_or_else(|| {
            Error::NotFound(Reason::new(
                "application-unknown",
                vec![("application", Arg::int(id))],
            ))
        })
    }

    /// Applications by one column's value (`cohort_id`, `person_id` or
    /// `supervisor_id`), oldest first.
    async fn applications_where(
        &self,
        column: &str,
        value: i64,
    ) -> Result<Vec<StoredApplication>, Error> {
        debug_assert!(matches!(
            column,
            "cohort_id" | "person_id" | "supervisor_id"
        ));
        let sql = format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE {column} = $1 ORDER BY id"
        );
        with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(value)
            .fetch_all(pool)
            .await?
            .iter()
            .map(application_row)
            .collect())
    }

    /// Every application to cohort `cohort`, oldest first.
    pub(crate) async fn cohort_applications(
        &self,
        cohort: i64,
    ) -> Result<Vec<StoredApplication>, Error> {
        self.applications_where("cohort_id", cohort).await
    }

    /// Every application of the candidate `person`, oldest first.
    pub(crate) async fn person_applications(
        &self,
        person: i64,
    ) -> Result<Vec<StoredApplication>, Error> {
        self.applications_where("person_id", person).await
    }

    /// Every application naming `person` as its supervisor, oldest first.
    pub(crate) async fn supervised_applications(
        &self,
        person: i64,
    ) -> Result<Vec<StoredApplication>, Error> {
        self.applications_where("supervisor_id", person).await
    }

    /// Offers open past `now` (oldest deadline first), at most `limit`.
    pub(crate) async fn lapsed_offers(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<StoredApplication>, Error> {
        let sql = format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE state = 'offered' AND offer_expires <= $1 ORDER BY offer_expires, id LIMIT $2"
        );
        with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(micros(now))
            .bind(limit)
            .fetch_all(pool)
            .await?
            .iter()
            .map(application_row)
            .collect())
    }

    /// Whether `person` has a live application to `cohort`.
    pub(crate) async fn has_live_application(
        &self,
        cohort: i64,
        person: i64,
    ) -> Result<bool, Error> {
        with_db!(self, pool => Ok(sqlx::query(
            "SELECT 1 AS one FROM applications WHERE cohort_id = $1 AND person_id = $2 AND state NOT IN ('declined', 'withdrawn', 'expired')",
        )
        .bind(cohort)
        .bind(person)
        .fetch_optional(pool)
        .await?
        .is_some()))
    }

    /// The last waiting-list position given in `cohort` (0: none).
    pub(crate) async fn last_position(&self, cohort: i64) -> Result<i64, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT COALESCE(MAX(position), 0) AS last FROM applications WHERE cohort_id = $1",
        )
        .bind(cohort)
        .fetch_one(pool)
        .await?
        .int("last"))
    }

    /// Ids of the cohorts open for applications, by name.
    pub(crate) async fn open_cohort_ids(&self) -> Result<Vec<i64>, Error> {
        with_db!(self, pool => sqlx::query("SELECT id FROM cohorts WHERE intake = 'open' ORDER BY name")
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.int("id"))
            .collect())
    }

    /// Sets whether the person `person` is a supervisor in the directory.
    pub(crate) async fn set_supervisor(&self, person: i64, supervisor: bool) -> Result<(), Error> {
        with_db!(self, pool => {
            sqlx::query("UPDATE people SET supervisor = $2 WHERE id = $1")
            .bind(person)
            .bind(supervisor)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Sets whether requests to program `program`'s cohorts need endorsement.
    pub(crate) async fn set_endorsement(
        &self,
        program: i64,
        endorsement: bool,
    ) -> Result<(), Error> {
        with_db!(self, pool => {
            sqlx::query("UPDATE programs SET endorsement = $2 WHERE id = $1")
            .bind(program)
            .bind(endorsement)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Every cohort's log as `audit verify` reads it, from one snapshot:
    /// its head, its events in order, and each application's stored state.
    pub(crate) async fn cohort_audit_snapshot(&self) -> Result<Vec<CohortAudit>, Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_snapshot().await?;
            let mut cohorts: Vec<CohortAudit> = Vec::new();
            for r in sqlx::query("SELECT id, name, intake_seq, intake_head FROM cohorts ORDER BY id")
                .fetch_all(&mut *tx)
                .await?
            {
                cohorts.push(CohortAudit {
                    cohort: r.int("id")?,
                    name: r.text("name")?,
                    seq: r.int("intake_seq")?,
                    head: r.text("intake_head")?,
                    events: Vec::new(),
                    applications: Vec::new(),
                });
            }
            let index: std::collections::HashMap<i64, usize> =
                cohorts.iter().enumerate().map(|(i, c)| (c.cohort, i)).collect();
            for r in sqlx::query(
                "SELECT cohort_id, seq, kind, data, by_person, at, prev_hash, hash FROM cohort_events ORDER BY cohort_id, seq",
            )
            .fetch_all(&mut *tx)
            .await?
            {
                let event = event_row(&r)?;
                if let Some(&i) = index.get(&event.cohort) {
                    cohorts[i].events.push(event);
                }
            }
            for r in sqlx::query("SELECT id, cohort_id, state FROM applications ORDER BY id")
                .fetch_all(&mut *tx)
                .await?
            {
                if let Some(&i) = index.get(&r.int("cohort_id")?) {
                    cohorts[i].applications.push((r.int("id")?, r.text("state")?));
                }
            }
            tx.commit().await?;
            Ok(cohorts)
        })
    }

    /// Cohort `cohort`'s log, in order.
    pub(crate) async fn cohort_events(&self, cohort: i64) -> Result<Vec<CohortEvent>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT cohort_id, seq, kind, data, by_person, at, prev_hash, hash FROM cohort_events WHERE cohort_id = $1 ORDER BY seq",
        )
        .bind(cohort)
        .fetch_all(pool)
        .await?
        .iter()
        .map(event_row)
        .collect())
    }
}

impl Store {
    /// Ids of cohort `cohort`'s coordinators.
    pub(crate) async fn cohort_coordinators(&self, cohort: i64) -> Result<Vec<i64>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT person_id FROM cohort_members WHERE cohort_id = $1 AND role = 'coordinator' ORDER BY person_id",
        )
        .bind(cohort)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| r.int("person_id"))
        .collect())
    }
}
