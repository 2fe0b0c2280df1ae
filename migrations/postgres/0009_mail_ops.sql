-- Mail that cannot vanish. Numbered in parallel with the other database.

-- Staff may send any message again, a sent one too. `attempts` keeps
-- counting every delivery tried, across resends (never reset); `resends`
-- counts how often staff put it back; `retry_base` is `attempts` at the
-- latest resend, so the backoff and the give-up limit start afresh from
-- there.
ALTER TABLE outbox ADD COLUMN resends BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN retry_base BIGINT NOT NULL DEFAULT 0;

-- Mail about an account, not a project (a password reset link): queued in
-- the same transaction as what it carries, delivered by the worker like
-- the outbox. Its own table, not the outbox, because an outbox row is the
-- effect of a project's event (project, event, the workflow's templates,
-- seen by the cohort's coordinators), and a reset link is none of those:
-- kept apart, no coordinator's list or preview can ever show one.
-- `link` holds the secret and is set to NULL once sent, once given up on,
-- or once past `expires_at` (the worker scrubs those).
CREATE TABLE account_mail (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            TEXT    NOT NULL,               -- password-reset
    person_id       BIGINT  NOT NULL REFERENCES people (id),
    link            TEXT,
    language        TEXT,                           -- the person's, else the page's they asked from
    expires_at      BIGINT  NOT NULL,
    message_id      TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending',  -- pending | claimed | sent | failed | dead
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    lease_until     BIGINT,
    claim_token     TEXT,
    last_error      TEXT,
    sent_at         BIGINT,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX account_mail_due ON account_mail (state, next_attempt_at, id);
