//! Places in a cohort and withdrawal (issue 16, parts 2 and 5).
//!
//! - [`Engine::withdraw_trainee`] / [`Engine::withdraw_trainee_as`]: a
//!   trainee withdraws their project, or a coordinator of its cohort (or
//!   the operator) withdraws it with a reason, from any stage that is not
//!   terminal: the core's [`decide::withdraw`] records it in the project's
//!   hash-chained log, its timers are dropped, whom the workflow's
//!   `on: withdrawal` rules name are mailed, and the cohort's place is given
//!   back (`taken - 1`), all in one transaction.

use jiff::Timestamp;

use super::commands::{Outcome, decision_context};
use super::{Engine, Error, Viewer, input};
use crate::decide::{self, committee::Conflicts};

impl Engine {
    /// Withdraws project `project`: `by` is who asks (an email: the
    /// project's trainee or a coordinator of its cohort; `None`: the
    /// operator), `reason` why. Refused with a reason naming who may when
    /// `by` is anyone else; refused when the project is finished or its
    /// workflow marks no withdrawal stage. The cohort's place is given back
    /// in the same transaction.
    pub async fn withdraw_trainee(
        &self,
        project: i64,
        by: Option<&str>,
        reason: &str,
        now: Timestamp,
    ) -> Result<Outcome, Error> {
        let actor = match by {
            Some(email) => Some(self.person_id(&input::email(email)?).await?),
            None => None,
        };
        input::comment(reason)?;
        // A project that moved meanwhile (a timer fired) is decided again.
        let mut tries = 3;
        loop {
            tries -= 1;
            let record = self.store.project(project).await?;
            let (workflow, calendar) = self.context(&record).await?;
            let conflicts = Conflicts::default();
            let ctx = decision_context(&record, &workflow, &calendar, &conflicts);
            let decision = decide::withdraw(&ctx, &record.state, actor, reason, now)
                .map_err(|refused| Error::refused(refused, &workflow))?;
            let frees = super::commands::frees_place(&record, &workflow, &decision);
            match self
                .commit_freeing(project, record.state.version, decision, frees, now)
                .await
            {
                Err(e) if tries > 0 && e.is_race() => continue,
                other => return other,
            }
        }
    }

    /// Withdraws project `project` on behalf of `viewer` (the web's and the
    /// CLI's `--as`): the same rules as [`Engine::withdraw_trainee`]; a
    /// project `viewer` may not see is not found.
    pub async fn withdraw_trainee_as(
        &self,
        viewer: &Viewer,
        project: i64,
        reason: &str,
        now: Timestamp,
    ) -> Result<Outcome, Error> {
        self.view_as(viewer, project).await?;
        self.withdraw_trainee(project, Some(&viewer.person.email), reason, now)
            .await
    }
}
