//! Reading definition files: the size limit holds for endless input, bad
//! UTF-8 is placed at a line and column, a byte order mark is removed, and
//! templates are only readable files beside the definition.

use std::path::Path;

use gradflow_engine::definition::{
    self, MAX_DEFINITION_BYTES, ReadError, Templates, load, parse, read_text,
};

use super::bundled;

const VALID: &str = "key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: done }
  done: { terminal: true }
";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write a test file");
    path
}

#[test]
fn an_endless_file_is_refused_by_its_size_without_reading_it_all() {
    let zero = Path::new("/dev/zero");
    if !zero.exists() {
        return;
    }
    let error = read_text(zero, 1024).expect_err("endless");
    assert!(
        matches!(error, ReadError::TooLarge { limit: 1024, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "/dev/zero: the file is larger than 1 KiB (1024 bytes), the most accepted here"
    );
    let error = load(zero).expect_err("endless");
    assert_eq!(
        error.to_string(),
        "/dev/zero:1:1: error: the file is larger than 1048576 bytes (1 MiB), the most a definition may be\n  hint: split it into several workflows"
    );
}

#[test]
fn the_limit_is_exact() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = write(dir.path(), "ten.txt", b"0123456789");
    assert_eq!(read_text(&path, 10).expect("at the limit"), "0123456789");
    assert!(matches!(
        read_text(&path, 9),
        Err(ReadError::TooLarge { limit: 9, .. })
    ));
    let big = vec![b'#'; MAX_DEFINITION_BYTES as usize + 1];
    let path = write(dir.path(), "big.yaml", &big);
    let Err(definition::Error::Invalid { problems, .. }) = load(&path) else {
        panic!("a file one byte too large is refused");
    };
    assert!(problems[0].message.contains("larger than"), "{problems:?}");
}

#[test]
fn bad_utf8_is_placed_at_its_line_and_column() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = write(dir.path(), "answers.json", "{\n  \"name\": \"Ré".as_bytes());
    let mut bytes = std::fs::read(&path).expect("read back");
    bytes.extend_from_slice(b"\xffmi\"\n}\n");
    std::fs::write(&path, &bytes).expect("write");
    let error = read_text(&path, 1024).expect_err("not UTF-8");
    assert!(
        matches!(
            error,
            ReadError::NotUtf8 {
                line: 2,
                column: 14,
                byte: 0xff,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "{}:2:14: the file is not UTF-8 text (byte 0xff here cannot start or continue a character); save it as UTF-8",
            path.display()
        )
    );
    // A character cut short at the end of the file is placed where it starts.
    let path = write(dir.path(), "cut.txt", b"ab\n\xc3");
    assert!(matches!(
        read_text(&path, 1024),
        Err(ReadError::NotUtf8 {
            line: 2,
            column: 1,
            ..
        })
    ));
}

#[test]
fn a_byte_order_mark_is_removed() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = write(
        dir.path(),
        "workflow.yaml",
        format!("\u{feff}{VALID}").as_bytes(),
    );
    assert_eq!(read_text(&path, 1024).expect("read"), VALID);
    let loaded = load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.text, VALID, "the stored text has no mark");
    // The same rule for text held in memory.
    let workflow = parse(&format!("\u{feff}{VALID}"), Templates::Unchecked).expect("valid");
    assert_eq!(workflow.key, "demo");
    // Only at the start: elsewhere it is a character like any other.
    let text = read_text(&write(dir.path(), "mid.txt", "a\u{feff}".as_bytes()), 10);
    assert_eq!(text.expect("read"), "a\u{feff}");
}

#[test]
fn a_file_that_cannot_be_read() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("missing.yaml");
    let error = load(&path).expect_err("no such file");
    assert!(
        matches!(error, definition::Error::Read(ReadError::Io { .. })),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}: cannot read the file", path.display())),
        "{error}"
    );
    let error = read_text(dir.path(), 10).expect_err("a folder");
    assert!(matches!(error, ReadError::Io { .. }), "{error:?}");
}

#[test]
fn load_renders_problems_with_the_file_and_finds_templates_beside_it() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = write(
        dir.path(),
        "workflow.yaml",
        format!(
            "{VALID}notifications:\n  - {{ on: enter done, to: [trainee], template: proposal_submitted }}\n"
        )
        .as_bytes(),
    );
    let error = load(&path).expect_err("the template is missing");
    let definition::Error::Invalid {
        path: reported,
        problems,
    } = &error
    else {
        panic!("not an invalid definition: {error:?}");
    };
    assert_eq!(reported, &path);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(
        error.to_string(),
        format!(
            "{}:12:48: error: unknown template 'proposal_submitted'\n  hint: add templates/proposal_submitted.subject.hbs and templates/proposal_submitted.text.hbs beside the definition",
            path.display()
        )
    );

    // Half a template is not a template.
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).expect("templates directory");
    write(&templates, "proposal_submitted.subject.hbs", b"Submitted");
    assert!(matches!(
        load(&path),
        Err(definition::Error::Invalid { .. })
    ));

    write(&templates, "proposal_submitted.text.hbs", b"{{project}}");
    let loaded = load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.workflow.key, "demo");
    assert_eq!(loaded.text, std::fs::read_to_string(&path).expect("read"));
}

