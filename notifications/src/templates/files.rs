//! Reading a workflow's `templates/` folder: which file is which part of
//! which template, in which language.
//!
//! `NAME.subject.hbs`, `NAME.text.hbs` and the optional `NAME.html.hbs` are
//! the default language; `NAME.LANG.subject.hbs` (e.g. `NAME.ar.subject.hbs`)
//! is a language variant. Other files (a README) are left alone; a `.hbs`
//! file whose name does not fit is a problem, since it would otherwise be
//! silently ignored.

use std::path::{Path, PathBuf};

use super::{Part, Problem};

/// One template file, read.
pub(super) struct File {
    /// The template's name, as the workflow refers to it.
    pub name: String,
    /// Lowercase language tag (`ar`, `en-gb`), `None` for the default.
    pub language: Option<String>,
    /// Which part of the message this file is.
    pub part: Part,
    /// Where it was read from, for problems.
    pub path: PathBuf,
    /// Its text, without a byte order mark.
    pub text: String,
}

/// Every template file in `dir`, sorted by path, and the problems met. A
/// folder that does not exist holds no templates (a workflow without mail).
pub(super) fn read(dir: &Path) -> (Vec<File>, Vec<Problem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (files, problems),
        Err(e) => {
            problems.push(Problem::new(
                dir,
                1,
                1,
                format!("cannot read the template folder: {e}"),
            ));
            return (files, problems);
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    for path in paths {
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if !file_name.ends_with(".hbs") || !path.is_file() {
            continue;
        }
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => add(&mut files, &mut problems, path, &file_name, &text),
                Err(_) => problems.push(
                    Problem::new(&path, 1, 1, "the file is not UTF-8 text")
                        .with_hint("save it as UTF-8 (every editor offers it)"),
                ),
            },
            Err(e) => problems.push(Problem::new(
                &path,
                1,
                1,
                format!("cannot read the file: {e}"),
            )),
        }
    }
    (files, problems)
}

/// Template files held in memory (file name, text), e.g. the templates
/// published with a workflow version; `dir` is the folder they came from,
/// for problems. Names not ending in `.hbs` are left alone, as in a folder.
pub(super) fn from_texts<N, T>(
    dir: &Path,
    texts: impl IntoIterator<Item = (N, T)>,
) -> (Vec<File>, Vec<Problem>)
where
    N: AsRef<str>,
    T: AsRef<str>,
{
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let mut texts: Vec<(N, T)> = texts.into_iter().collect();
    texts.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
    for (name, text) in &texts {
        let name = name.as_ref();
        if name.ends_with(".hbs") {
            add(
                &mut files,
                &mut problems,
                dir.join(name),
                name,
                text.as_ref(),
            );
        }
    }
    (files, problems)
}

/// Adds the file `file_name` read from `path`, or the problem with its name.
fn add(
    files: &mut Vec<File>,
    problems: &mut Vec<Problem>,
    path: PathBuf,
    file_name: &str,
    text: &str,
) {
    match parse_file_name(file_name) {
        Ok((name, language, part)) => {
            let text = text.strip_prefix('\u{feff}').unwrap_or(text).to_owned();
            files.push(File {
                name,
                language,
                part,
                path,
                text,
            });
        }
        Err(hint) => problems.push(
            Problem::new(
                &path,
                1,
                1,
                format!("`{file_name}` is not a template file name"),
            )
            .with_hint(hint),
        ),
    }
}

/// `NAME[.LANG].PART.hbs` into its pieces, or a hint saying what is expected.
pub(super) fn parse_file_name(file_name: &str) -> Result<(String, Option<String>, Part), String> {
    let expected = "expected NAME.subject.hbs, NAME.text.hbs or NAME.html.hbs, \
                    or with a language: NAME.ar.subject.hbs";
    let stem = file_name.strip_suffix(".hbs").ok_or(expected)?;
    let pieces: Vec<&str> = stem.split('.').collect();
    let (name, language, part) = match pieces.as_slice() {
        [name, part] => (*name, None, *part),
        [name, language, part] => (*name, Some(*language), *part),
        _ => return Err(expected.to_owned()),
    };
    let part = match part {
        "subject" => Part::Subject,
        "text" => Part::Text,
        "html" => Part::Html,
        _ => return Err(format!("`{part}` is not a part of a message; {expected}")),
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(format!(
            "a template name is letters, digits, `_` and `-`; {expected}"
        ));
    }
    let language = match language {
        Some(tag) if is_language_tag(tag) => Some(tag.to_ascii_lowercase()),
        Some(tag) => {
            return Err(format!(
                "`{tag}` is not a language tag (e.g. ar, en, fr-CA); {expected}"
            ));
        }
        None => None,
    };
    Ok((name.to_owned(), language, part))
}

/// `ar`, `en`, `fr-CA`, `zh-Hant`: a primary language of 2 or 3 letters and
/// optional subtags.
fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let primary = subtags.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_give_name_language_and_part() {
        let parse = |n| parse_file_name(n).map(|(name, lang, part)| (name, lang, part.as_str()));
        assert_eq!(
            parse("proposal_submitted.subject.hbs"),
            Ok(("proposal_submitted".into(), None, "subject"))
        );
        assert_eq!(
            parse("certified.ar.html.hbs"),
            Ok(("certified".into(), Some("ar".into()), "html"))
        );
        assert_eq!(
            parse("certified.fr-CA.text.hbs"),
            Ok(("certified".into(), Some("fr-ca".into()), "text"))
        );
        assert!(parse("certified.hbs").is_err());
        assert!(parse("certified.body.hbs").is_err());
        assert!(parse("certified.arabic.text.hbs").is_err());
        assert!(parse("a b.text.hbs").is_err());
        assert!(parse("x.en.gb.text.hbs").is_err());
    }
}
