//! Rules that are not about one broken file: conflicts of interest as the
//! service asks about them, pictures that titles cannot break, and bounds
//! accepted right at their limits.

use gradflow_engine::definition::{
    self, Format, MAX_SCORE, MAX_VERSION, Schedule, Templates, Workflow, draw, load, parse,
};

use super::bundled;

fn valid(text: &str) -> Workflow {
    parse(text, Templates::Unchecked).unwrap_or_else(|problems| panic!("{problems:#?}"))
}

const CONFLICTS: &str = "key: demo
version: 1
title: Demo
roles: [trainee, supervisor, coordinator, committee, chair]
conflicts:
  - { role: trainee, with: all }
  - { role: supervisor, with: [committee, chair] }
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
";

#[test]
fn conflicting_is_symmetric_and_all_means_every_other_role() {
    let w = valid(CONFLICTS);
    for other in ["supervisor", "coordinator", "committee", "chair"] {
        assert!(w.conflicting("trainee", other), "trainee with {other}");
        assert!(w.conflicting(other, "trainee"), "{other} with trainee");
    }
    assert!(w.conflicting("supervisor", "chair"));
    assert!(w.conflicting("committee", "supervisor"));
    assert!(!w.conflicting("supervisor", "coordinator"));
    assert!(!w.conflicting("committee", "chair"));
    // A role does not conflict with itself, and unknown roles with nothing.
    assert!(!w.conflicting("trainee", "trainee"));
    assert!(!w.conflicting("trainee", "dean"));
    assert!(!w.conflicting("dean", "trainee"));
}

#[test]
fn without_conflicts_nothing_conflicts() {
    let w = valid(&CONFLICTS.replace(
        "conflicts:\n  - { role: trainee, with: all }\n  - { role: supervisor, with: [committee, chair] }\n",
        "",
    ));
    assert!(w.conflicts.is_empty());
    assert!(!w.conflicting("trainee", "supervisor"));
}

#[test]
fn the_bundled_workflows_keep_trainees_and_supervisors_off_their_own_juries() {
    for (key, path) in bundled() {
        let w = load(&path).unwrap_or_else(|e| panic!("{e}")).workflow;
        let owner = if key == "service-improvement" {
            "service_owner"
        } else {
            "trainee"
        };
        for role in w.roles.iter().filter(|r| *r != owner) {
            assert!(w.conflicting(owner, role), "{key}: {owner} with {role}");
        }
        let (supervisor, deciders): (&str, &[&str]) = if key == "service-improvement" {
            ("department_head", &["steering"])
        } else {
            ("supervisor", &["committee", "chair"])
        };
        for decider in deciders {
            assert!(
                w.conflicting(supervisor, decider),
                "{key}: {supervisor} with {decider}"
            );
        }
    }
}

/// A workflow whose titles try to break out of their labels.
const HOSTILE: &str = r#"key: demo
version: 1
title: Demo
roles: [trainee]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  done:
    title: "Done\\\" ]; injected [label=\"x"
    terminal: true
"#;

/// [`HOSTILE`] with titles holding line breaks, which validation refuses
/// (a title is one line) but a picture must survive all the same: the
/// workflow is changed after validation.
fn hostile() -> Workflow {
    let mut w = valid(HOSTILE);
    w.title = definition::Label::new("Demo\n    [*] --> injected");
    w.stages[0].title = definition::Label::new(
        "Draft\"\n    draft --> done: injected\n    %% [brackets] {curly} <b>#1;",
    );
    w
}

#[test]
fn a_title_with_a_line_break_is_refused() {
    let problems = parse(
        &HOSTILE.replace("title: Demo", "title: \"Demo\\n    [*] --> injected\""),
        Templates::Unchecked,
    )
    .unwrap_err();
    assert_eq!(
        problems[0].message,
        "the title contains a line break (U+000A)"
    );
    assert_eq!((problems[0].line, problems[0].column), (3, 8));
}

#[test]
fn titles_cannot_add_lines_or_syntax_to_a_mermaid_picture() {
    let picture = draw(&hostile(), Format::Mermaid);
    let lines: Vec<&str> = picture.lines().collect();
    assert_eq!(lines.len(), 7, "{picture}");
    assert!(!picture.contains("injected\n"), "{picture}");
    assert_eq!(lines[0], "stateDiagram-v2");
    assert!(lines[1].starts_with("    %% Demo "), "{picture}");
    assert_eq!(
        lines[2],
        "    state \"Draft#34;     draft --#62; done#58; injected     #37;#37; #91;brackets#93; #123;curly#125; #60;b#62;#35;1#59;\" as draft"
    );
    assert_eq!(lines[4], "    [*] --> draft");
    assert_eq!(lines[5], "    draft --> done: submit (trainee)");
    assert_eq!(lines[6], "    done --> [*]");
}

#[test]
fn titles_cannot_add_lines_or_syntax_to_a_dot_picture() {
    let picture = draw(&hostile(), Format::Dot);
    assert_eq!(picture.lines().count(), 8, "{picture}");
    assert!(
        picture.contains(
            r#"    "done" [label="Done\\\" ]; injected [label=\"x", shape=doublecircle];"#
        ),
        "{picture}"
    );
    // Every quote inside a label is escaped: unescaped quotes pair up on each line.
    for line in picture.lines() {
        let unescaped = line.replace("\\\\", "").replace("\\\"", "");
        assert_eq!(unescaped.matches('"').count() % 2, 0, "{line}");
    }
}

