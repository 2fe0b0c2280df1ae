-- gradflow (postgres): calendar feeds. Each person may have one secret address
-- for their calendar (/calendar/SECRET.ics); only the SHA-256 of the secret
-- is kept, so a copy of the database opens nobody's calendar. Making a new
-- one replaces the row: the old address stops working at once. Numbered in
-- parallel with ../sqlite.
CREATE TABLE calendar_feeds (
    person_id   BIGINT PRIMARY KEY REFERENCES people (id),
    secret_hash TEXT   NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);
