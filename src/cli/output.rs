//! Printing results for people (text) or scripts (`--json`).
//!
//! Every line for people goes through [`line`]: it strips what a terminal
//! would obey (escape sequences in a name or comment) and ends the program
//! quietly when the reader has gone away (`gradflow ... | head -1`).

use std::borrow::Cow;
use std::io::Write;

use serde::Serialize;

use super::Ctx;

/// Prints a line for people: `say!("{x} ...")`, like `println!`.
macro_rules! say {
    () => { $crate::cli::output::line(format_args!("")) };
    ($($arg:tt)*) => { $crate::cli::output::line(format_args!($($arg)*)) };
}
pub(crate) use say;

/// Writes one line to standard output, made safe for a terminal. A closed
/// pipe ends the program with success: the reader took what it wanted.
pub fn line(args: std::fmt::Arguments<'_>) {
    let text = args.to_string();
    write_out(format!("{}\n", clean(&text)).as_bytes());
}

fn write_out(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(bytes).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write the output: {e}");
        std::process::exit(1);
    }
}

/// `text` with control characters (other than line breaks and tabs) shown
/// as `\u{..}` escapes instead of being obeyed by the terminal.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
    {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() && !matches!(c, '\n' | '\t') {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Prints `value` as pretty JSON (JSON escapes control characters itself).
pub fn json<T: Serialize + ?Sized>(value: &T) {
    let mut text = serde_json::to_string_pretty(value).expect("output serialises");
    text.push('\n');
    write_out(text.as_bytes());
}

/// Prints a one-line confirmation, or `value` as JSON.
pub fn done(ctx: &Ctx, text: &str, value: serde_json::Value) {
    if ctx.json {
        json(&value);
    } else {
        say!("{text}");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn terminal_escapes_are_shown_not_obeyed() {
        assert_eq!(super::clean("Amal"), "Amal");
        assert_eq!(super::clean("A\u{1b}[2Jmal\u{0}"), "A\\u{1b}[2Jmal\\u{0}");
        assert_eq!(super::clean("two\nlines\tok"), "two\nlines\tok");
    }
}
