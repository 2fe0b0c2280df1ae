-- gradflow (sqlite): committee pools and declared conflicts. Numbered in
-- parallel with ../postgres.

-- A cohort's committee pool: the people evaluators are drawn from, one of
-- them its chair. Being in a pool is NOT a role: it reveals no project
-- (a pool member sees only the projects they are assigned to).
CREATE TABLE committee_pool (
    cohort_id INTEGER NOT NULL REFERENCES cohorts (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    chair     INTEGER NOT NULL DEFAULT 0,
    added_at  INTEGER NOT NULL,
    PRIMARY KEY (cohort_id, person_id)
);
-- At most one chair per pool.
CREATE UNIQUE INDEX committee_pool_one_chair ON committee_pool (cohort_id) WHERE chair = 1;

-- A conflict a person declared (or a coordinator declared for them): with
-- one trainee, or with a whole organization; who recorded it and when.
CREATE TABLE declared_conflicts (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people (id),
    trainee_id   INTEGER REFERENCES people (id),
    organization TEXT,
    reason       TEXT    NOT NULL,
    declared_by  TEXT    NOT NULL,
    declared_at  INTEGER NOT NULL,
    CHECK ((trainee_id IS NULL) <> (organization IS NULL))
);
CREATE INDEX declared_conflicts_person ON declared_conflicts (person_id);