#[test]
fn stages_whose_keys_differ_only_by_dash_and_underscore_stay_apart_in_mermaid() {
    let w = valid(
        "key: demo
version: 1
title: Demo
roles: [r]
start: a-b
stages:
  a-b:
    actions:
      go: { by: r, to: a_b }
  a_b: { terminal: true }
",
    );
    let picture = draw(&w, Format::Mermaid);
    assert!(
        picture.contains("    state \"a-b\" as a_b_0\n"),
        "{picture}"
    );
    assert!(
        picture.contains("    state \"a b\" as a_b_1\n"),
        "{picture}"
    );
    assert!(
        picture.contains("    a_b_0 --> a_b_1: go (r)\n"),
        "{picture}"
    );
}

#[test]
fn bounds_are_accepted_right_at_their_limits() {
    let w = valid(&CONFLICTS.replace("version: 1", &format!("version: {MAX_VERSION}")));
    assert_eq!(w.version, 1_000_000);
    let rubric = format!(
        "key: demo
version: 1
title: Demo
roles: [r]
start: s
stages:
  s:
    assessment: {{ rubric: wide, by: r, evaluators: 1, quorum: 1 }}
    actions:
      go: {{ by: r, to: done }}
  done: {{ terminal: true }}
rubrics:
  wide:
    scale: {{ min: -{MAX_SCORE}, max: {MAX_SCORE} }}
    criteria: {{ a: {{ weight: 1000 }}, b: {{ weight: 0.001 }} }}
    pass: {{ weighted_mean_at_least: 0 }}
    moderate_spread_above: 1999.5
"
    );
    let w = valid(&rubric);
    assert_eq!(w.rubrics["wide"].scale_max, 1000);
}

#[test]
fn schedules_explain_themselves_in_the_five_fields() {
    assert_eq!(
        Schedule::parse("0 24 * * *").unwrap_err(),
        "the hour field '24' must be 0-23"
    );
    assert_eq!(
        Schedule::parse("0 9 31 2 *").unwrap_err(),
        "'0 9 31 2 *' never fires: no month it names has a day it names"
    );
    let every = Schedule::parse("30 8 * * 0-4").expect("Sunday to Thursday");
    assert_eq!(every.expression, "30 8 * * 0-4");
}

#[test]
fn a_stored_definition_is_checked_the_same_way() {
    // What the service reads back from the database goes through `parse`.
    let problems = definition::parse(
        &CONFLICTS.replace("with: all", "with: [all, chair]"),
        Templates::Unchecked,
    )
    .expect_err("invalid");
    assert_eq!(problems.len(), 1, "{problems:#?}");
}

#[test]
fn words_in_two_languages_are_read_per_language_with_the_default_as_fallback() {
    let file = super::data_dir().join("valid/labels-in-two-languages.yaml");
    let w = load(&file).unwrap_or_else(|e| panic!("{e}")).workflow;
    assert_eq!(w.title.get("ar"), "تجربة");
    assert_eq!(w.title.get("en"), "Demo");
    assert_eq!(w.title.default_text(), "Demo");
    assert_eq!(
        w.description.as_ref().map(|d| d.get("ar")),
        Some("مسار عمل بلغتين.")
    );
    let draft = w.stage("draft").unwrap();
    // Written Arabic first: English is still the default text.
    assert_eq!(draft.title.get("ar"), "المسودة");
    assert_eq!(draft.title.default_text(), "Draft");
    // Plain text reads the same in every language.
    let description = draft.description.as_ref().unwrap();
    assert_eq!(description.get("ar"), description.get("en"));
    assert_eq!(draft.action("submit").unwrap().title.get("ar"), "تقديم");
    // A number or yes/no written as a title is its text, as written.
    assert_eq!(w.stage("done").unwrap().title.get("ar"), "2026");
    let form = &w.forms["report"];
    assert_eq!(form.field("answer").unwrap().label.get("ar"), "Yes");
    let minutes = form.field("minutes").unwrap();
    assert_eq!(minutes.label.get("ar"), "مدة الانتظار");
    assert_eq!(minutes.unit.as_ref().unwrap().get("ar"), "دقائق");
    assert_eq!(minutes.unit.as_ref().unwrap().get("en"), "minutes");
    let safety = &w.rubrics["safe"].criteria[0];
    // Only Arabic given: it is the text in every language.
    assert_eq!(safety.title.get("en"), "السلامة");
    assert_eq!(safety.levels[&1].get("ar"), "غير آمن");
    assert_eq!(safety.levels[&5].get("ar"), "Safe");
    // Pictures stay in the default text.
    let picture = draw(&w, Format::Mermaid);
    assert!(picture.contains("state \"Draft\" as draft"), "{picture}");
}

#[test]
fn the_bundled_workflows_speak_arabic() {
    for (key, path) in bundled() {
        let w = load(&path).unwrap_or_else(|e| panic!("{e}")).workflow;
        let arabic = |text: &str| text.chars().any(|c| ('\u{600}'..='\u{6ff}').contains(&c));
        assert!(arabic(w.title.get("ar")), "{key}: the title");
        for stage in &w.stages {
            assert!(arabic(stage.title.get("ar")), "{key}: stage {}", stage.key);
            assert!(!arabic(stage.title.get("en")), "{key}: stage {}", stage.key);
            for action in &stage.actions {
                assert!(
                    arabic(action.title.get("ar")),
                    "{key}: action {}",
                    action.key
                );
            }
            for m in &stage.milestones {
                assert!(arabic(m.title.get("ar")), "{key}: milestone {}", m.key);
            }
        }
        for form in w.forms.values() {
            assert!(arabic(form.title.get("ar")), "{key}: form {}", form.key);
            for field in &form.fields {
                assert!(arabic(field.label.get("ar")), "{key}: field {}", field.key);
            }
        }
        for rubric in w.rubrics.values() {
            for c in &rubric.criteria {
                assert!(arabic(c.title.get("ar")), "{key}: criterion {}", c.key);
            }
        }
    }
}
