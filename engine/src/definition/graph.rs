//! Pictures of a workflow: stages as nodes, actions as labelled edges.

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

fn mermaid(workflow: &Workflow) -> String {
    let id = |key: &str| key.replace('-', "_");
    let mut out = String::from("stateDiagram-v2\n");
    out.push_str(&format!(
        "    %% {} v{}\n",
        workflow.title, workflow.version
    ));
    for stage in &workflow.stages {
        let title = stage.title.replace('"', "'");
        out.push_str(&format!("    state \"{title}\" as {}\n", id(&stage.key)));
    }
    out.push_str(&format!("    [*] --> {}\n", id(&workflow.start)));
    for stage in &workflow.stages {
        for action in &stage.actions {
            let label = edge_label(action).replace(':', " ");
            out.push_str(&format!(
                "    {} --> {}: {label}\n",
                id(&stage.key),
                id(&action.to)
            ));
        }
        if stage.terminal {
            out.push_str(&format!("    {} --> [*]\n", id(&stage.key)));
        }
    }
    out
}

fn dot(workflow: &Workflow) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = format!("digraph {} {{\n    rankdir=LR;\n", quote(&workflow.key));
    out.push_str("    __start [shape=point];\n");
    for stage in &workflow.stages {
        let shape = if stage.terminal {
            "doublecircle"
        } else {
            "box"
        };
        out.push_str(&format!(
            "    {} [label={}, shape={shape}];\n",
            quote(&stage.key),
            quote(&stage.title)
        ));
    }
    out.push_str(&format!("    __start -> {};\n", quote(&workflow.start)));
    for stage in &workflow.stages {
        for action in &stage.actions {
            out.push_str(&format!(
                "    {} -> {} [label={}];\n",
                quote(&stage.key),
                quote(&action.to),
                quote(&edge_label(action))
            ));
        }
    }
    out.push_str("}\n");
    out
}
