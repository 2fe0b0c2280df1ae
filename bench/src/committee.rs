//! Committee assignment in memory (issue 15's figure): 3 evaluators for
//! each of 1,000 projects from a pool of 100 people in 10 organizations,
//! with supervisors drawn partly from the pool and 300 declared conflicts
//! (with trainees and with organizations). The pure `committee::assign`
//! is timed over whole cohorts; the load spread of the result is reported
//! and every pick is checked against the rules.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::ensure;
use gradflow_engine::decide::Member;
use gradflow_engine::decide::committee::{self, ConflictWith, Declared, Need, Pool, PoolMember};

use crate::fixture;
use crate::report::Measure;

/// Projects in the cohort.
pub const PROJECTS: usize = 1_000;
/// Pool members.
pub const POOL: usize = 100;
/// Evaluators per project.
pub const EVALUATORS: u32 = 3;
/// Organizations people belong to.
const ORGANIZATIONS: u64 = 10;
/// Declared conflicts.
const CONFLICTS: usize = 300;

/// What the run found.
pub struct Run {
    /// One operation per whole-cohort assignment.
    pub measure: Measure,
    /// Most and least loaded pool members (evaluators only: the chair chairs).
    pub loads: (u32, u32),
    /// Projects refused (pool too small for them).
    pub refused: usize,
}

/// A small deterministic generator (splitmix64): the same cohort every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn organization(n: u64) -> String {
    format!("Ministry {n}")
}

/// Times `committee::assign` over the cohort for about `seconds`.
pub fn run(seconds: Duration) -> anyhow::Result<Run> {
    let workflow = fixture::workflow()?;
    let mut rng = Rng(15);
    let mut pool = Pool::default();
    for i in 0..POOL {
        pool.members.push(PoolMember {
            person: 10_000 + i as i64,
            organization: organization(rng.below(ORGANIZATIONS)),
            load: 0,
            chair: i == 0,
        });
    }
    let mut projects: Vec<Vec<Member>> = Vec::with_capacity(PROJECTS);
    for i in 0..PROJECTS {
        let trainee = 1 + i as i64;
        pool.organizations
            .insert(trainee, organization(rng.below(ORGANIZATIONS)));
        let supervisor = if rng.below(10) == 0 {
            10_000 + rng.below(POOL as u64) as i64
        } else {
            50_000 + i as i64
        };
        projects.push(vec![
            Member {
                person: trainee,
                role: "trainee".into(),
            },
            Member {
                person: supervisor,
                role: "supervisor".into(),
            },
        ]);
    }
    for _ in 0..CONFLICTS {
        let person = 10_000 + rng.below(POOL as u64) as i64;
        let with = if rng.below(2) == 0 {
            ConflictWith::Trainee(1 + rng.below(PROJECTS as u64) as i64)
        } else {
            ConflictWith::Organization(organization(rng.below(ORGANIZATIONS)))
        };
        pool.declared.push(Declared { person, with });
    }
    let needs: Vec<Need<'_>> = projects
        .iter()
        .enumerate()
        .map(|(i, members)| Need {
            project: i as i64,
            members,
            wanted: EVALUATORS,
            not: &[],
        })
        .collect();
    let mut measure = Measure::default();
    let started = Instant::now();
    let mut result = Vec::new();
    let mut seed = 0;
    while started.elapsed() < seconds || measure.ops == 0 {
        let one = Instant::now();
        result = committee::assign(&workflow, "committee", &pool, &needs, seed);
        measure
            .latencies
            .push(u32::try_from(one.elapsed().as_micros()).unwrap_or(u32::MAX));
        measure.ops += 1;
        seed += 1;
    }
    measure.elapsed = started.elapsed();
    // Every pick obeys the rules; loads of the last run.
    let mut loads: BTreeMap<i64, u32> = pool
        .members
        .iter()
        .filter(|m| !m.chair)
        .map(|m| (m.person, 0))
        .collect();
    let mut refused = 0;
    for (need, picked) in needs.iter().zip(&result) {
        match picked {
            Ok(picked) => {
                ensure!(
                    picked.len() == EVALUATORS as usize,
                    "project {} got {} evaluators",
                    need.project,
                    picked.len()
                );
                for p in picked {
                    let member = pool
                        .members
                        .iter()
                        .find(|m| m.person == *p)
                        .expect("a pool member");
                    ensure!(
                        committee::excluded(&workflow, "committee", &pool, member, need.members)
                            .is_none()
                            && !member.chair,
                        "project {}: {p} breaks a rule",
                        need.project
                    );
                    *loads.get_mut(p).expect("a pool member") += 1;
                }
            }
            Err(_) => refused += 1,
        }
    }
    let most = loads.values().copied().max().unwrap_or(0);
    let least = loads.values().copied().min().unwrap_or(0);
    Ok(Run {
        measure,
        loads: (most, least),
        refused,
    })
}
