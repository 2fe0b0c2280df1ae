-- gradflow (postgres): programs say what they certify, and the certificates
-- issued. Numbered in parallel with ../sqlite.

-- What a program's certificate says (one row per certifying program; a
-- program without one issues no certificate). Words are JSON objects of
-- texts per language ({"en": ..., "ar": ...}); validity is 'none', 'Ny',
-- 'Nmo' or 'Nd'; a prerequisite is a program whose valid certificate the
-- trainee must hold before a project of this program starts.
CREATE TABLE program_certifications (
    program_id      BIGINT  PRIMARY KEY REFERENCES programs (id),
    level           TEXT    NOT NULL,
    awarding_body   TEXT    NOT NULL,
    accrediting_body TEXT   NOT NULL,
    pattern         TEXT    NOT NULL,
    validity        TEXT    NOT NULL,
    prerequisite_id BIGINT  REFERENCES programs (id),
    updated_at      BIGINT  NOT NULL
);

-- The last sequence number given per program and year (year 0: a pattern
-- without {year}), raised by an upsert in the issuing transaction, so
-- numbers never repeat however many issue at once.
CREATE TABLE certificate_sequences (
    program_id BIGINT NOT NULL REFERENCES programs (id),
    year       BIGINT NOT NULL,
    last       BIGINT NOT NULL,
    PRIMARY KEY (program_id, year)
);

-- Certificates, written in the transaction of the action that requested
-- them (a purged project leaves its certificate, without the link). `details` is what the certificate says, as issued (JSON: the
-- program's title, level and bodies in each language, the project's title,
-- the improvement measured); the trainee's name is read from `people`
-- (an erasure's pseudonym reaches the certificate too). Expired is
-- computed from `expires_at`; revoked is stored, with why, by whom, when.
CREATE TABLE certificates (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number         TEXT    NOT NULL,
    code           TEXT    NOT NULL UNIQUE,
    program_id     BIGINT  NOT NULL REFERENCES programs (id),
    project_id     BIGINT  REFERENCES projects (id) ON DELETE SET NULL,
    person_id      BIGINT  NOT NULL REFERENCES people (id),
    cohort_id      BIGINT  NOT NULL REFERENCES cohorts (id),
    details        TEXT    NOT NULL,
    issued_at      BIGINT  NOT NULL,
    issued_on      TEXT    NOT NULL,
    expires_at     BIGINT,
    expires_on     TEXT,
    revoked_at     BIGINT,
    revoked_by     TEXT,
    revoked_reason TEXT,
    UNIQUE (program_id, number)
);
CREATE INDEX certificates_person ON certificates (person_id, program_id);
CREATE INDEX certificates_project ON certificates (project_id);
