-- gradflow foundation (SQLite). Numbered in parallel with ../postgres.
-- Instants are BIGINT microseconds since the Unix epoch, UTC (columns *_at).

CREATE TABLE definitions (
    id           INTEGER PRIMARY KEY,
    key          TEXT    NOT NULL,
    version      BIGINT  NOT NULL,
    title        TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    source_hash  TEXT    NOT NULL,
    published_at BIGINT  NOT NULL,
    UNIQUE (key, version)
);

CREATE TABLE people (
    id           INTEGER PRIMARY KEY,
    email        TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    organization TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL
);

CREATE TABLE programs (
    id           INTEGER PRIMARY KEY,
    key          TEXT    NOT NULL UNIQUE,
    title        TEXT    NOT NULL,
    workflow_key TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL
);

CREATE TABLE cohorts (
    id         INTEGER PRIMARY KEY,
    program_id BIGINT  NOT NULL REFERENCES programs (id),
    name       TEXT    NOT NULL UNIQUE,
    time_zone  TEXT    NOT NULL,
    dates      TEXT    NOT NULL,  -- JSON object: name -> YYYY-MM-DD
    holidays   TEXT    NOT NULL,  -- JSON array of YYYY-MM-DD
    capacity   BIGINT  NOT NULL,
    created_at BIGINT  NOT NULL
);

CREATE TABLE cohort_members (
    cohort_id BIGINT NOT NULL REFERENCES cohorts (id),
    person_id BIGINT NOT NULL REFERENCES people (id),
    role      TEXT   NOT NULL,
    PRIMARY KEY (cohort_id, person_id, role)
);

CREATE TABLE projects (
    id            INTEGER PRIMARY KEY,
    cohort_id     BIGINT  NOT NULL REFERENCES cohorts (id),
    definition_id BIGINT  NOT NULL REFERENCES definitions (id),
    title         TEXT    NOT NULL,
    stage         TEXT    NOT NULL,
    version       BIGINT  NOT NULL,
    head          TEXT    NOT NULL,  -- hash of the last event: the audit chain's head
    state         TEXT    NOT NULL,  -- JSON, the engine's ProjectState
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX projects_cohort ON projects (cohort_id, stage);

CREATE TABLE project_members (
    project_id BIGINT NOT NULL REFERENCES projects (id),
    person_id  BIGINT NOT NULL REFERENCES people (id),
    role       TEXT   NOT NULL,
    PRIMARY KEY (project_id, person_id, role)
);
CREATE INDEX project_members_person ON project_members (person_id);

-- Append-only, hash-chained per project.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    project_id BIGINT  NOT NULL REFERENCES projects (id),
    seq        BIGINT  NOT NULL,
    at         BIGINT  NOT NULL,
    actor_id   BIGINT  REFERENCES people (id),
    change     TEXT    NOT NULL,  -- JSON
    prev_hash  TEXT    NOT NULL,
    hash       TEXT    NOT NULL,
    UNIQUE (project_id, seq)
);

-- Set and cancelled in the same transaction as the event that causes them.
CREATE TABLE timers (
    id         INTEGER PRIMARY KEY,
    project_id BIGINT  NOT NULL REFERENCES projects (id),
    key        TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    due_at     BIGINT  NOT NULL,
    spec       TEXT    NOT NULL,  -- JSON: roles, template, recurrence
    state      TEXT    NOT NULL DEFAULT 'pending',  -- pending | fired (a stage left deletes its pending timers)
    created_at BIGINT  NOT NULL
);
CREATE INDEX timers_due ON timers (state, due_at);
CREATE UNIQUE INDEX timers_pending_key ON timers (project_id, key) WHERE state = 'pending';

-- The transactional outbox: written with its cause, delivered by a worker.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    project_id   BIGINT  NOT NULL REFERENCES projects (id),
    event_seq    BIGINT  NOT NULL,
    template     TEXT    NOT NULL,
    recipient_id BIGINT  NOT NULL REFERENCES people (id),
    dedupe_key   TEXT    NOT NULL UNIQUE,
    state        TEXT    NOT NULL DEFAULT 'pending',  -- pending | sent | dead
    attempts     BIGINT  NOT NULL DEFAULT 0,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX outbox_state ON outbox (state, id);

-- A retried command with the same key returns the first result.
CREATE TABLE idempotency (
    actor_id   BIGINT NOT NULL REFERENCES people (id),
    key        TEXT   NOT NULL,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    response   TEXT   NOT NULL,  -- JSON of the first result
    created_at BIGINT NOT NULL,
    PRIMARY KEY (actor_id, key)
);

-- The log is append-only: the product never changes or removes an event.
-- (Someone with the database file can still drop these; `gradflow audit
-- verify` catches what they then change.)
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
