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

/// Words people read (a title, a label, a description), as written: one
/// text for every language, or a mapping of texts by language code.
///
/// Neither type recurses, so deeply nested YAML is never walked: a list
/// is kept as [`TextSource::List`] if it holds scalars, and anything deeper,
/// or a mapping where a language's text is expected, is refused by the
/// reader at its place.
#[derive(Debug, Clone)]
pub enum LabelSource {
    /// One text for every language (or a list: reported by validation).
    Plain(TextSource),
    /// A text per language: `{ en: Proposal, ar: المقترح }`.
    Languages(Entries<Spanned<TextSource>>),
}

/// A scalar where text is expected.
#[derive(Debug, Clone)]
pub enum TextSource {
    /// Text, quoted or not.
    Text(String),
    /// A plain scalar YAML reads as a number or yes/no (`title: 2026`):
    /// text, as written in the file (see `Checker::label`); the value is what
    /// YAML made of it, for when the file's text cannot be found.
    Typed(String),
    /// Nothing (`title:` or `title: ~`).
    Null,
    /// A list of scalars, which is not text: reported by validation.
    List,
}

/// A visitor's methods for scalars: each read as a [`TextSource`], given to `$wrap`.
macro_rules! text_visits {
    ($wrap:expr) => {
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok($wrap(TextSource::Text(v.to_owned())))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok($wrap(TextSource::Text(v)))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok($wrap(TextSource::Typed(v.to_string())))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok($wrap(TextSource::Typed(v.to_string())))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok($wrap(TextSource::Typed(v.to_string())))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok($wrap(TextSource::Typed(v.to_string())))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($wrap(TextSource::Null))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($wrap(TextSource::Null))
        }
    };
    ($wrap:expr, lists) => {
        text_visits!($wrap);
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<Scalar>()?.is_some() {}
            Ok($wrap(TextSource::List))
        }
    };
}

/// Any scalar, skipped: what a list where text is expected may hold.
struct Scalar;

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("text")
            }
            text_visits!(|_| Scalar);
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

impl<'de> Deserialize<'de> for TextSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = TextSource;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("the text itself after the language code")
            }
            text_visits!(|t| t, lists);
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

impl<'de> Deserialize<'de> for LabelSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LabelVisitor;
        impl<'de> Visitor<'de> for LabelVisitor {
            type Value = LabelSource;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a text, or a text per language such as { en: ..., ar: ... }")
            }
            text_visits!(LabelSource::Plain, lists);
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Text>()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(LabelSource::Languages(Entries(entries)))
            }
        }
        deserializer.deserialize_any(LabelVisitor)
    }
}

/// Words that may be left out: absent, or written.
pub type Words = Option<Spanned<LabelSource>>;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefinitionSource {
    pub key: Text,
    pub version: Spanned<u32>,
    pub title: Spanned<LabelSource>,
    #[serde(default)]
    pub description: Words,
    pub roles: Vec<Spanned<RoleSource>>,
    #[serde(default)]
    pub cohort_dates: Vec<Text>,
    #[serde(default)]
    pub conflicts: Vec<Spanned<ConflictSource>>,
    /// Who may add evidence files to a project (absent: see
    /// `model::DEFAULT_EVIDENCE_ROLES`).
    #[serde(default)]
    pub evidence: Option<Spanned<Names>>,
    pub start: Text,
    pub stages: Entries<Spanned<StageSource>>,
    #[serde(default)]
    pub forms: Entries<Spanned<FormSource>>,
    #[serde(default)]
    pub rubrics: Entries<Spanned<RubricSource>>,
    #[serde(default)]
    pub notifications: Vec<Spanned<NotificationSource>>,
    /// A before/after measurement pairing, shown as one line.
    #[serde(default)]
    pub improvement: Option<Spanned<ImprovementSource>>,
    /// The graduation checklist: items by key, each a title and a condition.
    #[serde(default)]
    pub checklist: Entries<Spanned<ChecklistSource>>,
}

/// One item of `checklist:`: `{ title: { en: ..., ar: ... }, when: CONDITION }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistSource {
    /// What the item asks, for people.
    pub title: Spanned<LabelSource>,
    /// When the item is met, in the `when:` language.
    pub when: Text,
}

/// `improvement: { before: visit_before.waiting_minutes, after: visit_after.waiting_minutes, better: lower }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImprovementSource {
    /// What is measured, for people; default: the after field's label.
    #[serde(default)]
    pub title: Words,
    /// `MILESTONE.FIELD`: the measurement before the change.
    pub before: Text,
    /// `MILESTONE.FIELD`: the measurement after it.
    pub after: Text,
    /// `lower` or `higher`: which way is better.
    #[serde(default)]
    pub better: Option<Text>,
    /// The unit shown after the numbers; default: the after field's unit.
    #[serde(default)]
    pub unit: Words,
    /// `FORM.FIELD`: a choice whose chosen title names what is measured.
    #[serde(default)]
    pub indicator: Option<Text>,
}

