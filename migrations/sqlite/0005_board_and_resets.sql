-- A cohort's board counts and lists overdue projects without reading every
-- project's state: the state's overdue mark, kept beside it on each write.
ALTER TABLE projects ADD COLUMN overdue_since BIGINT;  -- microseconds; NULL: not overdue
UPDATE projects
SET overdue_since = CAST(unixepoch(json_extract(state, '$.overdue_since'), 'subsec') * 1000000 AS INTEGER)
WHERE json_extract(state, '$.overdue_since') IS NOT NULL;
-- The board's counts read this index alone; its overdue list walks the
-- second in order and stops after a page.
CREATE INDEX projects_board ON projects (cohort_id, definition_id, stage, overdue_since);
CREATE INDEX projects_overdue ON projects (cohort_id, overdue_since, id) WHERE overdue_since IS NOT NULL;

-- A password reset link sent by mail. Only the SHA-256 of its token is kept;
-- it is removed when used, and is worthless after expires_at.
CREATE TABLE password_resets (
    token_hash TEXT   PRIMARY KEY,
    person_id  BIGINT NOT NULL REFERENCES people (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX password_resets_person ON password_resets (person_id);