#[test]
fn a_template_is_a_readable_file() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).expect("templates directory");
    let definition = dir.path().join("workflow.yaml");
    let names = || definition::templates_beside(&definition);

    // A folder named like a template.
    std::fs::create_dir(templates.join("folder.subject.hbs")).expect("folder");
    write(&templates, "folder.text.hbs", b"text");
    // Files, and links to files, are templates.
    write(&templates, "real.subject.hbs", b"subject");
    write(&templates, "real.text.hbs", b"text");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(
            templates.join("real.text.hbs"),
            templates.join("linked.subject.hbs"),
        )
        .expect("link");
        write(&templates, "linked.text.hbs", b"text");
        // A link to nothing.
        std::os::unix::fs::symlink(
            templates.join("gone.hbs"),
            templates.join("dangling.subject.hbs"),
        )
        .expect("link");
        write(&templates, "dangling.text.hbs", b"text");
    }
    // A language variant is not a template a workflow may name.
    write(&templates, "real.ar.subject.hbs", b"subject");
    write(&templates, "real.ar.text.hbs", b"text");
    let found = names();
    assert!(found.contains("real"), "{found:?}");
    assert!(!found.contains("real.ar"), "{found:?}");
    assert!(!found.contains("folder"), "{found:?}");
    #[cfg(unix)]
    {
        assert!(found.contains("linked"), "{found:?}");
        assert!(!found.contains("dangling"), "{found:?}");
    }
}

#[test]
fn bundled_workflows_load_without_problems() {
    for (key, path) in bundled() {
        let loaded = load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.workflow.key, key);
        assert!(!loaded.workflow.stages.is_empty());
        assert!(
            !loaded.workflow.conflicts.is_empty(),
            "{key} declares its conflicts of interest"
        );
    }
}

/// The bundled workflows tell the person whose work moved: every action
/// someone takes mails someone else (whoever of its roles takes it), a
/// submitted milestone mails someone besides its submitter, and an accepted
/// or returned one mails its submitter (the trainee hears that her proposal
/// was endorsed or her client visit accepted).
#[test]
fn bundled_workflows_tell_the_person_whose_work_moved() {
    use gradflow_engine::definition::{MilestoneStep, Trigger};
    for (key, path) in bundled() {
        let workflow = load(&path).unwrap_or_else(|e| panic!("{e}")).workflow;
        let told = |triggers: &[Trigger]| -> Vec<&str> {
            workflow
                .notifications
                .iter()
                .filter(|rule| triggers.iter().any(|t| rule.on.matches(t)))
                .flat_map(|rule| rule.to.iter().map(String::as_str))
                .collect()
        };
        let mut missing = Vec::new();
        for stage in &workflow.stages {
            for action in stage.actions.iter().filter(|a| !a.auto) {
                let mut triggers = vec![Trigger::Action(action.key.clone())];
                if action.to != stage.key {
                    triggers.push(Trigger::Leave(stage.key.clone()));
                    triggers.push(Trigger::Enter(action.to.clone()));
                }
                let roles = told(&triggers);
                for by in &action.by {
                    if !roles.iter().any(|r| r != by) {
                        missing.push(format!(
                            "{key}: {} by {by} in {} tells nobody else ({roles:?})",
                            action.key, stage.key
                        ));
                    }
                }
            }
            for milestone in &stage.milestones {
                let step = |step| {
                    told(&[Trigger::Milestone {
                        key: milestone.key.clone(),
                        step,
                    }])
                };
                let submitted = step(MilestoneStep::Submitted);
                if !submitted
                    .iter()
                    .any(|r| !milestone.by.iter().any(|b| b == r))
                {
                    missing.push(format!(
                        "{key}: {} submitted tells no reviewer",
                        milestone.key
                    ));
                }
                for done in [MilestoneStep::Accepted, MilestoneStep::Returned] {
                    let roles = step(done);
                    if !milestone.by.iter().all(|b| roles.contains(&b.as_str())) {
                        missing.push(format!(
                            "{key}: {} {done:?} does not tell its submitter ({roles:?})",
                            milestone.key
                        ));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }
}
