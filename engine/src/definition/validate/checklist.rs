//! `checklist:`: the graduation checklist, items by key with a title and a
//! condition read against every milestone of the workflow, the assessment
//! of the stage an item is asked in, and every form.

use serde_saphyr::Spanned;

use super::Checker;
use super::condition::{ConditionSchema, FieldIndex};
use crate::definition::model::*;
use crate::definition::names::shown;
use crate::definition::source::{ChecklistSource, Entries, LabelSource, Text, TextSource};
use std::collections::BTreeMap;

/// Most items a checklist may hold (a page shows them all).
const MAX_ITEMS: usize = 50;

impl Checker<'_> {
    /// The checklist's items, each problem reported where it is written.
    pub(super) fn checklist(
        &mut self,
        source: &Entries<Spanned<ChecklistSource>>,
        stages: &[Stage],
        forms: &BTreeMap<String, Form>,
        fields: &FieldIndex<'_>,
    ) -> Vec<ChecklistItem> {
        let milestones: Vec<Milestone> = stages
            .iter()
            .flat_map(|s| s.milestones.iter().cloned())
            .collect();
        // Items are asked when a certificate is: `assessment.*` reads the
        // assessment of the stage the certificate is issued from, so it may
        // be used only when every such stage has one.
        let issuing: Vec<&Stage> = stages
            .iter()
            .filter(|s| {
                s.actions
                    .iter()
                    .any(|a| a.effects.iter().any(|e| e == "issue_certificate"))
            })
            .collect();
        let assessment = !issuing.is_empty() && issuing.iter().all(|s| s.assessment.is_some());
        let schema = ConditionSchema::whole(&milestones, assessment, forms, fields);
        let keys: Vec<Text> = source.0.iter().map(|(k, _)| k.clone()).collect();
        self.unique(&keys, "checklist item");
        if let Some((key, _)) = source.0.get(MAX_ITEMS) {
            self.error_hint(
                key.referenced,
                format!("the checklist has more than {MAX_ITEMS} items"),
                "join items whose conditions belong together",
            );
        }
        let mut items = Vec::new();
        for (key, item) in &source.0 {
            self.identifier(key, "checklist item");
            let title = self.label(&item.value.title, "checklist item's title");
            if title.is_none()
                && matches!(item.value.title.value, LabelSource::Plain(TextSource::Null))
            {
                self.error(
                    item.value.title.referenced,
                    format!(
                        "the title of checklist item '{}' is empty",
                        shown(&key.value)
                    ),
                );
            }
            let when = self.condition(&item.value.when, &schema);
            if let (Some(title), Some(when)) = (title, when) {
                items.push(ChecklistItem {
                    key: key.value.clone(),
                    title,
                    when,
                });
            }
        }
        items
    }
}
