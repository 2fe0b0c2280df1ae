//! Pictures of a workflow: stages as nodes, actions as labelled edges.
//!
//! Titles are free text written by staff, so each format gets them escaped
//! its own way: nothing in a title (a line break, a quote, a bracket, `%%`)
//! can end a label early or add a line to the picture's source.

use std::collections::{HashMap, HashSet};

use super::Workflow;

/// Picture formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A mermaid `stateDiagram-v2`, rendered by many Markdown viewers.
    Mermaid,
    /// A Graphviz `digraph`.
    Dot,
}

/// Draws the workflow's stages and actions.
pub fn draw(workflow: &Workflow, format: Format) -> String {
    match format {
        Format::Mermaid => mermaid(workflow),
        Format::Dot => dot(workflow),
    }
}

fn edge_label(action: &super::Action) -> String {
    let who = if action.auto {
        "automatic".to_owned()
    } else {
        action.by.join(", ")
    };
    format!("{} ({who})", action.key)
}

/// Line breaks and other control characters (which could start a new line of
/// the picture's source) become spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Text for a mermaid label: on one line, with every character that mermaid
/// could read as syntax (quotes, square and curly brackets, `:`, `;`, `#`,
/// `%`, `<`, `>`, `&`, …)
/// written as mermaid's entity code `#NNN;`.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in one_line(text).chars() {
        let plain = matches!(
            c,
            ' ' | '_' | '-' | '.' | ',' | '\'' | '/' | '?' | '!' | '(' | ')'
        );
        if c.is_alphanumeric() || plain {
            out.push(c);
        } else {
            out.push_str(&format!("#{};", u32::from(c)));
        }
    }
    out
}

/// A mermaid state id per stage: the key with `-` as `_` (mermaid ids allow
/// no `-`), made unique with the stage's position when two keys would meet.
fn mermaid_ids(workflow: &Workflow) -> HashMap<&str, String> {
    let plain = |key: &str| key.replace('-', "_");
    let mut count: HashMap<String, usize> = HashMap::new();
    for stage in &workflow.stages {
        *count.entry(plain(&stage.key)).or_default() += 1;
    }
    let mut taken: HashSet<String> = HashSet::new();
    let mut ids = HashMap::new();
    for (i, stage) in workflow.stages.iter().enumerate() {
        let mut id = plain(&stage.key);
        if count[&id] > 1 {
            id = format!("{id}_{i}");
        }
        while !taken.insert(id.clone()) {
            id.push('_');
        }
        ids.insert(stage.key.as_str(), id);
    }
    ids
}

fn mermaid(workflow: &Workflow) -> String {
    let ids = mermaid_ids(workflow);
    let fallback = |key: &str| mermaid_text(key);
    let id = |key: &str| ids.get(key).cloned().unwrap_or_else(|| fallback(key));
    let mut out = String::from("stateDiagram-v2\n");
    out.push_str(&format!(
        "    %% {} v{}\n",
        one_line(workflow.title.default_text()),
        workflow.version
    ));
    for stage in &workflow.stages {
        out.push_str(&format!(
            "    state \"{}\" as {}\n",
            mermaid_text(stage.title.default_text()),
            id(&stage.key)
        ));
    }
    out.push_str(&format!("    [*] --> {}\n", id(&workflow.start)));
    for stage in &workflow.stages {
        for action in &stage.actions {
            out.push_str(&format!(
                "    {} --> {}: {}\n",
                id(&stage.key),
                id(&action.to),
                mermaid_text(&edge_label(action))
            ));
        }
        if stage.terminal {
            out.push_str(&format!("    {} --> [*]\n", id(&stage.key)));
        }
    }
    out
}

/// A Graphviz quoted string: on one line, `"` and `\` escaped, so a label's
/// text is shown as written (a `\n` typed in a title stays two characters).
fn dot_quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in one_line(text).chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn dot(workflow: &Workflow) -> String {
    let mut out = format!("digraph {} {{\n    rankdir=LR;\n", dot_quote(&workflow.key));
    out.push_str("    __start [shape=point];\n");
    for stage in &workflow.stages {
        let shape = if stage.terminal {
            "doublecircle"
        } else {
            "box"
        };
        out.push_str(&format!(
            "    {} [label={}, shape={shape}];\n",
            dot_quote(&stage.key),
            dot_quote(stage.title.default_text())
        ));
    }
    out.push_str(&format!("    __start -> {};\n", dot_quote(&workflow.start)));
    for stage in &workflow.stages {
        for action in &stage.actions {
            out.push_str(&format!(
                "    {} -> {} [label={}];\n",
                dot_quote(&stage.key),
                dot_quote(&action.to),
                dot_quote(&edge_label(action))
            ));
        }
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_text_keeps_words_and_encodes_syntax() {
        assert_eq!(mermaid_text("Proposal review"), "Proposal review");
        assert_eq!(mermaid_text("a\"b"), "a#34;b");
        assert_eq!(mermaid_text("x\ny"), "x y");
        assert_eq!(mermaid_text("[*] --> end"), "#91;#42;#93; --#62; end");
        assert_eq!(mermaid_text("مراجعة"), "مراجعة");
    }

    #[test]
    fn dot_quote_escapes_quotes_and_backslashes() {
        assert_eq!(dot_quote("a \"b\" \\n"), "\"a \\\"b\\\" \\\\n\"");
        assert_eq!(dot_quote("x\r\ny"), "\"x  y\"");
    }
}
