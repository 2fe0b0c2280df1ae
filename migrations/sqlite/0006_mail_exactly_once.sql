-- Mail exactly once across workers, and Message-IDs no other installation uses.
-- Numbered in parallel with the other database.

-- The claim that holds a message: a random token written by the claim; only
-- the worker holding it may renew the lease or record how delivery ended.
ALTER TABLE outbox ADD COLUMN claim_token TEXT;

-- This installation, made once: a random part in every Message-ID, so two
-- databases never send the same Message-ID for different messages.
CREATE TABLE installation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    token TEXT NOT NULL
);
INSERT INTO installation (id, token) VALUES (1, lower(hex(randomblob(8))));
-- Messages not yet sent take it now; a sent one keeps the id it went out with.
UPDATE outbox SET message_id = message_id || '.' || (SELECT token FROM installation)
WHERE state <> 'sent';
-- Every new message takes it as it is written.
CREATE TRIGGER outbox_installation_message_id AFTER INSERT ON outbox
BEGIN
    UPDATE outbox SET message_id = NEW.message_id || '.' || (SELECT token FROM installation)
    WHERE id = NEW.id;
END;
