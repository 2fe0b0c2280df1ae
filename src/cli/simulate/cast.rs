//! The simulated people and the roles they hold, read from the workflow's
//! roles (no role name is special but `coordinator`):
//!
//! - the workflow's first role is the person whose project it is (the
//!   trainee, the service owner): one person per project;
//! - `coordinator`, when the workflow has it, is one member of staff who
//!   coordinates the whole cohort (a cohort-wide role, as `cohort create
//!   --coordinator` gives);
//! - every other role is held by staff shared by a team of up to
//!   [`TEAM`] consecutive projects, as many people per project as the role
//!   needs: the evaluators an assessment takes, the approvers `need: N` asks
//!   for, else one. They are given their roles when the project starts.
//!
//! Everyone is a different person, so no conflict of interest can arise.

use std::collections::HashMap;

use gradflow_engine::definition::{Need, Workflow};

/// Projects sharing the same staff (supervisor, committee, chair...).
pub const TEAM: usize = 10;

/// The cohort-wide role, if the workflow has it.
const COORDINATOR: &str = "coordinator";

/// One simulated person.
#[derive(Debug, Clone)]
pub struct Person {
    /// Login and mail address.
    pub email: String,
    /// Full name, as messages and the timeline show it.
    pub name: String,
    /// The role they were created for.
    pub role: String,
}

/// A role held by team staff: where its people start in [`Cast::people`],
/// and how many each project needs.
#[derive(Debug, Clone)]
struct TeamRole {
    role: String,
    first: usize,
    per_project: usize,
}

/// Everyone in the simulation, by index, and who holds what on which project.
#[derive(Debug, Clone)]
pub struct Cast {
    /// Everyone; a person's index is how the simulation names them.
    pub people: Vec<Person>,
    /// The role of the person whose project it is.
    pub owner_role: String,
    /// Index of the cohort's coordinator, if the workflow has the role.
    pub coordinator: Option<usize>,
    /// Staff roles shared by teams of projects.
    teams: Vec<TeamRole>,
    /// Index by email (lower case, as the engine stores it).
    by_email: HashMap<String, usize>,
    /// The workflow's roles in written order, which lists of people follow.
    roles: Vec<String>,
}

impl Cast {
    /// The people for `projects` projects of `workflow`.
    pub fn new(workflow: &Workflow, projects: usize) -> Cast {
        let owner_role = workflow.roles.first().cloned().unwrap_or_default();
        let mut people = Vec::new();
        let add = |people: &mut Vec<Person>, role: &str, n: usize| {
            let index = people.len();
            people.push(Person {
                email: format!("{}.{n}@simulated.example", role.to_lowercase()),
                name: name(index),
                role: role.to_owned(),
            });
        };
        for n in 1..=projects {
            add(&mut people, &owner_role, n);
        }
        let coordinator = workflow.roles.iter().any(|r| r == COORDINATOR).then(|| {
            add(&mut people, COORDINATOR, 1);
            people.len() - 1
        });
        let teams_count = projects.div_ceil(TEAM).max(1);
        let mut teams = Vec::new();
        for role in workflow.roles.iter().skip(1) {
            if role == COORDINATOR {
                continue;
            }
            let per_project = needed(workflow, role);
            let first = people.len();
            for n in 1..=teams_count * per_project {
                add(&mut people, role, n);
            }
            teams.push(TeamRole {
                role: role.clone(),
                first,
                per_project,
            });
        }
        let by_email = people
            .iter()
            .enumerate()
            .map(|(i, p)| (p.email.clone(), i))
            .collect();
        Cast {
            people,
            owner_role,
            coordinator,
            teams,
            by_email,
            roles: workflow.roles.clone(),
        }
    }

    /// Where `role` comes in the workflow's list of roles (unknown roles last).
    pub fn role_rank(&self, role: &str) -> usize {
        self.roles
            .iter()
            .position(|r| r == role)
            .unwrap_or(self.roles.len())
    }

    /// The people holding `role` on project number `project` (0-based).
    pub fn holders(&self, project: usize, role: &str) -> Vec<usize> {
        if role == self.owner_role {
            return vec![project];
        }
        if role == COORDINATOR {
            return self.coordinator.into_iter().collect();
        }
        self.teams
            .iter()
            .find(|t| t.role == role)
            .map(|t| {
                let start = t.first + (project / TEAM) * t.per_project;
                (start..start + t.per_project).collect()
            })
            .unwrap_or_default()
    }