/// One entry of `roles:`: a role's name (`supervisor`: any number of people
/// may hold it on a project), or its name with how many people a project
/// holds in it (`{ role: trainee, count: 1 }`, `{ role: evaluator, min: 1, max: 3 }`).
#[derive(Debug, Clone)]
pub struct RoleSource {
    /// The role's name (its place is the entry's when written alone).
    pub role: Text,
    /// Exactly this many.
    pub count: Option<Spanned<u32>>,
    /// At least this many.
    pub min: Option<Spanned<u32>>,
    /// At most this many.
    pub max: Option<Spanned<u32>>,
}

/// The mapping form of a [`RoleSource`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountedRole {
    role: Text,
    #[serde(default)]
    count: Option<Spanned<u32>>,
    #[serde(default)]
    min: Option<Spanned<u32>>,
    #[serde(default)]
    max: Option<Spanned<u32>>,
}

impl<'de> Deserialize<'de> for RoleSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RoleVisitor;
        impl<'de> Visitor<'de> for RoleVisitor {
            type Value = RoleSource;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a role's name, or { role: NAME, count: N } (or min: and max:)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RoleSource {
                    role: Spanned::new(
                        v.to_owned(),
                        serde_saphyr::Location::UNKNOWN,
                        serde_saphyr::Location::UNKNOWN,
                    ),
                    count: None,
                    min: None,
                    max: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let counted = CountedRole::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RoleSource {
                    role: counted.role,
                    count: counted.count,
                    min: counted.min,
                    max: counted.max,
                })
            }
        }
        deserializer.deserialize_any(RoleVisitor)
    }
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
    pub title: Words,
    #[serde(default)]
    pub description: Words,
    #[serde(default)]
    pub terminal: bool,
    /// `withdrawal: true`: the terminal stage a withdrawal ends a project in.
    #[serde(default)]
    pub withdrawal: bool,
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
    pub title: Words,
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
    /// How long each evaluator has to score, from their assignment
    /// (committee: late evaluators).
    #[serde(default)]
    pub score_within: Option<Text>,
    /// How long before that deadline each evaluator is reminded.
    #[serde(default)]
    pub score_reminders: Option<Vec<Text>>,
}

/// An action people (or the engine, when `auto`) take in a stage.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSource {
    #[serde(default)]
    pub title: Words,
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
    pub title: Words,
    pub fields: Entries<Spanned<FieldSource>>,
}

/// A form field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSource {
    #[serde(rename = "type")]
    pub kind: Text,
    #[serde(default)]
    pub label: Words,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub min: Option<Spanned<f64>>,
    #[serde(default)]
    pub max: Option<Spanned<f64>>,
    #[serde(default)]
    pub max_length: Option<u32>,
    #[serde(default)]
    pub choices: Vec<Spanned<ChoiceSource>>,
    #[serde(default)]
    pub unit: Words,
}

/// One choice of a `choice` field: its key alone (`waiting_time`), or its
/// key with a title (`{ key: waiting_time, title: { en: ..., ar: ... } }`).
#[derive(Debug)]
pub struct ChoiceSource {
    /// The value stored and compared in conditions.
    pub key: Text,
    /// The words people read, when given.
    pub title: Words,
    /// A plain key YAML read as a number or yes/no (`y`, `2026`): its text
    /// is taken from the file, as written.
    pub typed: bool,
}

/// A choice written as its key alone.
fn plain_choice(key: String, typed: bool) -> ChoiceSource {
    let unknown = serde_saphyr::Location::UNKNOWN;
    ChoiceSource {
        key: Spanned::new(key, unknown, unknown),
        title: None,
        typed,
    }
}

impl<'de> Deserialize<'de> for ChoiceSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ChoiceVisitor;
        impl<'de> Visitor<'de> for ChoiceVisitor {
            type Value = ChoiceSource;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a choice's key, or { key: ..., title: ... }")
            }
            // A plain key's place is the list item's (validation takes it
            // from the `Spanned` around the choice).
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(plain_choice(v.to_owned(), false))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(plain_choice(v.to_string(), true))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(plain_choice(v.to_string(), true))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(plain_choice(v.to_string(), true))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(plain_choice(v.to_string(), true))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let (mut key, mut title) = (None, None);
                while let Some(name) = map.next_key::<String>()? {
                    match name.as_str() {
                        "key" if key.is_none() => key = Some(map.next_value::<Text>()?),
                        "title" if title.is_none() => title = map.next_value::<Words>()?,
                        "key" | "title" => return Err(de::Error::duplicate_field("key")),
                        other => return Err(de::Error::unknown_field(other, &["key", "title"])),
                    }
                }
                let key = key.ok_or_else(|| de::Error::missing_field("key"))?;
                Ok(ChoiceSource {
                    key,
                    title,
                    typed: false,
                })
            }
        }
        deserializer.deserialize_any(ChoiceVisitor)
    }
}

/// A rubric: criteria scored on a scale.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricSource {
    #[serde(default)]
    pub title: Words,
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
    pub title: Words,
    #[serde(default)]
    pub weight: Option<Spanned<f64>>,
    #[serde(default)]
    pub levels: Entries<Spanned<LabelSource>>,
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
