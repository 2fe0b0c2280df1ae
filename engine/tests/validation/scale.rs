//! Large definitions validate in time proportional to their size. No timing
//! is asserted (timed tests fail on slow machines for no reason); these files
//! took minutes or ran out of memory while validation was quadratic, so a
//! regression shows as a test suite that suddenly crawls.

use gradflow_engine::definition::{MAX_DEFINITION_BYTES, Templates, load, parse};

/// A chain of `n` stages, each leading to the next, ending in a terminal stage.
fn chain(n: usize, target: impl Fn(usize) -> String) -> String {
    let mut text =
        String::from("key: chain\nversion: 1\ntitle: Chain\nroles: [r]\nstart: s0\nstages:\n");
    for i in 0..n {
        text.push_str(&format!(
            "  s{i}: {{ actions: {{ go: {{ by: r, to: {} }} }} }}\n",
            target(i)
        ));
    }
    text.push_str(&format!("  s{n}: {{ terminal: true }}\n"));
    text
}

#[test]
fn a_chain_of_twenty_thousand_stages_validates() {
    let text = chain(20_000, |i| format!("s{}", i + 1));
    assert!(text.len() as u64 <= MAX_DEFINITION_BYTES, "{}", text.len());
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("chain.yaml");
    std::fs::write(&path, &text).expect("write");
    let loaded = load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.workflow.stages.len(), 20_001);
}

#[test]
fn ten_thousand_mistakes_are_reported_briefly() {
    // Every action leads to a stage that does not exist: each is reported
    // once, with a hint that lists a few stage names, not all 10,001.
    let text = chain(10_000, |i| format!("t{i}"));
    assert!(text.len() as u64 <= MAX_DEFINITION_BYTES, "{}", text.len());
    let problems = parse(&text, Templates::Unchecked).expect_err("invalid");
    assert_eq!(problems.len(), 10_000, "one per action, nothing more");
    for p in &problems {
        assert!(p.message.starts_with("unknown stage 't"), "{p:?}");
        let hint = p.hint.as_deref().unwrap_or("");
        assert!(hint.len() < 400, "{hint}");
        assert!(hint.ends_with("… (10001 in all)"), "{hint}");
    }
}

#[test]
fn misspellings_of_long_look_alike_names_are_guessed_within_a_budget() {
    // Guessing compares a misspelt name with every known one; names that
    // share a long beginning are the costliest to compare. The guessing has
    // a budget, so this costs no more than a few guesses.
    let name = |i: usize| format!("stage_with_a_long_name_that_looks_like_the_others_{i:05}");
    let mut text = String::from("key: alike\nversion: 1\ntitle: Alike\nroles: [r]\n");
    text.push_str(&format!("start: {}\nstages:\n", name(0)));
    let n = 6_000;
    for i in 0..n {
        text.push_str(&format!(
            "  {}: {{ actions: {{ go: {{ by: r, to: {}x }} }} }}\n",
            name(i),
            name(i + 1)
        ));
    }
    text.push_str(&format!("  {}: {{ terminal: true }}\n", name(n)));
    assert!(text.len() as u64 <= MAX_DEFINITION_BYTES, "{}", text.len());
    let problems = parse(&text, Templates::Unchecked).expect_err("invalid");
    assert_eq!(problems.len(), n, "one per action, nothing more");
    let guessed = problems
        .iter()
        .filter(|p| {
            p.hint
                .as_deref()
                .is_some_and(|h| h.starts_with("did you mean"))
        })
        .count();
    assert!((1..=100).contains(&guessed), "{guessed} guesses");
}