    /// The (email, role) pairs a project starts with: its owner and its
    /// team's staff (the coordinator holds the role through the cohort).
    pub fn members(&self, project: usize) -> Vec<(String, String)> {
        let mut members = vec![(self.people[project].email.clone(), self.owner_role.clone())];
        for t in &self.teams {
            for person in self.holders(project, &t.role) {
                members.push((self.people[person].email.clone(), t.role.clone()));
            }
        }
        members
    }

    /// Adds `n` applicants to the cohort (`--applicants`), each a person of
    /// their own with the role `applicant`; their indexes.
    pub fn add_applicants(&mut self, n: usize) -> Vec<usize> {
        (1..=n)
            .map(|k| {
                let index = self.people.len();
                let email = format!("applicant.{k}@simulated.example");
                self.by_email.insert(email.clone(), index);
                self.people.push(Person {
                    email,
                    name: name(index),
                    role: "applicant".to_owned(),
                });
                index
            })
            .collect()
    }

    /// The person with `email`, if simulated.
    pub fn by_email(&self, email: &str) -> Option<usize> {
        self.by_email.get(&email.to_lowercase()).copied()
    }

    /// `role (Name)`, how the timeline shows a person.
    pub fn label(&self, person: usize) -> String {
        let p = &self.people[person];
        format!("{} ({})", p.role, p.name)
    }
}

/// How many people holding `role` each project needs: the evaluators of an
/// assessment they score, the approvers `need: N` asks of them, else one.
fn needed(workflow: &Workflow, role: &str) -> usize {
    let mut n = 1;
    for stage in &workflow.stages {
        if let Some(a) = &stage.assessment
            && a.by.iter().any(|r| r == role)
        {
            n = n.max(a.evaluators as usize);
        }
        for action in &stage.actions {
            if let Need::AtLeast(k) = action.need
                && action.by.iter().any(|r| r == role)
            {
                n = n.max(k as usize);
            }
        }
    }
    n
}

const FIRST_NAMES: [&str; 24] = [
    "Amal", "Khalid", "Huda", "Salim", "Mona", "Fatma", "Ahmed", "Maryam", "Said", "Aisha",
    "Yousuf", "Noor", "Hamed", "Zainab", "Ali", "Shamsa", "Nasser", "Laila", "Talal", "Badriya",
    "Hilal", "Muna", "Sultan", "Asma",
];

const FAMILY_NAMES: [&str; 20] = [
    "Al-Harthy",
    "Al-Said",
    "Al-Balushi",
    "Al-Rawahi",
    "Al-Kindi",
    "Al-Lawati",
    "Al-Hinai",
    "Al-Busaidi",
    "Al-Maamari",
    "Al-Shukaili",
    "Al-Abri",
    "Al-Siyabi",
    "Al-Habsi",
    "Al-Jabri",
    "Al-Farsi",
    "Al-Mahrouqi",
    "Al-Riyami",
    "Al-Ghafri",
    "Al-Zadjali",
    "Al-Nabhani",
];

/// A name for person `index`: the same every run.
fn name(index: usize) -> String {
    let first = FIRST_NAMES[index % FIRST_NAMES.len()];
    let family = FAMILY_NAMES[(index + index / FIRST_NAMES.len() * 7) % FAMILY_NAMES.len()];
    format!("{first} {family}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradflow_engine::definition::{self, Templates};

    #[test]
    fn roles_are_cast_from_the_workflow() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/workflows/graduation-excellence/workflow.yaml"
        ))
        .unwrap();
        let workflow = definition::parse(&text, Templates::Unchecked).unwrap();
        let cast = Cast::new(&workflow, 12);
        assert_eq!(cast.owner_role, "trainee");
        assert_eq!(cast.people[0].name, "Amal Al-Harthy");
        assert_eq!(cast.holders(3, "trainee"), vec![3]);
        // Three evaluators per project; projects 1-10 share a committee, 11-12 another.
        let committee = cast.holders(0, "committee");
        assert_eq!(committee.len(), 3);
        assert_eq!(cast.holders(9, "committee"), committee);
        assert_ne!(cast.holders(10, "committee"), committee);
        assert_eq!(
            cast.holders(5, "coordinator"),
            vec![cast.coordinator.unwrap()]
        );
        let members = cast.members(0);
        assert_eq!(members.len(), 1 + 1 + 3 + 1, "{members:?}");
        assert_eq!(cast.by_email("Trainee.2@simulated.example"), Some(1));
    }
}
