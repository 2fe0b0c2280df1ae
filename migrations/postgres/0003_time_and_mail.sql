-- Time and mail: timers and outbox rows become queues (pending, claimed with
-- a lease, done, failed, dead). Numbered in parallel with the other database.

-- The stage entry (seq of the event that entered the stage) a timer belongs
-- to: a timer that outlived its stage entry is discarded, never fired.
ALTER TABLE timers ADD COLUMN entry BIGINT NOT NULL DEFAULT 0;
ALTER TABLE timers ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE timers ADD COLUMN lease_until BIGINT;
ALTER TABLE timers ADD COLUMN last_error TEXT;
ALTER TABLE timers ADD COLUMN done_at BIGINT;
-- One live timer per key and project, whether waiting or being fired.
DROP INDEX timers_pending_key;
CREATE UNIQUE INDEX timers_live_key ON timers (project_id, key) WHERE state IN ('pending', 'claimed');

-- The outbox as a queue, with a stable Message-ID per row.
ALTER TABLE outbox ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN lease_until BIGINT;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
ALTER TABLE outbox ADD COLUMN sent_at BIGINT;
-- What the message says about its cause, rendered into the template when sent.
ALTER TABLE outbox ADD COLUMN data TEXT NOT NULL DEFAULT '{}';
UPDATE outbox SET next_attempt_at = created_at,
    message_id = 'gradflow.' || project_id || '.' || event_seq || '.' || template || '.' || recipient_id;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id);

-- The templates published with a definition version (JSON: file name -> text),
-- so a worker renders exactly what was published.
ALTER TABLE definitions ADD COLUMN templates TEXT NOT NULL DEFAULT '{}';

-- The hours in which a cohort's reminders and escalations go out ("09:00-17:00");
-- one falling outside is sent at the opening hour of its day.
ALTER TABLE cohorts ADD COLUMN mail_hours TEXT NOT NULL DEFAULT '09:00-17:00';

-- A person may take one daily digest instead of single reminder emails.
ALTER TABLE people ADD COLUMN digest BOOLEAN NOT NULL DEFAULT FALSE;
