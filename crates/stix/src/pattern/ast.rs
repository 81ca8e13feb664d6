//! The syntax tree of a STIX pattern (STIX 2.1 §9.2–§9.8) and its printed
//! form.
//!
//! Chains of one boolean operator are kept flat (`a OR b OR c` is one
//! [`ComparisonExpr::Or`] of three), so a long list of alternatives never
//! makes a deep tree. Parentheses are not kept as nodes: [`fmt::Display`]
//! prints the fewest that give back the same tree, so
//! `Pattern::parse(&ast.to_string())` yields `ast` again. An operand that
//! is itself a chain of the same operator is printed in parentheses, which
//! is how such a nesting is written and read back.

use std::fmt;

use crate::timestamp::Timestamp;

/// A whole pattern: one observation expression, possibly compound.
#[derive(Debug, Clone, PartialEq)]
pub enum ObservationExpr {
    /// `[ comparison expression ]`: matched by one observation.
    Observation(ComparisonExpr),
    /// `a AND b AND ...`: every operand matched, each by different observations.
    And(Vec<ObservationExpr>),
    /// `a OR b OR ...`: one operand matched.
    Or(Vec<ObservationExpr>),
    /// `a FOLLOWEDBY b FOLLOWEDBY ...`: each operand matched after the ones
    /// before it (§9.6).
    FollowedBy(Vec<ObservationExpr>),
    /// An operand with a qualifier after it (§9.7).
    Qualified(Box<ObservationExpr>, Qualifier),
}

/// A qualifier on an observation expression (§9.7).
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS`: all matched observations fall within n seconds.
    Within(Seconds),
    /// `REPEATS n TIMES`: the expression is matched n times, by different observations.
    Repeats(u64),
    /// `START t'…' STOP t'…'`: the observations lie in `[start, stop)`.
    StartStop { start: Timestamp, stop: Timestamp },
}

/// The number in `WITHIN n SECONDS`, an integer or a decimal as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Seconds {
    Int(u64),
    Float(f64),
}

impl Seconds {
    /// The duration in seconds.
    pub fn as_f64(self) -> f64 {
        match self {
            // Exact for any count of seconds a pattern can meaningfully hold.
            #[allow(clippy::cast_precision_loss)]
            Seconds::Int(n) => n as f64,
            Seconds::Float(f) => f,
        }
    }
}

/// The inside of `[ ... ]`: comparisons joined by AND and OR (§9.5).
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonExpr {
    /// Every operand holds for the same object.
    And(Vec<ComparisonExpr>),
    /// One operand holds.
    Or(Vec<ComparisonExpr>),
    /// A single comparison.
    Test(Comparison),
}

/// One comparison: an object path, an operator and a constant.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub path: ObjectPath,
    /// Whether `NOT` precedes the operator (for EXISTS, precedes the keyword).
    pub negated: bool,
    pub op: Operator,
}

/// A comparison operator with its right-hand side (§9.5).
#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    /// `=` (also written `==`).
    Eq(Constant),
    /// `!=` (also written `<>`).
    Ne(Constant),
    Lt(Constant),
    Le(Constant),
    Gt(Constant),
    Ge(Constant),
    /// `IN (c, ...)`.
    In(Vec<Constant>),
    /// `LIKE 'pattern'` with SQL wildcards `%` and `_`.
    Like(String),
    /// `MATCHES 'regex'`.
    Matches(String),
    /// `ISSUBSET 'cidr'`: the value is an address or network inside the constant.
    IsSubset(String),
    /// `ISSUPERSET 'cidr'`: the value is a network containing the constant.
    IsSuperset(String),
    /// `EXISTS path`.
    Exists,
}

/// An object path `type:property.property[index]...` (§9.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectPath {
    pub object_type: String,
    /// The first property name.
    pub property: String,
    /// The steps after the first property.
    pub steps: Vec<PathStep>,
}

/// A step in an object path after the first property.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// `.name` or `.'quoted-name'`.
    Key(String),
    /// `[n]`.
    Index(i64),
    /// `[*]`: any element.
    AnyIndex,
}

/// A constant on the right of a comparison (§9.3).
#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// `t'…'`.
    Timestamp(Timestamp),
    /// `h'…'`: bytes written in hex.
    Hex(Vec<u8>),
    /// `b'…'`: bytes written in base64.
    Binary(Vec<u8>),
}

/// The reserved words of the grammar; a property named like one of them
/// must be quoted.
pub(crate) const KEYWORDS: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "FOLLOWEDBY",
    "LIKE",
    "MATCHES",
    "ISSUPERSET",
    "ISSUBSET",
    "EXISTS",
    "LAST",
    "IN",
    "START",
    "STOP",
    "SECONDS",
    "true",
    "false",
    "WITHIN",
    "REPEATS",
    "TIMES",
];

/// Writes `s` as a pattern string literal: in quotes, `'` and `\` escaped.
pub(crate) fn write_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("'")?;
    for c in s.chars() {
        match c {
            '\'' => f.write_str("\\'")?,
            '\\' => f.write_str("\\\\")?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("'")
}

fn is_bare_property(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !KEYWORDS.contains(&name)
}

fn write_property(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    if is_bare_property(name) {
        f.write_str(name)
    } else {
        write_string(f, name)
    }
}

fn write_base64(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextet = |shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
        write!(f, "{}{}", sextet(18), sextet(12))?;
        match chunk.len() {
            1 => f.write_str("==")?,
            2 => write!(f, "{}=", sextet(6))?,
            _ => write!(f, "{}{}", sextet(6), sextet(0))?,
        }
    }
    Ok(())
}

