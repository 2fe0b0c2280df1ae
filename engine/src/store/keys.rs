//! The institute's signing keys (Open Badges credentials) and what the
//! revocation status list is made of (each certificate's random index). One key per algorithm signs at a
//! time (a partial unique index settles two servers creating or rotating
//! at once); retired keys stay, so their public halves stay published.

use jiff::Timestamp;

use super::{Begin, Columns, Error, Store, instant, micros, with_db};

/// A signing key as stored. `private_key` is empty when only the public
/// half was read.
#[derive(Clone)]
pub struct KeyRow {
    /// The RFC 7638 thumbprint.
    pub kid: String,
    /// The public key, base64url.
    pub public_key: String,
    /// The private seed, base64url (empty unless asked for).
    pub private_key: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stopped signing, if it did.
    pub retired_at: Option<Timestamp>,
}

impl std::fmt::Debug for KeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRow")
            .field("kid", &self.kid)
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// The key that signs now for `algorithm`, with its private seed.
    pub(crate) async fn signing_key(&self, algorithm: &str) -> Result<Option<KeyRow>, Error> {
        let row = with_db!(self, pool => sqlx::query(
            "SELECT kid, public_key, private_key, created_at, retired_at FROM signing_keys
             WHERE algorithm = $1 AND retired_at IS NULL",
        )
        .bind(algorithm)
        .fetch_optional(pool)
        .await?
        .map(|r| -> Result<KeyRow, Error> {
            Ok(KeyRow {
                kid: r.text("kid")?,
                public_key: r.text("public_key")?,
                private_key: r.text("private_key")?,
                created_at: instant(r.int("created_at")?)?,
                retired_at: r.opt_int("retired_at")?.map(instant).transpose()?,
            })
        }));
        row.transpose()
    }

    /// Every key's public half, oldest first (the private seeds are not read).
    pub(crate) async fn public_keys(&self) -> Result<Vec<KeyRow>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT kid, public_key, created_at, retired_at FROM signing_keys ORDER BY id",
        )
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(KeyRow {
                kid: r.text("kid")?,
                public_key: r.text("public_key")?,
                private_key: String::new(),
                created_at: instant(r.int("created_at")?)?,
                retired_at: r.opt_int("retired_at")?.map(instant).transpose()?,
            })
        })
        .collect())
    }

    /// Adds a signing key for `algorithm`; with `rotate`, the one signing
    /// now is retired in the same transaction. Whether it was added: false
    /// when another key signs already (no `rotate`), or when another
    /// rotation or creation won the race (nothing changed then).
    pub(crate) async fn add_signing_key(
        &self,
        algorithm: &str,
        key: &KeyRow,
        rotate: bool,
        now: Timestamp,
    ) -> Result<bool, Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if rotate {
                sqlx::query(
                    // Never retired before it was made (another process's clock).
                    "UPDATE signing_keys SET retired_at = CASE WHEN created_at > $2 THEN created_at ELSE $2 END
                     WHERE algorithm = $1 AND retired_at IS NULL",
                )
                .bind(algorithm)
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
            }
            let added = sqlx::query(
                "INSERT INTO signing_keys (kid, algorithm, public_key, private_key, created_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(&key.kid)
            .bind(algorithm)
            .bind(&key.public_key)
            .bind(&key.private_key)
            .bind(micros(now))
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if added {
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            Ok(added)
        })
    }

    /// The status list index of `certificate`, if it was given one.
    pub(crate) async fn status_index(&self, certificate: i64) -> Result<Option<i64>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT status_index FROM credential_status WHERE certificate_id = $1",
        )
        .bind(certificate)
        .fetch_optional(pool)
        .await?
        .map(|r| r.int("status_index"))
        .transpose())
    }

    /// How many certificates have a status list index.
    pub(crate) async fn status_indexes_given(&self) -> Result<i64, Error> {
        with_db!(self, pool => sqlx::query("SELECT COUNT(*) AS given FROM credential_status")
            .fetch_one(pool)
            .await?
            .int("given"))
    }

    /// Gives `certificate` the status list index `index` unless it has one
    /// or the index is taken: whether it was given.
    pub(crate) async fn give_status_index(
        &self,
        certificate: i64,
        index: i64,
    ) -> Result<bool, Error> {
        Ok(with_db!(self, pool => sqlx::query(
            "INSERT INTO credential_status (certificate_id, status_index) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
        )
        .bind(certificate)
        .bind(index)
        .execute(pool)
        .await?
        .rows_affected())
            == 1)
    }

    /// The status list indexes of revoked certificates (the bits to set)
    /// and the largest index given (how long the list must be).
    pub(crate) async fn revocation_bits(&self) -> Result<(Vec<i64>, i64), Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_snapshot().await?;
            let revoked = sqlx::query(
                "SELECT s.status_index FROM credential_status s
                 JOIN certificates c ON c.id = s.certificate_id
                 WHERE c.revoked_at IS NOT NULL ORDER BY s.status_index",
            )
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.int("status_index"))
                .collect::<Result<Vec<_>, _>>()?;
            let highest = sqlx::query("SELECT COALESCE(MAX(status_index), 0) AS highest FROM credential_status")
                .fetch_one(&mut *tx)
                .await?
                .int("highest")?;
            tx.commit().await?;
            Ok((revoked, highest))
        })
    }
}
