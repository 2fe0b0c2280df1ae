//! Templates read from folders: checking, positions, escaping, languages.

use std::path::Path;

use gradflow_notifications::templates::Error;
use gradflow_notifications::{Layout, Templates};
use serde_json::{Value, json};
use tempfile::TempDir;

/// A template folder holding `files` (name, text).
fn folder(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn load(dir: &TempDir) -> Templates {
    Templates::load(dir.path()).unwrap_or_else(|problems| panic!("{problems:#?}"))
}

/// What a reminder's trigger provides.
fn sample() -> Value {
    json!({
        "recipient": { "name": "Fatima" },
        "project": { "title": "Faster permits" },
        "stage": { "title": "Proposal" },
        "deadline": "1 March 2026",
        "comment": "Please add the baseline.",
        "milestone": { "title": "Baseline" },
        "trainee": { "name": "Omar" },
        "items": [ { "title": "Measure" } ],
    })
}

/// `FILE:LINE:COL: error: message` with FILE relative to `dir`.
fn shown(dir: &Path, problems: &[gradflow_notifications::Problem]) -> Vec<String> {
    problems
        .iter()
        .map(|p| {
            let file = p.file.strip_prefix(dir).unwrap_or(&p.file);
            format!(
                "{}:{}:{}: error: {}",
                file.display(),
                p.line,
                p.column,
                p.message
            )
        })
        .collect()
}

#[test]
fn an_unknown_variable_is_reported_at_its_line_and_column() {
    let dir = folder(&[
        (
            "deadline_reminder.subject.hbs",
            "Reminder: {{stage.title}} is due {{due}}\n",
        ),
        (
            "deadline_reminder.text.hbs",
            "Dear {{recipient.name}},\n\n  \"{{project.titel}}\" is due.\n",
        ),
    ]);
    let templates = load(&dir);
    let problems = templates.check("deadline_reminder", &sample());
    assert_eq!(
        shown(dir.path(), &problems),
        [
            "deadline_reminder.subject.hbs:1:36: error: unknown variable `due`",
            "deadline_reminder.text.hbs:3:6: error: unknown variable `project.titel`",
        ]
    );
    assert_eq!(
        problems[0].hint.as_deref(),
        Some(
            "the variables here are: comment, deadline, items, milestone, project, recipient, stage, trainee"
        )
    );
    assert_eq!(problems[1].hint.as_deref(), Some("`project` has: title"));
    assert!(
        problems[0]
            .to_string()
            .ends_with("deadline_reminder.subject.hbs:1:36: error: unknown variable `due`")
    );
}

#[test]
fn an_unclosed_tag_is_reported_where_it_opens() {
    let dir = folder(&[
        (
            "proposal_submitted.subject.hbs",
            "Proposal submitted: {{project.title}}\n",
        ),
        (
            "proposal_submitted.text.hbs",
            "Dear {{recipient.name}},\n\nThe proposal {{project.title\nis waiting.\n",
        ),
        (
            "certified.subject.hbs",
            "{{#if project.title}}Certified{{/if\n",
        ),
        ("certified.text.hbs", "ok\n"),
    ]);
    let problems = Templates::load(dir.path()).unwrap_err();
    assert_eq!(
        shown(dir.path(), &problems),
        [
            "certified.subject.hbs:1:31: error: this `{{` is never closed",
            "proposal_submitted.text.hbs:3:14: error: this `{{` is never closed",
        ]
    );
    assert_eq!(
        problems[1].hint.as_deref(),
        Some("end the tag with `}}`, e.g. {{project.title}}")
    );
}

#[test]
fn block_helpers_are_checked_too() {
    let dir = folder(&[
        ("overdue.subject.hbs", "Overdue: {{project.title}}\n"),
        (
            "overdue.text.hbs",
            "{{#if unknown}}x{{/if}}\n\
             {{#unless project.late}}y{{/unless}}\n\
             {{#each items}}{{title}} {{nmae}} {{@index}}{{/each}}\n\
             {{#each items as |item|}}{{item.title}} {{item.due}} {{../deadline}}{{/each}}\n\
             {{#with project}}{{title}} {{owner}}{{/with}}\n\
             {{#if (eq stage.title \"Proposal\")}}p{{else}}{{stage.name}}{{/if}}\n\
             {{shout comment}} {{@index}}\n",
        ),
    ]);
    let templates = load(&dir);
    let problems = templates.check("overdue", &sample());
    assert_eq!(
        shown(dir.path(), &problems),
        [
            "overdue.text.hbs:1:7: error: unknown variable `unknown`",
            "overdue.text.hbs:2:11: error: unknown variable `project.late`",
            "overdue.text.hbs:3:28: error: unknown variable `nmae`",
            "overdue.text.hbs:4:43: error: unknown variable `item.due`",
            "overdue.text.hbs:5:30: error: unknown variable `owner`",
            "overdue.text.hbs:6:47: error: unknown variable `stage.name`",
            "overdue.text.hbs:7:3: error: unknown helper `shout`",
            "overdue.text.hbs:7:21: error: `@index` is only known inside {{#each}}",
        ]
    );
}

#[test]
fn html_is_escaped_in_the_html_body_and_nowhere_else() {
    let dir = folder(&[
        (
            "changes_requested.subject.hbs",
            "Changes requested: {{project.title}}\n",
        ),
        ("changes_requested.text.hbs", "Comment: {{comment}}\n"),
        (
            "changes_requested.html.hbs",
            "<p>Comment: {{comment}}</p>\n",
        ),
    ]);
    let templates = load(&dir);
    let data = json!({ "project": { "title": "Tom & Jerry's <service>" }, "comment": "<b>more</b> & \"better\"" });
    assert!(templates.check("changes_requested", &data).is_empty());
    let rendered = templates.render("changes_requested", None, &data).unwrap();
    assert_eq!(
        rendered.subject,
        "Changes requested: Tom & Jerry's <service>"
    );
    assert_eq!(rendered.text, "Comment: <b>more</b> & \"better\"\n");
    let html = rendered.html.unwrap();
    assert!(
        html.contains("<p>Comment: &lt;b&gt;more&lt;/b&gt; &amp; &quot;better&quot;</p>"),
        "{html}"
    );
    assert!(
        html.contains("<title>Changes requested: Tom &amp; Jerry&#x27;s &lt;service&gt;</title>"),
        "{html}"
    );
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
}

#[test]
fn raw_html_in_a_body_is_refused() {
    let dir = folder(&[
        ("note.subject.hbs", "Note\n"),
        ("note.text.hbs", "{{comment}}\n"),
        ("note.html.hbs", "<p>\n  {{{comment}}}</p>\n"),
    ]);
    let problems = load(&dir).check("note", &sample());
    assert_eq!(
        shown(dir.path(), &problems),
        ["note.html.hbs:2:3: error: `{{{...}}}` inserts the value as raw HTML"]
    );
}

#[test]
fn the_language_variant_is_chosen_and_falls_back_to_the_default() {
    let dir = folder(&[
        ("certified.subject.hbs", "Certified: {{project.title}}\n"),
        (
            "certified.text.hbs",
            "Dear {{recipient.name}}, congratulations.\n",
        ),
        ("certified.html.hbs", "<p>Dear {{recipient.name}}</p>\n"),
        ("certified.ar.subject.hbs", "تهانينا: {{project.title}}\n"),
        (
            "certified.ar.text.hbs",
            "عزيزي {{recipient.name}}، مبروك.\n",
        ),
        ("certified.ar.html.hbs", "<p>عزيزي {{recipient.name}}</p>\n"),
    ]);
    let templates = load(&dir);
    assert!(templates.check("certified", &sample()).is_empty());
    assert_eq!(templates.languages("certified"), ["ar"]);

    let arabic = templates
        .render("certified", Some("ar"), &sample())
        .unwrap();
    assert_eq!(arabic.subject, "تهانينا: Faster permits");
    assert_eq!(arabic.text, "عزيزي Fatima، مبروك.\n");
    assert_eq!(arabic.language.as_deref(), Some("ar"));
    let html = arabic.html.unwrap();
    assert!(html.contains(r#"<html lang="ar" dir="rtl">"#), "{html}");
    assert!(html.contains("<p>عزيزي Fatima</p>"), "{html}");

    assert_eq!(
        templates
            .render("certified", Some("ar-OM"), &sample())
            .unwrap()
            .language
            .as_deref(),
        Some("ar")
    );
    for other in [Some("fr"), Some("en"), None] {
        let rendered = templates.render("certified", other, &sample()).unwrap();
        assert_eq!(rendered.subject, "Certified: Faster permits", "{other:?}");
        assert_eq!(rendered.language, None);
    }
}

#[test]
fn a_subject_is_one_line() {
    let dir = folder(&[
        ("a.subject.hbs", "About {{project.title}}\nand more\n"),
        ("a.text.hbs", "x\n"),
        ("b.subject.hbs", "About: {{comment}}\n"),
        ("b.text.hbs", "x\n"),
    ]);
    let templates = load(&dir);
    assert_eq!(
        shown(dir.path(), &templates.check("a", &sample())),
        ["a.subject.hbs:1:24: error: a subject is one line"]
    );
    // Line breaks in the data cannot add a header.
    let data = json!({ "comment": "late\r\nBcc: everyone@example.org" });
    assert_eq!(
        templates.render("b", None, &data).unwrap().subject,
        "About: late Bcc: everyone@example.org"
    );
}

#[test]
fn missing_parts_and_odd_file_names_are_problems() {
    let dir = folder(&[
        ("lonely.subject.hbs", "Only a subject\n"),
        ("orphan.ar.subject.hbs", "x\n"),
        ("orphan.ar.text.hbs", "x\n"),
        ("notes.body.hbs", "x\n"),
        ("README.md", "not a template"),
    ]);
    let problems = Templates::load(dir.path()).unwrap_err();
    assert_eq!(
        shown(dir.path(), &problems),
        [
            "lonely.subject.hbs:1:1: error: `lonely` has no text",
            "notes.body.hbs:1:1: error: `notes.body.hbs` is not a template file name",
            "orphan.ar.subject.hbs:1:1: error: the `orphan` template has a language variant but no default files",
        ]
    );
    assert_eq!(
        problems[0].hint.as_deref(),
        Some("add lonely.text.hbs beside it")
    );
}

#[test]
fn rendering_with_missing_data_names_the_place() {
    let dir = folder(&[
        ("a.subject.hbs", "Hi\n"),
        ("a.text.hbs", "Dear {{recipient.name}},\nمرحبا {{due}}\n"),
    ]);
    let templates = load(&dir);
    let Err(Error::Render(problem)) = templates.render("a", None, &sample()) else {
        panic!()
    };
    assert_eq!(
        shown(dir.path(), &[problem]),
        ["a.text.hbs:2:9: error: unknown variable `due`"]
    );
    assert!(matches!(
        templates.render("nope", None, &sample()),
        Err(Error::Unknown { .. })
    ));
    let problems = templates.check("nope", &sample());
    assert_eq!(
        shown(dir.path(), &problems),
        ["nope.subject.hbs:1:1: error: there is no template `nope`"]
    );
}

#[test]
fn an_institute_layout_replaces_the_built_in_one() {
    let dir = folder(&[
        ("a.subject.hbs", "Hello\n"),
        ("a.text.hbs", "Hello\n"),
        ("a.html.hbs", "<p>Hello {{recipient.name}}</p>"),
        (
            "layout-good.html",
            "<html dir=\"{{mail.dir}}\"><h1>{{institute}}</h1>{{{mail.body}}}</html>",
        ),
        ("layout-bad.html", "<html>{{mail.body}}</html>"),
    ]);
    let layout = Layout::read(&dir.path().join("layout-good.html")).unwrap();
    let templates = Templates::load_with(dir.path(), &layout).unwrap();
    // The layout's own variables are checked against each trigger's data.
    assert_eq!(
        shown(dir.path(), &templates.check("a", &sample())),
        ["layout-good.html:1:32: error: unknown variable `institute`"]
    );
    let mut data = sample();
    data["institute"] = json!("Institute of Public Administration");
    let html = templates.render("a", None, &data).unwrap().html.unwrap();
    assert_eq!(
        html,
        "<html dir=\"auto\"><h1>Institute of Public Administration</h1><p>Hello Fatima</p></html>"
    );

    let bad = Layout::read(&dir.path().join("layout-bad.html")).unwrap();
    let problems = Templates::load_with(dir.path(), &bad).unwrap_err();
    assert_eq!(
        shown(dir.path(), &problems),
        ["layout-bad.html:1:1: error: the layout never shows the message"]
    );
    assert!(
        problems[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("three braces")
    );
}

#[test]
fn a_missing_folder_holds_no_templates() {
    let dir = tempfile::tempdir().unwrap();
    let templates = Templates::load(&dir.path().join("templates")).unwrap();
    assert_eq!(templates.names().count(), 0);
}

#[test]
fn templates_published_with_a_workflow_compile_from_memory() {
    // The engine keeps the templates published with a workflow version as
    // (file name, text) pairs; the worker compiles those, not the folder.
    let published = std::collections::BTreeMap::from([
        (
            "certified.subject.hbs".to_owned(),
            "Certified: {{project.title}}".to_owned(),
        ),
        (
            "certified.text.hbs".to_owned(),
            "Dear {{recipient.name}}".to_owned(),
        ),
        (
            "certified.ar.subject.hbs".to_owned(),
            "تهانينا: {{project.title}}".to_owned(),
        ),
        (
            "certified.ar.text.hbs".to_owned(),
            "عزيزي {{recipient.name}}".to_owned(),
        ),
        ("README.md".to_owned(), "not a template".to_owned()),
    ]);
    let label = Path::new("graduation-service v3");
    let templates = Templates::from_texts(label, &published, &Layout::built_in()).unwrap();
    assert_eq!(
        templates
            .render("certified", Some("ar"), &sample())
            .unwrap()
            .subject,
        "تهانينا: Faster permits"
    );

    let broken = [
        ("a.subject.hbs", "Hi {{recipient.name"),
        ("a.text.hbs", "x"),
    ];
    let problems = Templates::from_texts(label, broken, &Layout::built_in()).unwrap_err();
    assert_eq!(
        problems[0].to_string(),
        "graduation-service v3/a.subject.hbs:1:4: error: this `{{` is never closed"
    );
}

#[test]
fn a_loop_over_a_list_inside_another_is_refused_where_it_opens() {
    let dir = folder(&[
        ("overdue.subject.hbs", "Overdue: {{project.title}}\n"),
        (
            "overdue.text.hbs",
            "Late:\n\
             {{#each items}}- {{title}}\n\
             \x20 {{#each ../items}}{{title}}{{/each}}\n\
             {{/each}}\n",
        ),
    ]);
    let templates = load(&dir);
    let problems = templates.check("overdue", &sample());
    assert_eq!(
        shown(dir.path(), &problems),
        [
            "overdue.text.hbs:3:3: error: a loop over a list inside another loop: the message grows with the square of the list (a gathered escalation lists every late project)"
        ]
    );
    // One loop, or a loop beside another, is fine.
    let dir = folder(&[
        ("overdue.subject.hbs", "Overdue: {{project.title}}\n"),
        (
            "overdue.text.hbs",
            "{{#each items}}{{title}}{{/each}}{{#each items}}{{title}}{{/each}}\n",
        ),
    ]);
    assert_eq!(load(&dir).check("overdue", &sample()), []);
}

#[test]
fn rendering_stops_at_the_size_cap_and_says_so() {
    let dir = folder(&[
        ("overdue.subject.hbs", "Overdue: {{project.title}}\n"),
        (
            "overdue.text.hbs",
            "{{#each items}}{{#each ../items}}{{#each ../../items}}{{title}} is late, and so on\n{{/each}}{{/each}}{{/each}}",
        ),
    ]);
    // Loaded from text as if published before the nesting was refused.
    let templates = load(&dir);
    let items: Vec<Value> = (0..200)
        .map(|i| json!({ "title": format!("Project {i}") }))
        .collect();
    let mut data = sample();
    data["items"] = Value::Array(items);
    let mut budget =
        gradflow_notifications::Budget::new(64 * 1024, std::time::Duration::from_secs(60));
    let error = templates
        .render_within("overdue", None, &data, &mut budget)
        .unwrap_err();
    assert!(
        matches!(error, Error::TooLarge { bytes: 65536, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the message is larger than 64 KiB, the most a message may be; does the template nest {{#each}} loops over a list?"
    );
    // Within the default budget a short list renders whole.
    data["items"] = json!([{ "title": "A" }, { "title": "B" }]);
    let rendered = templates.render("overdue", None, &data).unwrap();
    assert_eq!(rendered.text.lines().count(), 8);
}
