//! Syntax errors in words a template's author understands.
//!
//! Handlebars' parser reports where it gave up (for `{{project.title` left
//! open, the end of the file) and what grammar rule it expected
//! (`trailing_tilde_to_omit_whitespace`). When a template does not compile we
//! scan its tags ourselves and point at the cause: the `{{` that is never
//! closed, or the `{{#if}}` that has no `{{/if}}`. Only when the scan finds
//! nothing do we fall back to handlebars' own position and words.

use std::path::Path;

use handlebars::{TemplateError, TemplateErrorReason};

use super::Problem;
use super::location::line_column;

/// The problem behind `error` in the template `source` read from `file`.
pub(super) fn problem(file: &Path, source: &str, error: &TemplateError) -> Problem {
    if let Some(problem) = scan(file, source) {
        return problem;
    }
    let (line, column) = error.pos().map_or((1, 1), |(l, c)| (l as u64, c as u64));
    match error.reason() {
        TemplateErrorReason::MismatchingClosedHelper(open, close) => Problem::new(
            file,
            line,
            column,
            format!("`{{{{/{close}}}}}` closes a block that was opened as `{{{{#{open}}}}}`"),
        )
        .with_hint(format!("close the block with {{{{/{open}}}}}")),
        TemplateErrorReason::InvalidParam(param) => Problem::new(
            file,
            line,
            column,
            format!("`{param}` is not a valid value in this tag"),
        ),
        TemplateErrorReason::NestedSubexpression => Problem::new(
            file,
            line,
            column,
            "a `( ... )` inside another `( ... )` is not supported",
        ),
        other => Problem::new(file, line, column, "this is not a valid handlebars tag")
            .with_hint(format!("handlebars says: {other}")),
    }
}

/// A tag that is never closed, or a block that is never ended or ended by
/// the wrong name, if the scan finds one.
fn scan(file: &Path, source: &str) -> Option<Problem> {
    let at = |offset: usize, message: String, hint: String| {
        let (line, column) = line_column(source, offset);
        Some(Problem::new(file, line, column, message).with_hint(hint))
    };
    let mut open_blocks: Vec<(String, usize)> = Vec::new();
    let mut offset = 0;
    while let Some(found) = source[offset..].find("{{") {
        let start = offset + found;
        if start > 0 && source.as_bytes()[start - 1] == b'\\' {
            offset = start + 2;
            continue;
        }
        if source[start..].starts_with("{{!--") {
            match source[start + 5..].find("--}}") {
                Some(end) => offset = start + 5 + end + 4,
                None => {
                    return at(
                        start,
                        "this comment is never closed".into(),
                        "end the comment with --}}".into(),
                    );
                }
            }
            continue;
        }
        // `{{`, `{{{` and `{{{{` open one tag.
        let inner_start = start + source[start..].bytes().take_while(|b| *b == b'{').count();
        let close = source[inner_start..].find("}}").map(|i| inner_start + i);
        let next_open = source[inner_start..].find("{{").map(|i| inner_start + i);
        let Some(close) = close.filter(|close| next_open.is_none_or(|next| *close < next)) else {
            return at(
                start,
                "this `{{` is never closed".into(),
                "end the tag with `}}`, e.g. {{project.title}}".into(),
            );
        };
        let inner = source[inner_start..close]
            .trim_start_matches('~')
            .trim_start();
        let name_of = |rest: &str| {
            rest.trim_start_matches(['>', '*'])
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_end_matches('~')
                .to_owned()
        };
        if let Some(rest) = inner
            .strip_prefix('#')
            .or_else(|| inner.strip_prefix('^').filter(|r| !r.trim().is_empty()))
        {
            open_blocks.push((name_of(rest), start));
        } else if let Some(rest) = inner.strip_prefix('/') {
            let closing = name_of(rest);
            match open_blocks.pop() {
                Some((opened, _)) if opened == closing => {}
                Some((opened, opened_at)) => {
                    let (line, column) = line_column(source, opened_at);
                    return at(
                        start,
                        format!(
                            "`{{{{/{closing}}}}}` does not match `{{{{#{opened}}}}}` opened at {line}:{column}"
                        ),
                        format!("close {{{{#{opened}}}}} with {{{{/{opened}}}}} first"),
                    );
                }
                None => {
                    return at(
                        start,
                        format!("`{{{{/{closing}}}}}` closes a block that was never opened"),
                        format!("remove it, or open the block with {{{{#{closing} ...}}}}"),
                    );
                }
            }
        }
        offset = close + 2;
    }
    open_blocks.pop().and_then(|(name, opened_at)| {
        at(
            opened_at,
            format!("`{{{{#{name}}}}}` is never closed"),
            format!("add {{{{/{name}}}}} where the block ends"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use handlebars::template::Template;

    fn diagnose(source: &str) -> String {
        let error = Template::compile(source).unwrap_err();
        problem(Path::new("t.hbs"), source, &error).to_string()
    }

    #[test]
    fn an_unclosed_tag_is_pointed_at() {
        assert_eq!(
            diagnose("Dear {{recipient.name}},\n\nThe {{project.title\n"),
            "t.hbs:3:5: error: this `{{` is never closed"
        );
        assert_eq!(
            diagnose("a {{b\nc {{d}}"),
            "t.hbs:1:3: error: this `{{` is never closed"
        );
    }

    #[test]
    fn blocks_must_be_closed_by_their_name() {
        assert_eq!(
            diagnose("x\n  {{#if a}}oops"),
            "t.hbs:2:3: error: `{{#if}}` is never closed"
        );
        assert_eq!(
            diagnose("{{#with p}}\n{{/each}}"),
            "t.hbs:2:1: error: `{{/each}}` does not match `{{#with}}` opened at 1:1"
        );
        assert_eq!(
            diagnose("a {{/if}}"),
            "t.hbs:1:3: error: `{{/if}}` closes a block that was never opened"
        );
    }

    #[test]
    fn other_errors_keep_handlebars_position() {
        assert_eq!(
            diagnose("مرحبا {{}}"),
            "t.hbs:1:9: error: this is not a valid handlebars tag"
        );
    }
}
