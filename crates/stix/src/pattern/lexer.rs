//! Turns pattern text into tokens, following the lexer rules of the OASIS
//! grammar `STIXPattern.g4` (STIX 2.1): case-sensitive upper-case keywords,
//! lower-case `true`/`false`, identifiers with or without hyphens, string
//! literals with only `\'` and `\\` escapes, `t'…'`, `h'…'` and `b'…'`
//! literals, signed integers and decimals, whitespace (including the
//! Unicode spaces the grammar lists) and `/* */` and `//` comments skipped.

use super::error::{PatternError, PatternErrorKind};
use crate::timestamp::Timestamp;

/// A reserved word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyword {
    And,
    Or,
    Not,
    FollowedBy,
    Like,
    Matches,
    IsSuperset,
    IsSubset,
    Exists,
    Last,
    In,
    Start,
    Stop,
    Seconds,
    Within,
    Repeats,
    Times,
}

impl Keyword {
    fn from_word(word: &str) -> Option<Keyword> {
        Some(match word {
            "AND" => Keyword::And,
            "OR" => Keyword::Or,
            "NOT" => Keyword::Not,
            "FOLLOWEDBY" => Keyword::FollowedBy,
            "LIKE" => Keyword::Like,
            "MATCHES" => Keyword::Matches,
            "ISSUPERSET" => Keyword::IsSuperset,
            "ISSUBSET" => Keyword::IsSubset,
            "EXISTS" => Keyword::Exists,
            "LAST" => Keyword::Last,
            "IN" => Keyword::In,
            "START" => Keyword::Start,
            "STOP" => Keyword::Stop,
            "SECONDS" => Keyword::Seconds,
            "WITHIN" => Keyword::Within,
            "REPEATS" => Keyword::Repeats,
            "TIMES" => Keyword::Times,
            _ => return None,
        })
    }
}

/// A token's kind and value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    LBrack,
    RBrack,
    LParen,
    RParen,
    Colon,
    Dot,
    Comma,
    Star,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Kw(Keyword),
    Bool(bool),
    /// An identifier; `true` if it contains a hyphen (allowed in object
    /// types, not in property names).
    Ident(String, bool),
    Str(String),
    /// An integer as written: the sign (`-` makes it negative) and digits.
    Int {
        negative: bool,
        digits: String,
    },
    /// A decimal: its value and whether it was written with `-`.
    Float {
        value: f64,
        negative: bool,
    },
    Timestamp(Timestamp),
    Hex(Vec<u8>),
    Binary(Vec<u8>),
    Eof,
}

impl Tok {
    /// How the token is named in error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::LBrack => "'['".into(),
            Tok::RBrack => "']'".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::Colon => "':'".into(),
            Tok::Dot => "'.'".into(),
            Tok::Comma => "','".into(),
            Tok::Star => "'*'".into(),
            Tok::Eq => "'='".into(),
            Tok::Ne => "'!='".into(),
            Tok::Lt => "'<'".into(),
            Tok::Le => "'<='".into(),
            Tok::Gt => "'>'".into(),
            Tok::Ge => "'>='".into(),
            Tok::Kw(k) => format!("keyword {}", format!("{k:?}").to_uppercase()),
            Tok::Bool(b) => format!("'{b}'"),
            Tok::Ident(s, _) => format!("identifier '{s}'"),
            Tok::Str(_) => "a string".into(),
            Tok::Int { .. } => "an integer".into(),
            Tok::Float { .. } => "a decimal number".into(),
            Tok::Timestamp(_) => "a timestamp".into(),
            Tok::Hex(_) => "a hex constant".into(),
            Tok::Binary(_) => "a binary constant".into(),
            Tok::Eof => "the end of the pattern".into(),
        }
    }
}

/// A token and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) offset: usize,
}

