-- The web application: passwords, sessions, each person's language, and
-- evidence files. Numbered in parallel with the other database.

-- An Argon2id hash as a PHC string; NULL: the person cannot sign in yet.
ALTER TABLE people ADD COLUMN password_hash TEXT;
-- 'en' or 'ar'; NULL: the browser's language until they choose.
ALTER TABLE people ADD COLUMN language TEXT;

-- A signed-in browser. Only the SHA-256 of the cookie's random token is
-- kept: a copy of the database does not let anyone sign in as anybody.
CREATE TABLE sessions (
    token_hash TEXT   PRIMARY KEY,
    person_id  BIGINT NOT NULL REFERENCES people (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_person ON sessions (person_id);

-- Evidence files of a project; the bytes live in the files folder, named by
-- their SHA-256 (the same file uploaded twice is stored once).
CREATE TABLE evidence (
    id          INTEGER PRIMARY KEY,
    project_id  BIGINT  NOT NULL REFERENCES projects (id),
    sha256      TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    size        BIGINT  NOT NULL,
    uploader_id BIGINT  NOT NULL REFERENCES people (id),
    at          BIGINT  NOT NULL
);
CREATE INDEX evidence_project ON evidence (project_id, id);
