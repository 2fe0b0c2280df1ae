-- People's data (PostgreSQL): disabled and erased accounts, the admin log,
-- evidence and mail bodies removed by retention, and the one sanctioned way
-- to remove a closed project's events (a purge). Numbered in parallel with ../sqlite.

-- NULL: the account works. Set: no sign-in, no session, no mail (a message
-- due to them ends dead, saying why); roles are kept.
ALTER TABLE people ADD COLUMN disabled_at BIGINT;
-- Set when the person was erased on request: name, email and organization
-- were replaced by a pseudonym, and their secrets removed.
ALTER TABLE people ADD COLUMN erased_at BIGINT;

-- Set when retention removed the file's bytes from the files folder (the row
-- stays: it is the projection of a sealed EvidenceAdded event).
ALTER TABLE evidence ADD COLUMN removed_at BIGINT;
-- Set when retention or an erasure removed a message's variables (its body);
-- the row stays as the record that a message was sent.
ALTER TABLE outbox ADD COLUMN body_removed_at BIGINT;

-- Every action on people's data and every retention sweep: who (the
-- operator), what, whom (a person id, never a name or an email), which
-- project, when and why. Append-only, like the events.
CREATE TABLE admin_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         BIGINT NOT NULL,
    operator   TEXT   NOT NULL,
    action     TEXT   NOT NULL,
    person_id  BIGINT,
    project_id BIGINT,
    reason     TEXT   NOT NULL DEFAULT '',
    detail     TEXT   NOT NULL DEFAULT '{}'
);
CREATE INDEX admin_log_person ON admin_log (person_id);
CREATE FUNCTION admin_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the admin log is append-only';
END;
$$;
CREATE TRIGGER admin_log_no_change BEFORE UPDATE OR DELETE ON admin_log
    FOR EACH ROW EXECUTE FUNCTION admin_log_append_only();

-- A purge's permit: written and removed in the purge's own transaction, so
-- no other transaction ever sees it. While it is there, and only for its
-- project, the events trigger lets rows be deleted (never updated).
CREATE TABLE purge_permits (
    project_id BIGINT PRIMARY KEY
);
CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND EXISTS (SELECT 1 FROM purge_permits WHERE project_id = OLD.project_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'events are append-only';
END;
$$;