/// Whitespace as the grammar's `WS` rule lists it.
fn is_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\r'
            | '\n'
            | '\u{000B}'
            | '\u{000C}'
            | '\u{0085}'
            | '\u{00A0}'
            | '\u{1680}'
            | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.text[self.pos..].chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn error(&self, offset: usize, kind: PatternErrorKind, message: String) -> PatternError {
        PatternError::new(kind, self.text, offset, message)
    }

    /// Skips whitespace and comments.
    fn skip_trivia(&mut self) -> Result<(), PatternError> {
        loop {
            match (self.peek(), self.peek_at(1)) {
                (Some(c), _) if is_space(c) => {
                    self.bump();
                }
                (Some('/'), Some('*')) => {
                    let start = self.pos;
                    match self.text[self.pos + 2..].find("*/") {
                        Some(end) => self.pos += 2 + end + 2,
                        None => {
                            return Err(self.error(
                                start,
                                PatternErrorKind::Syntax,
                                "unterminated comment: '/*' without '*/'".into(),
                            ));
                        }
                    }
                }
                (Some('/'), Some('/')) => {
                    while let Some(c) = self.peek() {
                        if c == '\r' || c == '\n' {
                            break;
                        }
                        self.bump();
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// Reads a quoted literal body after the opening quote; returns the
    /// unescaped text. `start` is where the literal began, for errors.
    fn string_body(&mut self, start: usize) -> Result<String, PatternError> {
        let mut out = String::new();
        loop {
            let here = self.pos;
            match self.bump() {
                None => {
                    return Err(self.error(
                        start,
                        PatternErrorKind::Syntax,
                        "unterminated string: no closing quote".into(),
                    ));
                }
                Some('\'') => return Ok(out),
                Some('\\') => match self.bump() {
                    Some('\'') => out.push('\''),
                    Some('\\') => out.push('\\'),
                    other => {
                        let shown = other
                            .map_or_else(|| "end of pattern".to_owned(), |c| format!("'\\{c}'"));
                        return Err(self.error(
                            here,
                            PatternErrorKind::InvalidLiteral,
                            format!(
                                "invalid escape {shown} in string: only \\' and \\\\ are allowed (write a backslash as \\\\)"
                            ),
                        ));
                    }
                },
                Some(c) => out.push(c),
            }
        }
    }

    /// Reads the raw text between quotes (no escapes), for `t'…'`, `h'…'`, `b'…'`.
    fn raw_quoted(&mut self, start: usize, what: &str) -> Result<&'a str, PatternError> {
        let body_start = self.pos;
        let text: &'a str = self.text;
        match text[self.pos..].find('\'') {
            Some(len) => {
                self.pos += len + 1;
                Ok(&text[body_start..body_start + len])
            }
            None => Err(self.error(
                start,
                PatternErrorKind::Syntax,
                format!("unterminated {what}: no closing quote"),
            )),
        }
    }

    fn number(&mut self, start: usize) -> Result<Tok, PatternError> {
        let mut negative = false;
        if let Some(sign @ ('+' | '-')) = self.peek() {
            negative = sign == '-';
            self.bump();
        }
        let int_start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        let digits = self.text[int_start..self.pos].to_owned();
        if self.peek() == Some('.') {
            self.bump();
            let frac_start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.bump();
            }
            if self.pos == frac_start {
                return Err(self.error(
                    start,
                    PatternErrorKind::InvalidLiteral,
                    "a decimal number needs digits after the '.'".into(),
                ));
            }
            let text = &self.text[start..self.pos];
            let value: f64 = text.parse().map_err(|_| {
                self.error(
                    start,
                    PatternErrorKind::InvalidLiteral,
                    format!("invalid decimal number {text}"),
                )
            })?;
            return Ok(Tok::Float { value, negative });
        }
        if digits.is_empty() {
            return Err(self.error(
                start,
                PatternErrorKind::Syntax,
                "a sign must be followed by a number".into(),
            ));
        }
        if digits.len() > 1 && digits.starts_with('0') {
            return Err(self.error(
                start,
                PatternErrorKind::InvalidLiteral,
                format!("integer {digits} must not have leading zeros"),
            ));
        }
        Ok(Tok::Int { negative, digits })
    }

    fn next_token(&mut self) -> Result<Token, PatternError> {
        self.skip_trivia()?;
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(Token {
                tok: Tok::Eof,
                offset: start,
            });
        };
        let simple = |tok: Tok, len: usize, lx: &mut Self| {
            lx.pos += len;
            Ok(Token { tok, offset: start })
        };
        let next = self.peek_at(1);
        match c {
            '[' => simple(Tok::LBrack, 1, self),
            ']' => simple(Tok::RBrack, 1, self),
            '(' => simple(Tok::LParen, 1, self),
            ')' => simple(Tok::RParen, 1, self),
            ':' => simple(Tok::Colon, 1, self),
            ',' => simple(Tok::Comma, 1, self),
            '*' => simple(Tok::Star, 1, self),
            '=' if next == Some('=') => simple(Tok::Eq, 2, self),
            '=' => simple(Tok::Eq, 1, self),
            '!' if next == Some('=') => simple(Tok::Ne, 2, self),
            '<' if next == Some('>') => simple(Tok::Ne, 2, self),
            '<' if next == Some('=') => simple(Tok::Le, 2, self),
            '<' => simple(Tok::Lt, 1, self),
            '>' if next == Some('=') => simple(Tok::Ge, 2, self),
            '>' => simple(Tok::Gt, 1, self),
            '.' if next.is_some_and(|d| d.is_ascii_digit()) => {
                let tok = self.number(start)?;
                Ok(Token { tok, offset: start })
            }
            '.' => simple(Tok::Dot, 1, self),
            '+' | '-' | '0'..='9' => {
                let tok = self.number(start)?;
                Ok(Token { tok, offset: start })
            }
            '\'' => {
                self.bump();
                let s = self.string_body(start)?;
                Ok(Token {
                    tok: Tok::Str(s),
                    offset: start,
                })
            }
            't' if next == Some('\'') => {
                self.pos += 2;
                let body = self.raw_quoted(start, "timestamp")?;
                let ts = Timestamp::parse(body).map_err(|e| {
                    self.error(
                        start,
                        PatternErrorKind::InvalidLiteral,
                        format!("invalid timestamp constant: {e}"),
                    )
                })?;
                Ok(Token {
                    tok: Tok::Timestamp(ts),
                    offset: start,
                })
            }
            'h' if next == Some('\'') => {
                self.pos += 2;
                let body = self.raw_quoted(start, "hex constant")?;
                let bytes = decode_hex(body).ok_or_else(|| {
                    self.error(
                        start,
                        PatternErrorKind::InvalidLiteral,
                        format!("invalid hex constant h'{body}': needs pairs of hex digits"),
                    )
                })?;
                Ok(Token {
                    tok: Tok::Hex(bytes),
                    offset: start,
                })
            }
            'b' if next == Some('\'') => {
                self.pos += 2;
                let body = self.raw_quoted(start, "binary constant")?;
                let bytes = decode_base64(body).ok_or_else(|| {
                    self.error(
                        start,
                        PatternErrorKind::InvalidLiteral,
                        format!(
                            "invalid binary constant b'{body}': needs padded base64 (A-Z a-z 0-9 + /, length a multiple of 4)"
                        ),
                    )
                })?;
                Ok(Token {
                    tok: Tok::Binary(bytes),
                    offset: start,
                })
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    self.bump();
                }
                let word = &self.text[start..self.pos];
                let tok = if let Some(k) = Keyword::from_word(word) {
                    Tok::Kw(k)
                } else if word == "true" || word == "false" {
                    Tok::Bool(word == "true")
                } else {
                    Tok::Ident(word.to_owned(), word.contains('-'))
                };
                Ok(Token { tok, offset: start })
            }
            '"' => Err(self.error(
                start,
                PatternErrorKind::Syntax,
                "strings are written in single quotes ('...'), not double quotes".into(),
            )),
            other => Err(self.error(
                start,
                PatternErrorKind::Syntax,
                format!("unexpected character {other:?}"),
            )),
        }
    }
}

