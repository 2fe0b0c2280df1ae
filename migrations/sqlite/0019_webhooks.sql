-- gradflow (sqlite): signed webhooks (issue 17, part 3). Numbered in parallel
-- with ../postgres.
--
-- A subscription: a URL told of some events of one cohort (or of every
-- cohort: cohort_id NULL, the operator's only). The secret signs each
-- request (HMAC-SHA256 needs the secret itself, so it is stored as given:
-- `whsec_` and base64; it is shown once and never logged). A subscription
-- the receiver answered 410 Gone is disabled: nothing more is queued for it.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY,
    cohort_id       BIGINT  REFERENCES cohorts (id),
    url             TEXT    NOT NULL,
    events          TEXT    NOT NULL,          -- comma-separated event types
    secret          TEXT    NOT NULL,
    created_by      BIGINT  REFERENCES people (id),  -- NULL: the operator
    created_at      BIGINT  NOT NULL,
    disabled_at     BIGINT,
    disabled_reason TEXT
);
CREATE INDEX webhooks_cohort ON webhooks (cohort_id);

-- A delivery: one event for one subscription, written in the transaction
-- of the decision that caused it, then claimed with a lease by a worker,
-- like the outbox: pending | claimed | sent | failed (to retry at
-- next_attempt_at) | dead (attempts used up, or the subscription gone: the
-- reason in last_error). Its webhook-id is derived from its id, the same on
-- every attempt and resend. project_id is no foreign key: a retention
-- purge of a finished project leaves its delivery log.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    webhook_id      BIGINT  NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event           TEXT    NOT NULL,
    project_id      BIGINT,
    payload         TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending',
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    lease_until     BIGINT,
    claim_token     TEXT,
    last_status     BIGINT,
    last_error      TEXT,
    sent_at         BIGINT,
    resends         BIGINT  NOT NULL DEFAULT 0,
    retry_base      BIGINT  NOT NULL DEFAULT 0,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at, id);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
