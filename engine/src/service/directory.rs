//! Publishing definitions, and the people, programs and cohorts projects
//! hang on: their rules, then one store call each.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use super::{Engine, Error, input};
use crate::certificate::Staff;
use crate::definition::{self, Templates, Workflow};
use crate::store::{
    Cohort, NewCohort, NewDefinition, Person, Program, Published, StoredDefinition, Summary,
};

/// Most places a cohort may have.
pub const MAX_CAPACITY: u32 = 100_000;

/// What publishing one definition did.
#[derive(Debug, Clone, Serialize)]
pub struct PublishOutcome {
    /// Workflow key.
    pub key: String,
    /// Version.
    pub version: u32,
    /// Created, unchanged or replaced.
    pub result: Published,
}

impl Engine {
    /// Publishes definition texts without templates (see [`Engine::publish_with_templates`]).
    pub async fn publish(
        &self,
        sources: &[String],
        now: Timestamp,
    ) -> Result<Vec<PublishOutcome>, Error> {
        let with: Vec<(String, BTreeMap<String, String>)> = sources
            .iter()
            .map(|s| (s.clone(), BTreeMap::new()))
            .collect();
        self.publish_with_templates(&with, now).await
    }

    /// Publishes definitions with their message templates (file name ->
    /// text), all or none: each must validate (its templates are checked by
    /// whoever read them from its folder), and a version that has projects
    /// never changes, templates included.
    pub async fn publish_with_templates(
        &self,
        definitions: &[(String, BTreeMap<String, String>)],
        now: Timestamp,
    ) -> Result<Vec<PublishOutcome>, Error> {
        let sources: Vec<&String> = definitions.iter().map(|(s, _)| s).collect();
        let mut parsed: Vec<Workflow> = Vec::with_capacity(sources.len());
        for source in sources {
            let workflow = definition::parse(source, Templates::Unchecked).map_err(|problems| {
                let first = &problems[0];
                Error::invalid(format!(
                    "the definition does not validate ({} problem(s)); the first, at line {}, column {}: {}",
                    problems.len(),
                    first.line,
                    first.column,
                    first.message
                ))
            })?;
            if let Some(other) = parsed
                .iter()
                .find(|w| w.key == workflow.key && w.version == workflow.version)
            {
                return Err(Error::invalid(format!(
                    "{} version {} is given twice; publish one text per version",
                    other.key, other.version
                )));
            }
            parsed.push(workflow);
        }
        let new: Vec<NewDefinition<'_>> = parsed
            .iter()
            .zip(definitions)
            .map(|(w, (source, templates))| NewDefinition {
                key: &w.key,
                version: w.version,
                title: w.title.default_text(),
                source,
                templates,
            })
            .collect();
        let results = self.store.publish_definitions(&new, now).await?;
        Ok(parsed
            .iter()
            .zip(results)
            .map(|(w, result)| PublishOutcome {
                key: w.key.clone(),
                version: w.version,
                result,
            })
            .collect())
    }

    /// Every published definition version.
    pub async fn definitions(&self) -> Result<Vec<StoredDefinition>, Error> {
        Ok(self.store.definitions().await?)
    }

    /// Registers a person; the email must be new.
    pub async fn add_person(
        &self,
        email: &str,
        name: &str,
        organization: &str,
        now: Timestamp,
    ) -> Result<Person, Error> {
        let email = input::email(email)?;
        let name = input::line("name", name)?;
        let organization = input::optional_line("organization", organization)?;
        Ok(self
            .store
            .add_person(&email, &name, &organization, now)
            .await?)
    }

    /// Sets whether the person registered as `email` takes their reminders
    /// and escalations as one digest instead of one email each.
    pub async fn set_digest(&self, email: &str, digest: bool) -> Result<Person, Error> {
        let person = self.store.person(&input::email(email)?).await?;
        self.store.set_digest(person.id, digest).await?;
        Ok(Person { digest, ..person })
    }

    /// The person registered as `email`.
    pub async fn person(&self, email: &str) -> Result<Person, Error> {
        Ok(self.store.person(&input::email(email)?).await?)
    }

