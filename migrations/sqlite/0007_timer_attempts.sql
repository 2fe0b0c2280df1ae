-- Timers the decision core refuses: each refusal counts an attempt (a
-- claim no longer does: a worker's crash or restart is not the timer's
-- failure) and waits out a backoff until retry_at; after the last attempt
-- the timer is 'failed', with the reason in last_error, and never claimed
-- again. Numbered in parallel with the other database.
ALTER TABLE timers ADD COLUMN retry_at BIGINT;
CREATE INDEX timers_retry ON timers (retry_at) WHERE state = 'pending' AND retry_at IS NOT NULL;
-- Attempts counted claims until now: live timers start afresh.
UPDATE timers SET attempts = 0 WHERE state IN ('pending', 'claimed');
