-- gradflow on PostgreSQL: the web server's limits kept where every server
-- sees them, and evidence recorded in the projects' logs. Numbered in
-- parallel with the other database.

-- Sign-in and password reset attempts, counted before any password is
-- checked, per key ('signin:email:...', 'signin:address:...', 'reset:...'):
-- `count` attempts since `window_start` (microseconds since the epoch).
-- In the database, so that N servers behind one load balancer allow the
-- same number of guesses as one.
CREATE TABLE attempts (
    key          TEXT    PRIMARY KEY,
    count        BIGINT  NOT NULL,
    window_start BIGINT  NOT NULL
);
-- Ended windows are removed by age.
CREATE INDEX attempts_window ON attempts (window_start);

-- The event (its seq in the project's log) that recorded the file; NULL for
-- files uploaded before uploads were events.
ALTER TABLE evidence ADD COLUMN event_seq BIGINT;
-- Each person's uploads, summed for their quota.
CREATE INDEX evidence_uploader ON evidence (uploader_id);
