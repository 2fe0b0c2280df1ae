//! The definition file as written: serde shapes that keep every value's line
//! and column, so that meaning errors can point at the exact place.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A string with the place it was written.
pub type Text = Spanned<String>;

/// A YAML mapping whose order of entries is kept (stage order matters to readers
/// and to pictures) and whose keys keep their location.
#[derive(Debug, Clone)]
pub struct Entries<V>(pub Vec<(Text, V)>);

impl<V> Default for Entries<V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Text>()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(Entries(entries))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Entries(Vec::new()))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

/// One name or a list of names (`by: trainee` or `by: [supervisor, coordinator]`).
#[derive(Debug, Clone, Default)]
pub struct Names(pub Vec<Text>);

impl<'de> Deserialize<'de> for Names {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NamesVisitor;
        impl<'de> Visitor<'de> for NamesVisitor {
            type Value = Names;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name or a list of names")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Names(vec![Spanned::new(
                    v.to_owned(),
                    serde_saphyr::Location::UNKNOWN,
                    serde_saphyr::Location::UNKNOWN,
                )]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<Text>()? {
                    names.push(name);
                }
                Ok(Names(names))
            }
        }
        deserializer.deserialize_any(NamesVisitor)
    }
}

/// A scalar written either as a number or as a word (`need: all`, `need: 2`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum WordOrNumber {
    /// A count.
    Number(u32),
    /// A keyword.
    Word(String),
}

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefinitionSource {
    pub key: Text,
    pub version: Spanned<u32>,
    pub title: Text,
    #[serde(default)]
    pub description: Option<String>,
    pub roles: Vec<Text>,
    #[serde(default)]
    pub cohort_dates: Vec<Text>,
    #[serde(default)]
    pub conflicts: Vec<Spanned<ConflictSource>>,
    pub start: Text,
    pub stages: Entries<Spanned<StageSource>>,
    #[serde(default)]
    pub forms: Entries<Spanned<FormSource>>,
    #[serde(default)]
    pub rubrics: Entries<Spanned<RubricSource>>,
    #[serde(default)]
    pub notifications: Vec<Spanned<NotificationSource>>,
}

/// `{ role: trainee, with: all }` or `{ role: supervisor, with: [committee, chair] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictSource {
    pub role: Text,
    pub with: Spanned<Names>,
}

/// A stage.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSource {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub terminal: bool,
    #[serde(default)]
    pub deadline: Option<Spanned<DueSource>>,
    #[serde(default)]
    pub remind: Vec<Spanned<ReminderSource>>,
    #[serde(default)]
    pub overdue: Vec<Spanned<OverdueSource>>,
    #[serde(default)]
    pub milestones: Vec<Spanned<MilestoneSource>>,
    #[serde(default)]
    pub assessment: Option<Spanned<AssessmentSource>>,
    #[serde(default)]
    pub actions: Entries<Spanned<ActionSource>>,
}

/// When something is due: `{ at: cohort.NAME, time: "17:00" }` or `{ after: 14d }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DueSource {
    #[serde(default)]
    pub at: Option<Text>,
    #[serde(default)]
    pub time: Option<Text>,
    #[serde(default)]
    pub after: Option<Text>,
}

/// `{ before: 7d, to: [trainee], template: deadline_reminder }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderSource {
    pub before: Text,
    pub to: Spanned<Names>,
    #[serde(default)]
    pub template: Option<Text>,
}

/// `{ every: "0 9 * * MON", to: [coordinator], template: overdue_digest }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverdueSource {
    pub every: Text,
    pub to: Spanned<Names>,
    #[serde(default)]
    pub template: Option<Text>,
}

/// A milestone of a stage.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MilestoneSource {
    pub key: Text,
    #[serde(default)]
    pub title: Option<String>,
    pub form: Text,
    #[serde(default)]
    pub due: Option<Spanned<DueSource>>,
    #[serde(default)]
    pub by: Option<Spanned<Names>>,
    #[serde(default)]
    pub review_by: Option<Spanned<Names>>,
}

/// The committee assessment held in a stage.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentSource {
    pub rubric: Text,
    #[serde(default)]
    pub by: Option<Spanned<Names>>,
    pub evaluators: Spanned<u32>,
    pub quorum: Spanned<u32>,
}

/// An action people (or the engine, when `auto`) take in a stage.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSource {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub by: Option<Spanned<Names>>,
    pub to: Text,
    #[serde(default)]
    pub need: Option<Spanned<WordOrNumber>>,
    #[serde(default)]
    pub comment: Option<Text>,
    #[serde(default)]
    pub form: Option<Text>,
    #[serde(default)]
    pub when: Option<Text>,
    #[serde(default)]
    pub auto: bool,
    #[serde(default)]
    pub effects: Vec<Text>,
}

/// A form: typed fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormSource {
    #[serde(default)]
    pub title: Option<String>,
    pub fields: Entries<Spanned<FieldSource>>,
}

/// A form field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSource {
    #[serde(rename = "type")]
    pub kind: Text,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub min: Option<Spanned<f64>>,
    #[serde(default)]
    pub max: Option<Spanned<f64>>,
    #[serde(default)]
    pub max_length: Option<u32>,
    #[serde(default)]
    pub choices: Vec<Text>,
    #[serde(default)]
    pub unit: Option<String>,
}

/// A rubric: criteria scored on a scale.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricSource {
    #[serde(default)]
    pub title: Option<String>,
    pub scale: Spanned<ScaleSource>,
    pub criteria: Entries<Spanned<CriterionSource>>,
    pub pass: Spanned<PassSource>,
    #[serde(default)]
    pub moderate_spread_above: Option<Spanned<f64>>,
}

/// The score range.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleSource {
    pub min: i64,
    pub max: i64,
}

/// One criterion.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionSource {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub weight: Option<Spanned<f64>>,
    #[serde(default)]
    pub levels: Entries<String>,
}

/// The pass rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassSource {
    #[serde(default)]
    pub weighted_mean_at_least: Option<f64>,
    #[serde(default)]
    pub each_at_least: Option<i64>,
}

/// `{ on: enter proposal_review, to: [supervisor], template: proposal_submitted }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationSource {
    pub on: Text,
    pub to: Spanned<Names>,
    pub template: Text,
}
