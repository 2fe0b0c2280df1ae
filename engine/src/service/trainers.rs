//! Trainers who were trainees (issue 16, part 4): a certifying program may
//! keep its cohorts' coordinator and committee places for holders of
//! another program's valid certificate (set with `program certify
//! --coordinators-need --committee-needs`), checked wherever the place is
//! given: a cohort's coordinators ([`Engine::create_cohort`]), its pool
//! ([`Engine::pool_add`]), a role given by hand on a project
//! ([`Engine::assign`]) and an import ([`Engine::may_hold_cohort_role`]).
//! The rule is the core's [`StaffNeeds::check`]; this module loads what it
//! reads. And a person's page: their certificates, the cohorts they
//! coordinate and the committees they sit on.

use jiff::Timestamp;
use serde::Serialize;

use super::{Engine, Error, Viewer, input};
use crate::certificate::{Staff, StaffNeeds};
use crate::decide::Member;
use crate::definition::Workflow;
use crate::reason::{Arg, Reason};
use crate::store::{self, Certificate, Cohort, Program};

/// What a person's page shows: who they are, their certificates, the
/// cohorts they coordinate and the committees they sit on.
#[derive(Debug, Clone, Serialize)]
pub struct PersonPage {
    /// Their row id.
    pub id: i64,
    /// Their name.
    pub name: String,
    /// Their organization.
    pub organization: String,
    /// Whether the viewer is this person.
    pub own: bool,
    /// Their certificates, newest first.
    pub certificates: Vec<Certificate>,
    /// The cohorts they coordinate.
    pub coordinates: Vec<Cohort>,
    /// The cohorts whose committee pool they are in, and whether they chair it.
    pub committees: Vec<(Cohort, bool)>,
}

impl Engine {
    /// Whether the person registered as `email` may take the `staff` place
    /// on cohort `cohort` (by id): the one train-the-trainer rule, for
    /// whoever gives such a place (an import checks every row with it
    /// before writing). An email not registered yet holds no certificate.
    /// Reads only; refused with `trainer-certificate-missing`.
    pub async fn may_hold_cohort_role(
        &self,
        cohort: i64,
        email: &str,
        staff: Staff,
        now: Timestamp,
    ) -> Result<(), Error> {
        let email = input::email(email)?;
        let cohort = self.store.cohort_by_id(cohort).await?;
        let program = self.store.program_by_id(cohort.program_id).await?;
        match self.store.person(&email).await {
            Ok(person) => {
                self.check_staff(&program, Some(person.id), &email, staff, now)
                    .await
            }
            Err(store::Error::NotFound(r)) if r.code == "unknown-person" => {
                self.check_staff(&program, None, &email, staff, now).await
            }
            Err(e) => Err(e.into()),
        }
    }

    /// What `program` asks of its staff (nothing when it does not certify).
    pub(super) async fn staff_needs(&self, program: &Program) -> Result<StaffNeeds, Error> {
        Ok(self
            .store
            .certification(program.id)
            .await?
            .map(|c| c.staff)
            .unwrap_or_default())
    }

    /// Refuses `staff` on a cohort of `program` to `person` (`None`: not
    /// registered, named by `email`) when the program keeps the place for
    /// holders of a certificate they do not hold valid at `now`.
    pub(super) async fn check_staff(
        &self,
        program: &Program,
        person: Option<i64>,
        email: &str,
        staff: Staff,
        now: Timestamp,
    ) -> Result<(), Error> {
        let needs = self.staff_needs(program).await?;
        self.check_staff_with(program, &needs, person, email, staff, now)
            .await
    }

    /// [`Engine::check_staff`] with the program's needs already read (an
    /// intake checks every member of every project against one read).
    pub(super) async fn check_staff_with(
        &self,
        program: &Program,
        needs: &StaffNeeds,
        person: Option<i64>,
        email: &str,
        staff: Staff,
        now: Timestamp,
    ) -> Result<(), Error> {
        if needs.of(staff).is_none() {
            return Ok(());
        }
        let held: Vec<_> = match person {
            Some(id) => self
                .store
                .certificates(Some(id), None)
                .await?
                .iter()
                .map(|c| (c.program_id, c.status(now)))
                .collect(),
            None => Vec::new(),
        };
        let Err(required) = needs.check(staff, &held) else {
            return Ok(());
        };
        let required = self.store.program_by_id(required).await?;
        let shown = match person {
            Some(id) => self.store.person_by_id(id).await?.name,
            None => email.to_owned(),
        };
        Err(Error::Forbidden(Reason::new(
            "trainer-certificate-missing",
            vec![
                ("person", Arg::Text(shown)),
                ("role", Arg::Word(staff.as_str())),
                ("program", Arg::Text(program.title.clone())),
                ("required", Arg::Text(required.title)),
            ],
        )))
    }

    /// Refuses an intake's project whose `direct` members give someone a
    /// staff place ([`Staff::of_role`] in `workflow`) they may not take.
    pub(super) async fn check_staff_members(
        &self,
        program: &Program,
        needs: &StaffNeeds,
        workflow: &Workflow,
        direct: &[Member],
        now: Timestamp,
    ) -> Result<(), Error> {
        for member in direct {
            if let Some(staff) = Staff::of_role(workflow, &member.role) {
                self.check_staff_with(program, needs, Some(member.person), "", staff, now)
                    .await?;
            }
        }
        Ok(())
    }

    /// The page of person `person` (by id) as `viewer` may read it: their
    /// own, or that of someone holding a part (a role, a pool place, a
    /// role on a project) in a cohort the viewer coordinates. Anyone else's
    /// is not found, as an id that names nobody.
    pub async fn person_page_as(&self, viewer: &Viewer, person: i64) -> Result<PersonPage, Error> {
        let own = viewer.person.id == person;
        if !own
            && !self
                .store
                .shares_coordinated_cohort(viewer.person.id, person)
                .await?
        {
            return Err(Error::NotFound(Reason::new(
                "person-page-unknown",
                vec![("person", Arg::int(person))],
            )));
        }
        let found = self.store.person_by_id(person).await?;
        let certificates = self.store.certificates(Some(person), None).await?;
        let mut coordinates = Vec::new();
        for id in self.store.coordinated_cohorts(person).await? {
            coordinates.push(self.store.cohort_by_id(id).await?);
        }
        let mut committees = Vec::new();
        for (id, chair) in self.store.committees_of(person).await? {
            committees.push((self.store.cohort_by_id(id).await?, chair));
        }
        Ok(PersonPage {
            id: found.id,
            name: found.name,
            organization: found.organization,
            own,
            certificates,
            coordinates,
            committees,
        })
    }
}
