-- gradflow on SQLite: API tokens (issue 17). A person's bearer tokens for
-- the JSON API under /api: only the SHA-256 of the token is kept (a copy
-- of the database lets nobody call the API as anybody), with a scope
-- ('read' or 'read-write'), an expiry and a revocation. Numbered in
-- parallel with ../postgres.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    person_id    BIGINT  NOT NULL REFERENCES people (id),
    name         TEXT    NOT NULL,
    scope        TEXT    NOT NULL CHECK (scope IN ('read', 'read-write')),
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_person ON api_tokens (person_id, id);