/// Splits a pattern into tokens, ending with [`Tok::Eof`].
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, PatternError> {
    let mut lexer = Lexer { text, pos: 0 };
    let mut tokens = Vec::new();
    loop {
        let t = lexer.next_token()?;
        let end = t.tok == Tok::Eof;
        tokens.push(t);
        if end {
            return Ok(tokens);
        }
    }
}

/// Decodes pairs of hex digits (either case); `None` if malformed.
pub(crate) fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    b.chunks(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

/// Decodes standard padded base64 as the grammar's `BinaryLiteral` allows
/// it (at least one group of four); `None` if malformed.
pub(crate) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(4) {
        return None;
    }
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    let groups = b.len() / 4;
    for (i, g) in b.chunks(4).enumerate() {
        let last = i + 1 == groups;
        let pad = g.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n: u32 = 0;
        for &c in &g[..4 - pad] {
            n = n << 6 | value(c)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

/// Decodes standard base64 as found in `_bin` properties, padding optional.
pub(crate) fn decode_base64_lenient(s: &str) -> Option<Vec<u8>> {
    let trimmed = s.trim_end_matches('=');
    let mut padded = trimmed.to_owned();
    while !padded.len().is_multiple_of(4) {
        padded.push('=');
    }
    if padded.is_empty() {
        return Some(Vec::new());
    }
    decode_base64(&padded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok> {
        tokenize(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn keywords_are_case_sensitive() {
        assert_eq!(
            kinds("AND and"),
            vec![
                Tok::Kw(Keyword::And),
                Tok::Ident("and".into(), false),
                Tok::Eof
            ]
        );
        assert_eq!(
            kinds("true TRUE"),
            vec![Tok::Bool(true), Tok::Ident("TRUE".into(), false), Tok::Eof]
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(
            kinds("-5 +3 .5 -0.25"),
            vec![
                Tok::Int {
                    negative: true,
                    digits: "5".into()
                },
                Tok::Int {
                    negative: false,
                    digits: "3".into()
                },
                Tok::Float {
                    value: 0.5,
                    negative: false
                },
                Tok::Float {
                    value: -0.25,
                    negative: true
                },
                Tok::Eof
            ]
        );
        assert!(tokenize("01").is_err());
        assert!(tokenize("5.").is_err());
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("aGk=").unwrap(), b"hi");
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("AAEC").unwrap(), [0, 1, 2]);
        assert!(decode_base64("aGk").is_none());
        assert!(decode_base64("aG==aGk=").is_none());
        assert!(decode_base64("").is_none());
        assert_eq!(decode_base64_lenient("aGk").unwrap(), b"hi");
    }

    #[test]
    fn comments_and_spaces() {
        assert_eq!(
            kinds("/* c */ [\u{3000}// line\n]"),
            vec![Tok::LBrack, Tok::RBrack, Tok::Eof]
        );
    }
}
