-- gradflow (postgres): intake (issue 16, part 1): applications to a cohort and
-- the cohort's own hash-chained log. Numbered in parallel with ../sqlite.
--
-- Final shape:
--   people.supervisor      a manager who may nominate and endorse people of
--                          their own organization
--   programs.endorsement   requests to join need the named supervisor's
--                          endorsement before a coordinator may accept them
--   cohorts.intake         'open' | 'closed': whether nominations and
--                          requests are taken
--   cohorts.offer_days     days a waiting-list offer stays open
--   cohorts.intake_seq     the number of events in the cohort's log
--   cohorts.intake_head    the hash of its last event (the chain's head)
--   applications           one candidate's nomination or request (states:
--                          submitted endorsed accepted waiting offered
--                          declined withdrawn expired), at most one live
--                          (not declined, withdrawn or expired) per
--                          (cohort, person)
--   cohort_events          the cohort's log: append-only, hash-chained

ALTER TABLE people ADD COLUMN supervisor BOOLEAN NOT NULL DEFAULT FALSE;
-- Everyone who supervises a project today is a supervisor in the directory.
UPDATE people SET supervisor = TRUE WHERE id IN (
    SELECT person_id FROM project_members WHERE role = 'supervisor'
    UNION SELECT person_id FROM cohort_members WHERE role = 'supervisor');

ALTER TABLE programs ADD COLUMN endorsement BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE cohorts ADD COLUMN intake TEXT NOT NULL DEFAULT 'closed' CHECK (intake IN ('open', 'closed'));
ALTER TABLE cohorts ADD COLUMN offer_days BIGINT NOT NULL DEFAULT 7;
ALTER TABLE cohorts ADD COLUMN intake_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cohorts ADD COLUMN intake_head TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';

CREATE TABLE applications (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cohort_id     BIGINT  NOT NULL REFERENCES cohorts (id),
    person_id     BIGINT  NOT NULL REFERENCES people (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('nomination', 'request')),
    -- The nominator, or the supervisor a request names (NULL: a request
    -- naming none, allowed when the program needs no endorsement).
    supervisor_id BIGINT  REFERENCES people (id),
    reason        TEXT    NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('submitted', 'endorsed', 'accepted', 'waiting', 'offered', 'declined', 'withdrawn', 'expired')),
    -- Waiting-list order, set when it is put on the list (kept after, so
    -- an offer remembers its place).
    position      BIGINT,
    -- When an offer lapses (microseconds), while offered.
    offer_expires BIGINT,
    -- The project started when it was accepted.
    project_id    BIGINT  REFERENCES projects (id) ON DELETE SET NULL,
    -- Who made the last change (NULL: the operator or the engine), and the
    -- words they gave with a decline or a withdrawal.
    decided_by    BIGINT  REFERENCES people (id),
    note          TEXT,
    version       BIGINT  NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE UNIQUE INDEX applications_live ON applications (cohort_id, person_id)
    WHERE state NOT IN ('declined', 'withdrawn', 'expired');
CREATE INDEX applications_cohort ON applications (cohort_id, state, position);
CREATE INDEX applications_person ON applications (person_id);
CREATE INDEX applications_supervisor ON applications (supervisor_id);
CREATE INDEX applications_offers ON applications (offer_expires) WHERE state = 'offered';

-- The cohort's own log, chained by SHA-256 as projects' events are
-- (engine/src/audit.rs, with the cohort's id in the project's place).
CREATE TABLE cohort_events (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cohort_id BIGINT  NOT NULL REFERENCES cohorts (id),
    seq       BIGINT  NOT NULL,
    kind      TEXT    NOT NULL,
    data      TEXT    NOT NULL,  -- JSON: the very bytes hashed
    by_person BIGINT,
    at        BIGINT  NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL,
    UNIQUE (cohort_id, seq)
);
CREATE FUNCTION cohort_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'cohort events are append-only';
END;
$$;
CREATE TRIGGER cohort_events_no_change BEFORE UPDATE OR DELETE ON cohort_events
    FOR EACH ROW EXECUTE FUNCTION cohort_events_append_only();

-- Intake mail is about a person and a cohort, not a project: it goes
-- through the account mail queue, with what it says as JSON (`kind` is the
-- template's name, e.g. intake_accepted; no link).
ALTER TABLE account_mail ADD COLUMN data TEXT;
