//! Names in messages: sets of known names with a hint that lists them (never
//! endlessly), a "did you mean" guess for a misspelt name, and long names cut
//! short so that one message stays one readable line.

use std::collections::HashSet;

/// Most names a hint lists before it says how many there are in all.
const LISTED: usize = 20;

/// Longest name (in characters) shown whole in a message.
const SHOWN: usize = 80;

/// Longest name (in characters) for which a misspelling is guessed; longer
/// names are not typos of a short key, and guessing costs their length squared.
const GUESSED: usize = 64;

/// Names of things a reference can point at, in written order, with a hint
/// listing them and a guess for misspellings.
pub(super) struct Known<'k> {
    /// What the names are, in the singular: "stage", "role".
    pub what: &'static str,
    names: Vec<&'k str>,
    set: HashSet<&'k str>,
}

impl<'k> Known<'k> {
    /// The names, kept in the order they are given (the order of the file).
    pub fn new(what: &'static str, names: impl IntoIterator<Item = &'k str>) -> Self {
        let names: Vec<&str> = names.into_iter().collect();
        let set = names.iter().copied().collect();
        Known { what, names, set }
    }

    /// Whether `name` is known; constant time, as files may hold thousands of names.
    pub fn contains(&self, name: &str) -> bool {
        self.set.contains(name)
    }

    /// "known stages: a, b, c", at most [`LISTED`] of them.
    pub fn hint(&self) -> String {
        if self.names.is_empty() {
            format!("no {}s are defined", self.what)
        } else {
            format!("known {}s: {}", self.what, list(self.names.iter().copied()))
        }
    }

    /// The known name `name` most likely misspells, if one is close enough;
    /// the comparisons spend `budget` (see [`guess`]).
    pub fn guess(&self, name: &str, budget: &mut usize) -> Option<&'k str> {
        guess(name, &self.names, budget)
    }
}

/// Names joined by commas, at most [`LISTED`] of them, then how many in all.
/// Only the names shown are looked at, so listing a huge set costs little.
pub(super) fn list<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    let total = names.len();
    let mut out: Vec<String> = names.take(LISTED).map(shown).collect();
    if total > LISTED {
        out.push(format!("… ({total} in all)"));
    }
    out.join(", ")
}

/// `name` as a message shows it: whole when short, otherwise its start and `…`.
pub(super) fn shown(name: &str) -> String {
    match name.char_indices().nth(SHOWN) {
        None => name.to_owned(),
        Some((end, _)) => format!("{}…", &name[..end]),
    }
}

/// The name in `names` closest to `name` by edit distance (insertions,
/// deletions, substitutions, swaps of neighbours), if it is close enough to be
/// a slip: one edit for names up to 4 characters, two up to 8, three beyond.
/// Ties go to the name written first.
///
/// Each comparison costs the product of the two lengths from `budget`; when
/// the budget runs out the best guess so far is given, so a file of
/// thousands of long, similar names costs a bounded amount of guessing.
pub(super) fn guess<'k>(name: &str, names: &[&'k str], budget: &mut usize) -> Option<&'k str> {
    let written: Vec<char> = name.chars().collect();
    if written.is_empty() || written.len() > GUESSED {
        return None;
    }
    let allowed = match written.len() {
        0..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    let mut rows = Rows::default();
    let mut best: Option<(usize, &str)> = None;
    for &candidate in names {
        let chars = candidate.chars().count();
        if chars > GUESSED || chars.abs_diff(written.len()) > allowed {
            continue;
        }
        let cost = (chars + 1) * (written.len() + 1);
        if *budget < cost {
            break;
        }
        *budget -= cost;
        let limit = best.map_or(allowed, |(d, _)| d.saturating_sub(1));
        if let Some(d) = rows.distance(&written, candidate, limit)
            && best.is_none_or(|(b, _)| d < b)
        {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, name)| name)
}

/// The three rows of the distance table, kept between comparisons.
#[derive(Default)]
struct Rows {
    b: Vec<char>,
    rows: [Vec<usize>; 3],
}

impl Rows {
    /// Optimal string alignment distance between `a` and `b`, or `None` when
    /// it is more than `limit`.
    fn distance(&mut self, a: &[char], b: &str, limit: usize) -> Option<usize> {
        self.b.clear();
        self.b.extend(b.chars());
        let b = &self.b;
        let width = b.len() + 1;
        for row in &mut self.rows {
            row.clear();
            row.resize(width, 0);
        }
        let rows = &mut self.rows;
        for (j, cell) in rows[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            let (cur, prev, prev2) = (i % 3, (i + 2) % 3, (i + 1) % 3);
            rows[cur][0] = i;
            let mut row_min = i;
            for j in 1..width {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut d = (rows[prev][j] + 1)
                    .min(rows[cur][j - 1] + 1)
                    .min(rows[prev][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d = d.min(rows[prev2][j - 2] + 1);
                }
                rows[cur][j] = d;
                row_min = row_min.min(d);
            }
            if row_min > limit {
                return None;
            }
        }
        let d = rows[a.len() % 3][b.len()];
        (d <= limit).then_some(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_slips_and_nothing_else() {
        let names = ["draft", "review", "done", "certified"];
        let g = |name: &str| guess(name, &names, &mut 1_000_000);
        assert_eq!(g("reveiw"), Some("review"));
        assert_eq!(g("don"), Some("done"));
        assert_eq!(g("certifed"), Some("certified"));
        assert_eq!(g("drat"), Some("draft"));
        assert_eq!(g("nowhere"), None);
        assert_eq!(g("x"), None);
        assert_eq!(g(""), None);
        // An exhausted budget guesses nothing more.
        assert_eq!(guess("reveiw", &names, &mut 10), None);
    }

    #[test]
    fn distances() {
        let d = |a: &str, b: &str| Rows::default().distance(&a.chars().collect::<Vec<_>>(), b, 10);
        assert_eq!(d("abc", "abc"), Some(0));
        assert_eq!(d("abc", "acb"), Some(1));
        assert_eq!(d("abc", ""), Some(3));
        assert_eq!(d("", "ab"), Some(2));
        assert_eq!(d("kitten", "sitting"), Some(3));
        assert_eq!(Rows::default().distance(&['a'; 5], "bbbbb", 2), None);
    }

    #[test]
    fn long_lists_and_names_are_cut() {
        let many: Vec<String> = (0..30).map(|i| format!("s{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let listed = list(refs.iter().copied());
        assert!(listed.starts_with("s0, s1, "), "{listed}");
        assert!(listed.ends_with("s19, … (30 in all)"), "{listed}");
        assert_eq!(shown("short"), "short");
        let long = "é".repeat(100);
        assert_eq!(shown(&long).chars().count(), SHOWN + 1);
    }
}
