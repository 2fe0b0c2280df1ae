use gradflow_engine::definition::{Templates, parse};
use std::collections::BTreeSet;

const BASE: &str = "key: demo
version: 1
title: Demo
roles: [trainee, supervisor]
cohort_dates: [proposal_due]
start: draft
stages:
  draft:
    actions:
      submit: { by: trainee, to: review }
  review:
    actions:
      accept: { by: supervisor, to: done }
  done: { terminal: true }
";

fn show(name: &str, text: &str) {
    let set: BTreeSet<String> = ["deadline_reminder".to_string()].into();
    println!("== {name}");
    match parse(text, Templates::Known(&set)) {
        Ok(_) => println!("OK"),
        Err(ds) => {
            for d in ds {
                println!("{}:{} {} | {:?}", d.line, d.column, d.message, d.hint);
            }
        }
    }
}

#[test]
fn probe() {
    show("base", BASE);
    show("indent", &BASE.replace("  review:\n", "   review:\n"));
    show("indent2", &BASE.replace("      accept:", "     accept:"));
    show("indent3", &BASE.replace("      submit:", "    submit:"));
    show("stges", &BASE.replace("stages:", "stges:"));
    show(
        "titel",
        &BASE.replace("  review:\n", "  review:\n    titel: Review\n"),
    );
    show(
        "titelflow",
        &BASE.replace("{ terminal: true }", "{ titel: x, terminal: true }"),
    );
    show(
        "dup",
        &BASE.replace(
            "  done:",
            "  review:\n    actions:\n      x: { by: trainee, to: done }\n  done:",
        ),
    );
    show(
        "dupaction",
        &BASE.replace(
            "      accept: { by: supervisor, to: done }",
            "      accept: { by: supervisor, to: done }\n      accept: { by: trainee, to: done }",
        ),
    );
    show("version", &BASE.replace("version: 1", "version: one"));
    show(
        "remind",
        &BASE.replace(
            "  review:\n",
            "  review:\n    remind:\n      - { before: 1d, to: trainee }\n",
        ),
    );
    show(
        "remind2",
        &BASE.replace(
            "  review:\n",
            "  review:\n    remind:\n      - before: 1d\n        to: trainee\n",
        ),
    );
    show(
        "time",
        &BASE.replace(
            "  review:\n",
            "  review:\n    deadline: { at: cohort.proposal_due, time: \"25:00\" }\n",
        ),
    );
    show(
        "field",
        &format!(
            "{BASE}forms:\n  f:\n    fields:\n      c: {{ type: choice }}\n      d:\n        type: number\n        min: 5\n        max: 1\n"
        ),
    );
    show(
        "nonascii",
        &BASE.replace(
            "{ by: trainee, to: review }",
            "{ title: Café ünd, by: trainee, to: revieww }",
        ),
    );
    show(
        "nonascii-cond",
        &BASE.replace(
            "{ by: trainee, to: review }",
            "{ title: Café ünd, by: trainee, to: review, when: \"nosuch\" }",
        ),
    );
    show(
        "escape-cond",
        &BASE.replace(
            "{ by: trainee, to: review }",
            "{ by: trainee, to: review, when: \"true == \\\"a\\\" && nosuch\" }",
        ),
    );
}
