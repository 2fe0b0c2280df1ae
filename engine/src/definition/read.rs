//! Reading a text file people wrote (a definition, an answers file) with a size
//! limit that holds even for endless inputs such as `/dev/zero`, and UTF-8
//! problems reported at the line and column of the first bad byte.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a text file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read (missing, a folder, no permission).
    #[error("{}: cannot read the file: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause, from the operating system.
        error: std::io::Error,
    },
    /// The file is longer than the limit; reading stopped one byte past it, so
    /// an endless input is refused as quickly as a large one.
    #[error("{}: the file is larger than {}, the most accepted here", path.display(), Bytes(*limit))]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The largest size accepted, in bytes.
        limit: u64,
    },
    /// The file is not UTF-8 text; the place is that of the first bad byte.
    #[error(
        "{}:{line}:{column}: the file is not UTF-8 text (byte 0x{byte:02x} here cannot start or continue a character); save it as UTF-8",
        path.display()
    )]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// Line of the first bad byte (1-based).
        line: u64,
        /// Column of the first bad byte, in characters (1-based).
        column: u64,
        /// The bad byte itself, which helps to recognise the encoding used.
        byte: u8,
    },
}

/// A size in words: `1 MiB (1048576 bytes)`.
struct Bytes(u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
            write!(f, "{} MiB ({n} bytes)", n / (1024 * 1024))
        } else if n >= 1024 && n.is_multiple_of(1024) {
            write!(f, "{} KiB ({n} bytes)", n / 1024)
        } else {
            write!(f, "{n} bytes")
        }
    }
}

/// The UTF-8 byte order mark some editors put at the start of a file.
const BOM: &str = "\u{feff}";

/// Reads the UTF-8 text file at `path`, refusing it when it is longer than
/// `limit` bytes or not UTF-8.
///
/// At most `limit + 1` bytes are ever read, so a huge or endless file costs
/// no more than a file one byte too long. A leading byte order mark is
/// accepted and removed (some Windows editors write one), so the text, its
/// line and column numbers and anything stored from it are the same with or
/// without it. The limit counts the file's bytes, mark included.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let io = |error| ReadError::Io {
        path: path.to_owned(),
        error,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    let text = String::from_utf8(bytes).map_err(|error| {
        let (line, column) = place_of(error.as_bytes(), error.utf8_error().valid_up_to());
        ReadError::NotUtf8 {
            path: path.to_owned(),
            line,
            column,
            byte: error.as_bytes()[error.utf8_error().valid_up_to()],
        }
    })?;
    Ok(match text.strip_prefix(BOM) {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// Removes a leading byte order mark, as [`read_text`] does, for text that
/// did not come from a file.
pub(crate) fn without_bom(text: &str) -> &str {
    text.strip_prefix(BOM).unwrap_or(text)
}

/// Line and column (1-based, columns in characters, a leading byte order
/// mark not counted) of byte `at` of `bytes`, whose first `at` bytes are UTF-8.
/// Lines end as YAML (and editors) end them: `\n`, `\r\n` or a lone `\r`, so
/// the place agrees with the places validation gives.
fn place_of(bytes: &[u8], at: usize) -> (u64, u64) {
    let valid = std::str::from_utf8(&bytes[..at]).unwrap_or("");
    let (mut line, mut column) = (1, 1);
    let mut chars = without_bom(valid).chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => {
                line += 1;
                column = 1;
            }
            _ => column += 1,
        }
    }
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_count_lines_and_characters() {
        assert_eq!(place_of(b"ab\xff", 2), (1, 3));
        assert_eq!(place_of("a\nbé\u{00ff}\n".as_bytes(), 5), (2, 3));
        assert_eq!(place_of(b"\xef\xbb\xbfab", 5), (1, 3));
        assert_eq!(place_of(b"", 0), (1, 1));
        assert_eq!(place_of(b"a\r\nb\rcd\xff", 7), (3, 3));
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(Bytes(1024 * 1024).to_string(), "1 MiB (1048576 bytes)");
        assert_eq!(Bytes(2048).to_string(), "2 KiB (2048 bytes)");
        assert_eq!(Bytes(10).to_string(), "10 bytes");
    }
}
