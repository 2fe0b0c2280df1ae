//! Where in a template file: byte offsets to and from 1-based lines and
//! columns. Columns count characters, not bytes, so a position in an Arabic
//! line is the one an editor shows (and what handlebars reports).

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub(super) fn line_column(text: &str, offset: usize) -> (u64, u64) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line as u64, column as u64)
}

/// The byte offset of 1-based `line` and `column` (in characters), clamped
/// to the end of the text.
pub(super) fn offset_of(text: &str, line: u64, column: u64) -> usize {
    let mut line_start = 0;
    for _ in 1..line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let rest = &text[line_start..];
    let skip = usize::try_from(column.saturating_sub(1)).unwrap_or(usize::MAX);
    line_start + rest.char_indices().nth(skip).map_or(rest.len(), |(i, _)| i)
}

/// Where `needle` stands as a whole word inside the tag that starts at byte
/// `tag_start` (up to its closing `}}`): the exact position of a variable
/// named in a `{{...}}` tag, for pointing at `due` in `{{#if due}}`.
pub(super) fn find_in_tag(text: &str, tag_start: usize, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let tag_start = floor_char_boundary(text, tag_start.min(text.len()));
    let tag = &text[tag_start..];
    let tag = &tag[..tag.find("}}").map_or(tag.len(), |end| end + 2)];
    let is_word = |c: char| c.is_alphanumeric() || "_-.@/[]".contains(c);
    let mut from = 0;
    while let Some(found) = tag[from..].find(needle) {
        let start = from + found;
        let end = start + needle.len();
        let before_ok = tag[..start].chars().next_back().is_none_or(|c| !is_word(c));
        let after_ok = tag[end..].chars().next().is_none_or(|c| !is_word(c));
        if before_ok && after_ok {
            return Some(tag_start + start);
        }
        from = start + needle.chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// The problem for a failed render at handlebars' `line` and `column`,
/// pointing at `name` inside the tag when it can be found.
pub(super) fn at_name(source: &str, line: u64, column: u64, name: Option<&str>) -> (u64, u64) {
    let tag = offset_of(source, line, column);
    name.and_then(|name| find_in_tag(source, tag, name))
        .map_or((line, column), |offset| line_column(source, offset))
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_characters() {
        let text = "Dear {{a}},\r\nمرحبا {{b}}\n";
        let b = text.find("{{b").unwrap();
        assert_eq!(line_column(text, b), (2, 7));
        assert_eq!(offset_of(text, 2, 7), b);
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(offset_of(text, 9, 1), text.len());
    }

    #[test]
    fn a_name_is_found_as_a_whole_word_inside_its_tag() {
        let text = "{{#if i}}{{i}}{{/if}}";
        assert_eq!(find_in_tag(text, 0, "i"), Some(6));
        let text = "{{#each items}} {{items.x}}";
        assert_eq!(find_in_tag(text, 0, "items"), Some(8));
        assert_eq!(find_in_tag(text, 0, "x"), None);
    }
}
