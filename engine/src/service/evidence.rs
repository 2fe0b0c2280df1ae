//! Evidence files: who may add one, when, how much each person may store,
//! and recording one as an event in the project's log.
//!
//! The web stores a file's bytes (by SHA-256) between two calls here:
//! [`Engine::evidence_allowance`] before any byte is kept (the person may
//! add a file to this project now, its name is acceptable, and how many
//! bytes their quota leaves), and [`Engine::add_evidence_as`] after, which
//! records it through the decision core. A refusal at the second step
//! leaves bytes that no record names: [`Engine::evidence_kept`] tells the
//! caller whether it may remove them.

use crate::reason::{Arg, Reason};
use jiff::Timestamp;

use super::commands::decision_context;
use super::{Engine, Error, Evidence, Viewer, input};
use crate::decide::committee::NO_CONFLICTS;
use crate::decide::{self, NewEvidence};
use crate::store::Pending;

/// How many times a file is recorded again when the project changed under
/// it (a file does not depend on what else happened, only that the project
/// is still open).
const TRIES: usize = 3;

impl Engine {
    /// Whether `viewer` may add a file called `name` to `project` now, and
    /// the bytes their `quota` (on every project together) still allows.
    /// A project they may not see is not found; one they may see but not
    /// add to, or that is finished, is refused by the core; a name with
    /// control or bidirectional characters is invalid. No bytes left is
    /// not refused here: the caller says the quota is spent.
    pub async fn evidence_allowance(
        &self,
        viewer: &Viewer,
        project: i64,
        name: &str,
        quota: u64,
    ) -> Result<u64, Error> {
        self.check_visible(viewer, project).await?;
        evidence_file_name(name)?;
        let record = self.store.project(project).await?;
        let (workflow, calendar) = self.context(&record).await?;
        let ctx = decision_context(&record, &workflow, &calendar, &NO_CONFLICTS);
        decide::may_add_evidence(&ctx, &record.state, viewer.person.id)
            .map_err(|r| Error::refused(r, &workflow))?;
        let used = u64::try_from(self.store.uploaded_bytes(viewer.person.id).await?).unwrap_or(0);
        Ok(quota.saturating_sub(used))
    }

    /// Records an evidence file on `project` uploaded by `viewer`, whose bytes
    /// (`size` of them, hashing to `sha256`) the caller has stored, as an
    /// `EvidenceAdded` event in the project's log (the file's row is written
    /// in the same transaction). Refused, with nothing recorded, when the
    /// person may not add files to the project (see
    /// [`Engine::evidence_allowance`]) or when `size` would take them past
    /// `quota`.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_evidence_as(
        &self,
        viewer: &Viewer,
        project: i64,
        name: &str,
        sha256: &str,
        size: u64,
        quota: u64,
        now: Timestamp,
    ) -> Result<Evidence, Error> {
        self.check_visible(viewer, project).await?;
        let name = evidence_file_name(name)?;
        if size == 0 {
            return Err(Error::Invalid(Reason::new("evidence-empty", vec![])));
        }
        let valid_hash = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid_hash {
            return Err(Error::internal(format!("not a SHA-256: {sha256}")));
        }
        let size = i64::try_from(size).map_err(Error::internal)?;
        let over_quota = || {
            Error::Invalid(Reason::new(
                "evidence-quota",
                vec![("quota", Arg::int((quota / (1024 * 1024)) as i64))],
            ))
        };
        let file = NewEvidence {
            name,
            sha256: sha256.to_owned(),
            size,
        };
        let mut tries = TRIES;
        let seq = loop {
            tries -= 1;
            let record = self.store.project(project).await?;
            let (workflow, calendar) = self.context(&record).await?;
            let ctx = decision_context(&record, &workflow, &calendar, &NO_CONFLICTS);
            let decision =
                decide::add_evidence(&ctx, &record.state, viewer.person.id, file.clone(), now)
                    .map_err(|r| Error::refused(r, &workflow))?;
            let seq = decision.events.last().map_or(0, |e| e.seq);
            let pending = Pending {
                project,
                expected: record.state.version,
                decision: &decision,
                idempotency: None,
                completes: &[],
                certificate: None,
                frees: None,
            };
            // The quota is checked in the commit's transaction: uploads
            // racing from several nodes cannot each see the same room left.
            let quota = i64::try_from(quota).unwrap_or(i64::MAX);
            match self
                .store
                .commit_evidence(&pending, viewer.person.id, size, quota, now)
                .await
            {
                Ok(true) => break seq,
                Ok(false) => return Err(over_quota()),
                Err(e) => {
                    let e = Error::from(e);
                    if e.kind() == super::Kind::Conflict && tries > 0 {
                        continue;
                    }
                    return Err(e);
                }
            }
        };
        let id = self
            .store
            .evidence_of_event(project, seq)
            .await?
            .ok_or_else(|| Error::internal("the evidence row of a new file is missing"))?;
        self.evidence_file_as(viewer, project, id).await
    }

    /// Whether some record keeps the bytes with this SHA-256: when none
    /// does, bytes stored for an upload that was then refused may go.
    pub async fn evidence_kept(&self, sha256: &str) -> Result<bool, Error> {
        Ok(self.store.evidence_uses(sha256).await?)
    }
}

/// A file's name as it is recorded: the last part of a path a browser may
/// send, one line of text, and without the bidirectional controls that make
/// `report<U+202E>fdp.exe` read as `reportexe.pdf`.
pub fn evidence_file_name(raw: &str) -> Result<String, Error> {
    let name = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    if let Some(c) = name.chars().find(|c| is_bidi_control(*c)) {
        return Err(Error::Invalid(Reason::new(
            "evidence-name-mark",
            vec![
                ("char", Arg::Text(format!("U+{:04X}", u32::from(c)))),
                ("name", Arg::Term(crate::definition::text::bidi_term(c))),
            ],
        )));
    }
    input::line("file-name", name)
}

/// The bidirectional formatting characters: embeddings, overrides and
/// isolates (U+202A-U+202E, U+2066-U+2069) and the marks (U+200E, U+200F,
/// U+061C).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

#[cfg(test)]
mod tests {
    use super::evidence_file_name;

    #[test]
    fn names_that_disguise_a_file_are_refused() {
        assert_eq!(
            evidence_file_name("C:\\x\\report.pdf").unwrap(),
            "report.pdf"
        );
        assert_eq!(evidence_file_name("تقرير.pdf").unwrap(), "تقرير.pdf");
        for bad in [
            "report\u{202E}fdp.exe",
            "a\u{2066}b.pdf",
            "a\u{200F}.pdf",
            "a\u{0}.pdf",
            "a\nb.pdf",
            "a\u{85}.pdf",
        ] {
            assert!(evidence_file_name(bad).is_err(), "{bad:?}");
        }
    }
}