    /// The person with id `id`.
    pub async fn person_by_id(&self, id: i64) -> Result<Person, Error> {
        Ok(self.store.person_by_id(id).await?)
    }

    /// Everyone, by email.
    pub async fn people(&self) -> Result<Vec<Person>, Error> {
        Ok(self.store.people().await?)
    }

    /// Creates a program running workflow `workflow_key`, which must be published.
    pub async fn create_program(
        &self,
        key: &str,
        title: &str,
        workflow_key: &str,
        now: Timestamp,
    ) -> Result<Program, Error> {
        let key = input::key("program key", key)?;
        let title = input::line("program-title", title)?;
        let workflow_key = workflow_key.trim();
        self.store.latest_definition(workflow_key).await?;
        Ok(self
            .store
            .create_program(&key, &title, workflow_key, now)
            .await?)
    }

    /// Creates a cohort with its coordinators, in one transaction. Its dates
    /// must be exactly the ones its workflow uses (a date it does not use is
    /// a typing mistake), and it takes 1 to [`MAX_CAPACITY`] projects.
    pub async fn create_cohort(&self, cohort: NewCohort, now: Timestamp) -> Result<Cohort, Error> {
        let mut cohort = cohort;
        cohort.name = input::line("cohort-name", &cohort.name)?;
        if cohort.capacity == 0 || cohort.capacity > MAX_CAPACITY {
            return Err(Error::invalid(format!(
                "a cohort takes 1 to {MAX_CAPACITY} projects, not {}",
                cohort.capacity
            )));
        }
        crate::calendar::Calendar::new(
            &cohort.time_zone,
            cohort.dates.clone(),
            cohort.holidays.clone(),
            cohort.weekend,
        )
        .map_err(|e| Error::invalid(e.to_string()))?;
        let program = self.store.program(cohort.program.trim()).await?;
        let stored = self.store.latest_definition(&program.workflow_key).await?;
        let workflow = super::parse_stored(&stored)?;
        let missing = workflow.missing_cohort_dates(&cohort.dates);
        if !missing.is_empty() {
            return Err(Error::invalid(format!(
                "workflow {} needs these cohort dates: {}",
                workflow.key,
                missing.join(", ")
            )));
        }
        let unused: Vec<&str> = cohort
            .dates
            .keys()
            .filter(|d| !workflow.cohort_dates.contains(*d))
            .map(String::as_str)
            .collect();
        if !unused.is_empty() {
            let used: Vec<&str> = workflow.cohort_dates.iter().map(String::as_str).collect();
            return Err(Error::invalid(format!(
                "workflow {} uses no cohort date named {} (it uses: {})",
                workflow.key,
                unused.join(", "),
                if used.is_empty() {
                    "none".to_owned()
                } else {
                    used.join(", ")
                }
            )));
        }
        let mut coordinators = Vec::with_capacity(cohort.coordinators.len());
        for email in &cohort.coordinators {
            let id = self.person_id(email).await?;
            // Train-the-trainer: the program may ask its coordinators for a certificate.
            self.check_staff(&program, Some(id), email.trim(), Staff::Coordinator, now)
                .await?;
            coordinators.push(id);
        }
        Ok(self
            .store
            .create_cohort(&program, &cohort, &coordinators, &stored, now)
            .await?)
    }

    /// The cohort named `name`.
    pub async fn cohort(&self, name: &str) -> Result<Cohort, Error> {
        Ok(self.store.cohort(name).await?)
    }

    /// The cohort with id `id`.
    pub async fn cohort_by_id(&self, id: i64) -> Result<Cohort, Error> {
        Ok(self.store.cohort_by_id(id).await?)
    }

    /// The people holding a cohort-wide role: (role, email) pairs.
    pub async fn cohort_members(&self, cohort: &Cohort) -> Result<Vec<(String, String)>, Error> {
        Ok(self.store.cohort_members(cohort.id).await?)
    }

    /// Projects, newest first, optionally of one cohort.
    pub async fn projects(&self, cohort: Option<&Cohort>) -> Result<Vec<Summary>, Error> {
        Ok(self.store.projects(cohort.map(|c| c.id)).await?)
    }
}
