//! Hand-written lexer and recursive-descent parser for conditions.
//!
//! Works over `char`s so every column is a character offset, while also tracking byte
//! offsets so parts of the source can be sliced out for messages.

use super::{CmpOp, Error, Kind, Node};

/// Deepest allowed nesting of parentheses and `!`/`not`, so hostile input cannot
/// overflow the stack.
const MAX_DEPTH: usize = 64;

const RESERVED: [&str; 5] = ["and", "or", "not", "true", "false"];

pub(super) fn parse(source: &str) -> Result<Node, Error> {
    let mut parser = Parser {
        lexer: Lexer::new(source),
        tok: Token::eof(0, 0),
        depth: 0,
    };
    parser.advance()?;
    if parser.tok.kind == Tok::Eof {
        return Err(err(0, "the condition is empty"));
    }
    let node = parser.parse_or()?;
    match parser.tok.kind {
        Tok::Eof => Ok(node),
        Tok::RParen => Err(err(
            parser.tok.column,
            "unexpected `)` with no matching `(`",
        )),
        _ => Err(err(
            parser.tok.column,
            format!(
                "expected `&&`, `||`, a comparison or the end of the condition but found {}",
                parser.found()
            ),
        )),
    }
}

fn err(column: usize, message: impl Into<String>) -> Error {
    Error {
        column,
        message: message.into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Path(Vec<String>),
    Number(f64),
    Text(String),
    True,
    False,
    And,
    Or,
    Not,
    Cmp(CmpOp),
    LParen,
    RParen,
    Eof,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Tok,
    /// Character column of the first character.
    column: usize,
    /// Byte range in the source.
    start: usize,
    end: usize,
}

impl Token {
    fn eof(column: usize, at: usize) -> Token {
        Token {
            kind: Tok::Eof,
            column,
            start: at,
            end: at,
        }
    }
}

struct Lexer<'a> {
    source: &'a str,
    /// (byte offset, char) for every character; the index is the character column.
    chars: Vec<(usize, char)>,
    pos: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

impl<'a> Lexer<'a> {
    fn new(source: &'a str) -> Lexer<'a> {
        Lexer {
            source,
            chars: source.char_indices().collect(),
            pos: 0,
        }
    }

    fn peek_at(&self, i: usize) -> Option<char> {
        self.chars.get(i).map(|&(_, c)| c)
    }

    /// Byte offset of character column `i` (the source length at the end).
    fn byte(&self, i: usize) -> usize {
        self.chars.get(i).map_or(self.source.len(), |&(b, _)| b)
    }

    fn next_token(&mut self) -> Result<Token, Error> {
        while self.peek_at(self.pos).is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(c) = self.peek_at(start) else {
            return Ok(Token::eof(start, self.source.len()));
        };
        let next = self.peek_at(start + 1);
        let (kind, len) = match (c, next) {
            ('(', _) => (Tok::LParen, 1),
            (')', _) => (Tok::RParen, 1),
            ('&', Some('&')) => (Tok::And, 2),
            ('|', Some('|')) => (Tok::Or, 2),
            ('&', _) => return Err(err(start, "unexpected `&` — write `&&` or `and`")),
            ('|', _) => return Err(err(start, "unexpected `|` — write `||` or `or`")),
            ('=', Some('=')) => (Tok::Cmp(CmpOp::Eq), 2),
            ('=', _) => return Err(err(start, "use `==` to compare")),
            ('!', Some('=')) => (Tok::Cmp(CmpOp::Ne), 2),
            ('!', _) => (Tok::Not, 1),
            ('<', Some('=')) => (Tok::Cmp(CmpOp::Le), 2),
            ('<', _) => (Tok::Cmp(CmpOp::Lt), 1),
            ('>', Some('=')) => (Tok::Cmp(CmpOp::Ge), 2),
            ('>', _) => (Tok::Cmp(CmpOp::Gt), 1),
            ('"' | '\'', _) => return self.string(c),
            ('-', Some(d)) if d.is_ascii_digit() => return self.number(),
            ('-', _) => {
                return Err(err(
                    start,
                    "unexpected `-` — there is no arithmetic; `-` may only start a number like `-1`",
                ));
            }
            (d, _) if d.is_ascii_digit() => return self.number(),
            (c, _) if is_ident_start(c) => return self.path(),
            (c, _) => return Err(err(start, format!("unexpected character `{c}`"))),
        };
        self.pos += len;
        Ok(self.token(kind, start))
    }

    fn token(&self, kind: Tok, start: usize) -> Token {
        Token {
            kind,
            column: start,
            start: self.byte(start),
            end: self.byte(self.pos),
        }
    }

    fn string(&mut self, quote: char) -> Result<Token, Error> {
        let start = self.pos;
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.peek_at(self.pos) {
                None => return Err(err(start, "unclosed string")),
                Some('\\') => match self.peek_at(self.pos + 1) {
                    None => return Err(err(start, "unclosed string")),
                    Some(e) if e == quote || e == '\\' => {
                        text.push(e);
                        self.pos += 2;
                    }
                    Some(e) => {
                        return Err(err(
                            self.pos,
                            format!(
                                "unknown escape `\\{e}` in a string; only `\\\\` and `\\{quote}` can be escaped"
                            ),
                        ));
                    }
                },
                Some(c) if c == quote => {
                    self.pos += 1;
                    return Ok(self.token(Tok::Text(text), start));
                }
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn number(&mut self) -> Result<Token, Error> {
        let start = self.pos;
        if self.peek_at(self.pos) == Some('-') {
            self.pos += 1;
        }
        // Take everything that could be glued onto a number, then insist on the strict
        // shape `-?digits(.digits)?`, so `1.`, `1.2.3`, `3abc` and `5-3` are all rejected.
        while self
            .peek_at(self.pos)
            .is_some_and(|c| is_ident_char(c) || c == '.')
        {
            self.pos += 1;
        }
        let text = &self.source[self.byte(start)..self.byte(self.pos)];
        let body = text.strip_prefix('-').unwrap_or(text);
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (body, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) || frac.is_some_and(|f| !digits(f)) {
            let hint = if body.contains('-') {
                " (there is no arithmetic in conditions)"
            } else {
                ""
            };
            return Err(err(start, format!("invalid number `{text}`{hint}")));
        }
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(self.token(Tok::Number(n), start)),
            _ => Err(err(start, format!("the number `{text}` is too large"))),
        }
    }

    fn path(&mut self) -> Result<Token, Error> {
        let start = self.pos;
        let mut segments = Vec::new();
        loop {
            let seg_start = self.pos;
            if !self.peek_at(self.pos).is_some_and(is_ident_start) {
                return Err(err(
                    seg_start,
                    "expected a name after `.` (names start with a letter or `_`)",
                ));
            }
            while self.peek_at(self.pos).is_some_and(is_ident_char) {
                self.pos += 1;
            }
            segments.push(self.source[self.byte(seg_start)..self.byte(self.pos)].to_string());
            if self.peek_at(self.pos) == Some('.') {
                self.pos += 1;
            } else {
                break;
            }
        }
        let first = segments[0].as_str();
        if segments.len() == 1 {
            let kind = match first {
                "and" => Some(Tok::And),
                "or" => Some(Tok::Or),
                "not" => Some(Tok::Not),
                "true" => Some(Tok::True),
                "false" => Some(Tok::False),
                _ => None,
            };
            if let Some(kind) = kind {
                return Ok(self.token(kind, start));
            }
        } else if RESERVED.contains(&first) {
            return Err(err(
                start,
                format!("`{first}` is a reserved word and cannot start a name"),
            ));
        }
        Ok(self.token(Tok::Path(segments), start))
    }
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    /// The current (not yet consumed) token.
    tok: Token,
    depth: usize,
}

impl Parser<'_> {
    /// Consume the current token, returning it, and lex the next one.
    fn advance(&mut self) -> Result<Token, Error> {
        let next = self.lexer.next_token()?;
        Ok(std::mem::replace(&mut self.tok, next))
    }

    /// How to name the current token in a message.
    fn found(&self) -> String {
        if self.tok.kind == Tok::Eof {
            return "the end of the condition".to_string();
        }
        let text = &self.lexer.source[self.tok.start..self.tok.end];
        let mut shown: String = text.chars().take(40).collect();
        if shown.len() < text.len() {
            shown.push('…');
        }
        format!("`{shown}`")
    }

    fn enter(&mut self, column: usize) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(
                column,
                format!(
                    "the condition is nested too deeply (more than {MAX_DEPTH} levels of parentheses or `!`)"
                ),
            ));
        }
        Ok(())
    }

    fn parse_or(&mut self) -> Result<Node, Error> {
        let first = self.parse_and()?;
        if self.tok.kind != Tok::Or {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.tok.kind == Tok::Or {
            self.advance()?;
            items.push(self.parse_and()?);
        }
        Ok(join(items, Kind::Or))
    }

    fn parse_and(&mut self) -> Result<Node, Error> {
        let first = self.parse_unary()?;
        if self.tok.kind != Tok::And {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.tok.kind == Tok::And {
            self.advance()?;
            items.push(self.parse_unary()?);
        }
        Ok(join(items, Kind::And))
    }

    fn parse_unary(&mut self) -> Result<Node, Error> {
        if self.tok.kind != Tok::Not {
            return self.parse_cmp();
        }
        let not = self.advance()?;
        self.enter(not.column)?;
        let inner = self.parse_unary()?;
        self.depth -= 1;
        Ok(Node {
            column: not.column,
            outer: (not.start, inner.outer.1),
            kind: Kind::Not(Box::new(inner)),
        })
    }

    fn parse_cmp(&mut self) -> Result<Node, Error> {
        let left = self.parse_primary()?;
        let Tok::Cmp(op) = self.tok.kind else {
            return Ok(left);
        };
        let op_tok = self.advance()?;
        let right = self.parse_primary()?;
        if let Tok::Cmp(_) = self.tok.kind {
            return Err(err(
                self.tok.column,
                "comparisons cannot be chained; use `&&`",
            ));
        }
        Ok(Node {
            column: left.column,
            outer: (left.outer.0, right.outer.1),
            kind: Kind::Cmp {
                op,
                op_column: op_tok.column,
                left: Box::new(left),
                right: Box::new(right),
            },
        })
    }

    fn parse_primary(&mut self) -> Result<Node, Error> {
        let kind = match &self.tok.kind {
            Tok::Path(p) => Kind::Path(p.clone()),
            Tok::Number(n) => Kind::Number(*n),
            Tok::Text(s) => Kind::Text(s.clone()),
            Tok::True => Kind::Bool(true),
            Tok::False => Kind::Bool(false),
            Tok::LParen => return self.parse_parens(),
            _ => {
                return Err(err(
                    self.tok.column,
                    format!(
                        "expected a name, a number, a string, `true`, `false` or `(` but found {}",
                        self.found()
                    ),
                ));
            }
        };
        let tok = self.advance()?;
        Ok(Node {
            kind,
            column: tok.column,
            outer: (tok.start, tok.end),
        })
    }

    fn parse_parens(&mut self) -> Result<Node, Error> {
        let open = self.advance()?;
        self.enter(open.column)?;
        let mut inner = self.parse_or()?;
        match self.tok.kind {
            Tok::RParen => {
                let close = self.advance()?;
                self.depth -= 1;
                inner.outer = (open.start, close.end);
                Ok(inner)
            }
            Tok::Eof => Err(err(open.column, "unclosed parenthesis")),
            _ => Err(err(
                self.tok.column,
                format!(
                    "expected `&&`, `||`, a comparison or `)` but found {}",
                    self.found()
                ),
            )),
        }
    }
}

/// Build an n-ary `&&`/`||` node from two or more operands.
fn join(items: Vec<Node>, make: fn(Vec<Node>) -> Kind) -> Node {
    let column = items[0].column;
    let outer = (items[0].outer.0, items[items.len() - 1].outer.1);
    Node {
        kind: make(items),
        column,
        outer,
    }
}