impl fmt::Display for Constant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Constant::Str(s) => write_string(f, s),
            Constant::Int(i) => write!(f, "{i}"),
            Constant::Float(x) => {
                // Rust prints the shortest text that reads back as the same
                // f64, never in exponent form; the grammar needs a '.'.
                let text = x.to_string();
                if text.contains('.') {
                    f.write_str(&text)
                } else {
                    write!(f, "{text}.0")
                }
            }
            Constant::Bool(b) => write!(f, "{b}"),
            Constant::Timestamp(t) => write!(f, "t'{}'", t.as_str()),
            Constant::Hex(bytes) => {
                f.write_str("h'")?;
                for b in bytes {
                    write!(f, "{b:02x}")?;
                }
                f.write_str("'")
            }
            Constant::Binary(bytes) => {
                f.write_str("b'")?;
                write_base64(f, bytes)?;
                f.write_str("'")
            }
        }
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.object_type)?;
        write_property(f, &self.property)?;
        for step in &self.steps {
            match step {
                PathStep::Key(k) => {
                    f.write_str(".")?;
                    write_property(f, k)?;
                }
                PathStep::Index(i) => write!(f, "[{i}]")?,
                PathStep::AnyIndex => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let not = if self.negated { "NOT " } else { "" };
        let p = &self.path;
        let with_string = |f: &mut fmt::Formatter<'_>, op: &str, s: &str| {
            write!(f, "{p} {not}{op} ")?;
            write_string(f, s)
        };
        match &self.op {
            Operator::Exists => write!(f, "{not}EXISTS {p}"),
            Operator::Eq(c) => write!(f, "{p} {not}= {c}"),
            Operator::Ne(c) => write!(f, "{p} {not}!= {c}"),
            Operator::Lt(c) => write!(f, "{p} {not}< {c}"),
            Operator::Le(c) => write!(f, "{p} {not}<= {c}"),
            Operator::Gt(c) => write!(f, "{p} {not}> {c}"),
            Operator::Ge(c) => write!(f, "{p} {not}>= {c}"),
            Operator::In(set) => {
                write!(f, "{p} {not}IN (")?;
                for (i, c) in set.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str(")")
            }
            Operator::Like(s) => with_string(f, "LIKE", s),
            Operator::Matches(s) => with_string(f, "MATCHES", s),
            Operator::IsSubset(s) => with_string(f, "ISSUBSET", s),
            Operator::IsSuperset(s) => with_string(f, "ISSUPERSET", s),
        }
    }
}

impl ComparisonExpr {
    /// 0 for OR, 1 for AND, 2 for a single comparison.
    fn precedence(&self) -> u8 {
        match self {
            ComparisonExpr::Or(_) => 0,
            ComparisonExpr::And(_) => 1,
            ComparisonExpr::Test(_) => 2,
        }
    }
}

fn write_operands<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    operands: &[T],
    keyword: &str,
    needs_parens: impl Fn(&T) -> bool,
) -> fmt::Result {
    for (i, operand) in operands.iter().enumerate() {
        if i > 0 {
            write!(f, " {keyword} ")?;
        }
        if needs_parens(operand) {
            write!(f, "({operand})")?;
        } else {
            write!(f, "{operand}")?;
        }
    }
    Ok(())
}

impl fmt::Display for ComparisonExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComparisonExpr::Test(t) => write!(f, "{t}"),
            // An operand of the same or lower precedence needs parentheses:
            // lower to group at all, the same to stay a nested chain.
            ComparisonExpr::And(items) => write_operands(f, items, "AND", |c| c.precedence() <= 1),
            ComparisonExpr::Or(items) => write_operands(f, items, "OR", |c| c.precedence() == 0),
        }
    }
}

impl ObservationExpr {
    /// 0 FOLLOWEDBY, 1 OR, 2 AND, 3 a bracketed or qualified expression.
    fn precedence(&self) -> u8 {
        match self {
            ObservationExpr::FollowedBy(_) => 0,
            ObservationExpr::Or(_) => 1,
            ObservationExpr::And(_) => 2,
            ObservationExpr::Observation(_) | ObservationExpr::Qualified(..) => 3,
        }
    }
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Within(Seconds::Int(n)) => write!(f, "WITHIN {n} SECONDS"),
            Qualifier::Within(Seconds::Float(x)) => {
                write!(f, "WITHIN {} SECONDS", Constant::Float(*x))
            }
            Qualifier::Repeats(n) => write!(f, "REPEATS {n} TIMES"),
            Qualifier::StartStop { start, stop } => {
                write!(f, "START t'{}' STOP t'{}'", start.as_str(), stop.as_str())
            }
        }
    }
}

impl fmt::Display for ObservationExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObservationExpr::Observation(c) => write!(f, "[{c}]"),
            ObservationExpr::And(items) => write_operands(f, items, "AND", |o| o.precedence() <= 2),
            ObservationExpr::Or(items) => write_operands(f, items, "OR", |o| o.precedence() <= 1),
            ObservationExpr::FollowedBy(items) => {
                write_operands(f, items, "FOLLOWEDBY", |o| o.precedence() == 0)
            }
            ObservationExpr::Qualified(inner, q) => {
                if inner.precedence() < 3 {
                    write!(f, "({inner}) {q}")
                } else {
                    write!(f, "{inner} {q}")
                }
            }
        }
    }
}
