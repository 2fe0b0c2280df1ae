-- gradflow (postgres): the institute's keys that sign Open Badges 3.0
-- credentials. Numbered in parallel with ../sqlite.

-- An Ed25519 key pair. `kid` is its RFC 7638 JWK thumbprint; the public
-- key and the private seed are 32 bytes each, base64url. The key without
-- `retired_at` signs; retired keys stay here so their public halves stay
-- published (credentials they signed keep verifying). The private seed is
-- as secret as the database: its backups carry it (docs/OPERATIONS.md,
-- "Signing keys (Open Badges)").
CREATE TABLE signing_keys (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kid         TEXT    NOT NULL UNIQUE,
    algorithm   TEXT    NOT NULL,
    public_key  TEXT    NOT NULL,
    private_key TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    retired_at  BIGINT
);
-- One signing key per algorithm at a time: two servers creating the first
-- key, or two rotations at once, cannot both win.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (algorithm) WHERE retired_at IS NULL;

-- Each certificate's bit in the revocation status list: drawn at random
-- when its credential is first made (the W3C Bitstring Status List's herd
-- privacy: an index tells nothing of when a certificate was issued or how
-- many there are), unique, never changed.
CREATE TABLE credential_status (
    certificate_id BIGINT PRIMARY KEY REFERENCES certificates (id),
    status_index   BIGINT NOT NULL UNIQUE
);
