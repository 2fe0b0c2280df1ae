-- gradflow (postgres): reads that stay fast on a million projects. A person's
-- home page and the API's project list start from the cohorts a person
-- holds a role on (store/viewer.rs `visible_ids`); the primary key of
-- cohort_members starts with the cohort, so finding a person's cohorts
-- walked the whole table. Numbered in parallel with ../sqlite.
CREATE INDEX cohort_members_person ON cohort_members (person_id, cohort_id);
