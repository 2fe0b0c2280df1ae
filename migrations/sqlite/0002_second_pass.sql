-- Second pass (SQLite). Numbered in parallel with ../postgres.

-- A cohort's weekly rest days ("fri,sat"); business days skip them.
ALTER TABLE cohorts ADD COLUMN weekend TEXT NOT NULL DEFAULT 'sat,sun';
-- Places taken, raised in the same statement that checks the capacity, so
-- two starts at once can never both take the last place.
ALTER TABLE cohorts ADD COLUMN taken BIGINT NOT NULL DEFAULT 0;
UPDATE cohorts SET taken = (SELECT COUNT(*) FROM projects p WHERE p.cohort_id = cohorts.id);
-- Grows whenever the cohort's calendar changes, so cached calendars are re-read.
ALTER TABLE cohorts ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

-- Projects pinned to this version. Starting a project raises it on the
-- definition's row, and a publish may replace the text only while it is 0:
-- the row itself orders the two, whatever the interleaving.
ALTER TABLE definitions ADD COLUMN projects BIGINT NOT NULL DEFAULT 0;
UPDATE definitions SET projects = (SELECT COUNT(*) FROM projects p WHERE p.definition_id = definitions.id);

-- What a key was first used for, so a key reused for another request is refused.
ALTER TABLE idempotency ADD COLUMN request TEXT NOT NULL DEFAULT '';
