//! Why a pattern was rejected, and where.

use std::fmt;

/// What kind of problem a [`PatternError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PatternErrorKind {
    /// The pattern is longer than the limit ([`super::Limits::max_len`]).
    TooLong,
    /// Brackets, parentheses and qualifiers nest deeper than the limit.
    TooDeep,
    /// A match would need more observations than the limit allows
    /// ([`super::Limits::max_binding`]), through `REPEATS` or many operands.
    TooManyObservations,
    /// The text does not follow the grammar.
    Syntax,
    /// A constant is malformed: a string escape, a timestamp, hex, base64,
    /// an integer out of range.
    InvalidLiteral,
    /// A `MATCHES` expression is not a valid regular expression.
    InvalidRegex,
    /// A `MATCHES` expression uses PCRE-only syntax (look-around,
    /// backreferences, possessive or atomic groups) that the linear-time
    /// engine does not run.
    UnsupportedRegex,
    /// An `ISSUBSET`/`ISSUPERSET` constant is not an IP address or CIDR network.
    InvalidNetwork,
    /// The constants of an `IN` set are not all of one type.
    MixedSet,
    /// A qualifier's value is out of range (`REPEATS 0`, `WITHIN 0`).
    InvalidQualifier,
    /// [`super::Pattern::validate`] only: the same qualifier type applied
    /// twice to one observation expression.
    DuplicateQualifier,
    /// [`super::Pattern::validate`] only: the pattern can never match
    /// (AND between comparisons on different object types, START not
    /// before STOP).
    Unsatisfiable,
}

/// A rejected pattern: the kind, the position and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PatternError {
    kind: PatternErrorKind,
    offset: usize,
    column: usize,
    message: String,
}

impl PatternError {
    /// An error at byte `offset` of `text`.
    pub(crate) fn new(kind: PatternErrorKind, text: &str, offset: usize, message: String) -> Self {
        let offset = offset.min(text.len());
        let column = text
            .get(..offset)
            .map_or(offset, |before| before.chars().count())
            + 1;
        PatternError {
            kind,
            offset,
            column,
            message,
        }
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> PatternErrorKind {
        self.kind
    }

    /// The byte offset in the pattern where the problem is.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The 1-based character position in the pattern where the problem is.
    pub fn column(&self) -> usize {
        self.column
    }

    /// The message, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.column)
    }
}
