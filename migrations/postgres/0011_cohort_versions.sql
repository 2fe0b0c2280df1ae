-- gradflow (postgres): a cohort runs one workflow version. Numbered in parallel
-- with ../sqlite.

-- The workflow version a cohort's new projects start on. Set when the
-- cohort is created (the program's latest version then) and moved only by
-- `gradflow cohort pin` or `gradflow workflow migrate`: a version
-- published later applies to new cohorts.
ALTER TABLE cohorts ADD COLUMN definition_id BIGINT REFERENCES definitions (id);

-- Existing cohorts are pinned to the newest version their projects run
-- (what the cohort already runs), or, with no project yet, to the latest
-- version of their program's workflow (what their first project would have
-- taken).
UPDATE cohorts SET definition_id = COALESCE(
    (SELECT d.id FROM projects p JOIN definitions d ON d.id = p.definition_id
     WHERE p.cohort_id = cohorts.id ORDER BY d.version DESC LIMIT 1),
    (SELECT d.id FROM definitions d JOIN programs g ON g.workflow_key = d.key
     WHERE g.id = cohorts.program_id ORDER BY d.version DESC LIMIT 1));

-- Every pin a cohort was given, oldest first: when, to which version, from
-- which, how ('created', 'upgrade' for this migration, 'pin', 'migrate') and
-- by whom (an email, or 'operator' for the command line without one).
CREATE TABLE cohort_pins (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cohort_id     BIGINT  NOT NULL REFERENCES cohorts (id),
    definition_id BIGINT  NOT NULL REFERENCES definitions (id),
    previous_id   BIGINT  REFERENCES definitions (id),
    how           TEXT    NOT NULL,
    by_whom       TEXT    NOT NULL,
    at            BIGINT  NOT NULL
);
CREATE INDEX cohort_pins_cohort ON cohort_pins (cohort_id, id);

INSERT INTO cohort_pins (cohort_id, definition_id, previous_id, how, by_whom, at)
SELECT id, definition_id, NULL, 'upgrade', 'operator', CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT) FROM cohorts WHERE definition_id IS NOT NULL;
