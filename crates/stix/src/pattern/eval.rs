//! Comparison expressions compiled for matching (STIX 2.1 §9.4, §9.5),
//! and their evaluation against the objects of one observation.
//!
//! The rules, chosen to follow the spec and agree with the OASIS reference
//! matcher where the spec is silent:
//!
//! - An object path selects values from objects of its type among the
//!   objects the observed-data references. A key step into a property whose
//!   name ends in `_ref` follows the reference to the object; `_refs`
//!   gives the list of referenced objects (references that do not resolve
//!   are dropped). A property ending in `_hex` or `_bin` is read as bytes.
//!   `[n]` takes one list element (negative indexes select nothing), `[*]`
//!   every element.
//! - A comparison holds for an object if it holds for at least one selected
//!   value. `NOT` negates the test on each value; an object without the
//!   property never satisfies a comparison, with or without `NOT`, except
//!   `NOT EXISTS`.
//! - Comparisons joined by AND hold for the same object; an observation
//!   matches `[...]` if one of its objects satisfies the whole expression.
//! - `=` between values of different types is false (so `!=` is true);
//!   `<`, `<=`, `>`, `>=` between values that cannot be ordered are false
//!   with or without `NOT`. Integers and decimals compare by value;
//!   timestamps as instants (a string property is read as a timestamp when
//!   compared with `t'…'`); `h'…'`/`b'…'` compare bytes, and a string
//!   compares with bytes when every character is below U+0100 (one byte
//!   each).
//! - `LIKE` is an anchored match where `%` is any run of characters and `_`
//!   one character; `MATCHES` searches with a linear-time regular
//!   expression (the `regex` crate); on bytes both use byte semantics.
//! - `ISSUBSET`/`ISSUPERSET` compare IPv4 or IPv6 addresses and CIDR
//!   networks (a plain address is a /32 or /128).

use std::cmp::Ordering;
use std::net::{Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, Utc};
use regex::{Regex, RegexBuilder};
use serde_json::{Number, Value};

use super::ast::{Comparison, ComparisonExpr, Constant, ObjectPath, Operator, PathStep};
use super::error::{PatternError, PatternErrorKind};
use super::lexer::{decode_base64_lenient, decode_hex};
use super::observation::{Observation, Sco};
use crate::timestamp::Timestamp;

/// How a property's value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Suffix {
    Plain,
    /// `_hex`: bytes written in hex.
    Hex,
    /// `_bin`: bytes written in base64.
    Bin,
    /// `_ref`: one reference, followed.
    Ref,
    /// `_refs`: a list of references, followed.
    Refs,
}

impl Suffix {
    fn of(name: &str) -> Suffix {
        if name.ends_with("_hex") {
            Suffix::Hex
        } else if name.ends_with("_bin") {
            Suffix::Bin
        } else if name.ends_with("_ref") {
            Suffix::Ref
        } else if name.ends_with("_refs") {
            Suffix::Refs
        } else {
            Suffix::Plain
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    Key(String, Suffix),
    Index(i64),
    Any,
}

/// An object path ready to walk.
#[derive(Debug, Clone)]
pub(crate) struct Path {
    pub(crate) object_type: String,
    steps: Vec<Step>,
}

impl Path {
    fn compile(p: &ObjectPath) -> Path {
        let mut steps = vec![Step::Key(p.property.clone(), Suffix::of(&p.property))];
        steps.extend(p.steps.iter().map(|s| match s {
            PathStep::Key(k) => Step::Key(k.clone(), Suffix::of(k)),
            PathStep::Index(i) => Step::Index(*i),
            PathStep::AnyIndex => Step::Any,
        }));
        Path {
            object_type: p.object_type.clone(),
            steps,
        }
    }

    /// A path of plain keys only (no references, no bytes, no indexes):
    /// what the matcher's equality index can serve.
    pub(crate) fn is_plain(&self) -> bool {
        self.steps
            .iter()
            .all(|s| matches!(s, Step::Key(_, Suffix::Plain)))
    }

    /// For a plain path, the string at the path in `object`, if any.
    pub(crate) fn plain_str<'v>(&self, object: &'v Value) -> Option<&'v str> {
        let mut cur = object;
        for s in &self.steps {
            match s {
                Step::Key(k, _) => cur = cur.get(k)?,
                _ => return None,
            }
        }
        cur.as_str()
    }

    /// A key identifying the path, for grouping index entries.
    pub(crate) fn key(&self) -> String {
        let mut k = self.object_type.clone();
        for s in &self.steps {
            match s {
                Step::Key(name, _) => {
                    k.push('\u{1}');
                    k.push_str(name);
                }
                Step::Index(i) => k.push_str(&format!("\u{2}{i}")),
                Step::Any => k.push('\u{3}'),
            }
        }
        k
    }

    /// The values this path selects from `root`.
    fn select<'a>(&self, obs: &'a Observation, root: &'a Value, out: &mut Vec<Val<'a>>) {
        let mut cur: Vec<Val<'a>> = vec![Val::Json(root)];
        let mut next: Vec<Val<'a>> = Vec::new();
        for step in &self.steps {
            for v in cur.drain(..) {
                step_into(obs, v, step, &mut next);
            }
            std::mem::swap(&mut cur, &mut next);
            if cur.is_empty() {
                return;
            }
        }
        out.extend(cur);
    }
}

/// A value selected by a path.
#[derive(Debug, Clone)]
enum Val<'a> {
    Json(&'a Value),
    Bytes(Vec<u8>),
    /// The objects a `_refs` list points to.
    Objects(Vec<&'a Value>),
}

fn step_into<'a>(obs: &'a Observation, v: Val<'a>, step: &Step, out: &mut Vec<Val<'a>>) {
    match (step, v) {
        (Step::Key(name, suffix), Val::Json(Value::Object(map))) => {
            let Some(x) = map.get(name) else { return };
            match suffix {
                Suffix::Plain => out.push(Val::Json(x)),
                Suffix::Hex => out.push(
                    x.as_str()
                        .and_then(decode_hex)
                        .map_or(Val::Json(x), Val::Bytes),
                ),
                Suffix::Bin => out.push(
                    x.as_str()
                        .and_then(decode_base64_lenient)
                        .map_or(Val::Json(x), Val::Bytes),
                ),
                Suffix::Ref => {
                    if let Some(target) = x.as_str().and_then(|id| obs.find(id)) {
                        out.push(Val::Json(&target.value));
                    }
                }
                Suffix::Refs => {
                    let targets: Vec<&'a Value> = x
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|r| obs.find(r.as_str()?))
                        .map(|s| &s.value)
                        .collect();
                    if !targets.is_empty() {
                        out.push(Val::Objects(targets));
                    }
                }
            }
        }
        (Step::Index(i), Val::Json(Value::Array(items))) => {
            if let Some(x) = usize::try_from(*i).ok().and_then(|i| items.get(i)) {
                out.push(Val::Json(x));
            }
        }
        (Step::Index(i), Val::Objects(items)) => {
            if let Some(x) = usize::try_from(*i).ok().and_then(|i| items.get(i)) {
                out.push(Val::Json(x));
            }
        }
        (Step::Any, Val::Json(Value::Array(items))) => out.extend(items.iter().map(Val::Json)),
        (Step::Any, Val::Objects(items)) => out.extend(items.into_iter().map(Val::Json)),
        _ => {}
    }
}

/// A constant in the form comparisons use.
#[derive(Debug, Clone)]
enum Const {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Time(DateTime<Utc>),
    Bytes(Vec<u8>),
}

impl Const {
    fn of(c: &Constant) -> Const {
        match c {
            Constant::Str(s) => Const::Str(s.clone()),
            Constant::Int(i) => Const::Int(*i),
            Constant::Float(f) => Const::Float(*f),
            Constant::Bool(b) => Const::Bool(*b),
            Constant::Timestamp(t) => Const::Time(t.instant()),
            Constant::Hex(b) | Constant::Binary(b) => Const::Bytes(b.clone()),
        }
    }
}

/// A string as bytes, one per character, if every character is below U+0100.
fn latin1(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

/// Compares a JSON number with an integer or decimal, exactly.
fn cmp_number(n: &Number, c: &Const) -> Option<Ordering> {
    let int_cmp_float = |i: i128, f: f64| -> Option<Ordering> {
        if f.is_nan() {
            return None;
        }
        let fl = f.floor();
        // Beyond ±2^126 the float dominates any i64/u64.
        if fl >= 2f64.powi(126) {
            return Some(Ordering::Less);
        }
        if fl <= -(2f64.powi(126)) {
            return Some(Ordering::Greater);
        }
        // Exact: fl is an integer-valued float within i128 range.
        #[allow(clippy::cast_possible_truncation)]
        let fi = fl as i128;
        Some(match i.cmp(&fi) {
            Ordering::Equal if f > fl => Ordering::Less,
            o => o,
        })
    };
    let value_int: Option<i128> = n
        .as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from));
    match (value_int, c) {
        (Some(v), Const::Int(i)) => Some(v.cmp(&i128::from(*i))),
        (Some(v), Const::Float(f)) => int_cmp_float(v, *f),
        (None, Const::Int(i)) => int_cmp_float(i128::from(*i), n.as_f64()?).map(Ordering::reverse),
        (None, Const::Float(f)) => n.as_f64()?.partial_cmp(f),
        _ => None,
    }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    Timestamp::parse(s).ok().map(|t| t.instant())
}

/// Whether `v` equals `c`; `None` when the types cannot be compared.
fn equals(v: &Val<'_>, c: &Const) -> Option<bool> {
    match (v, c) {
        (Val::Json(Value::String(s)), Const::Str(c)) => Some(s == c),
        (Val::Json(Value::String(s)), Const::Time(t)) => parse_time(s).map(|x| x == *t),
        (Val::Json(Value::String(s)), Const::Bytes(b)) => Some(latin1(s).is_some_and(|x| x == *b)),
        (Val::Json(Value::Number(n)), Const::Int(_) | Const::Float(_)) => {
            cmp_number(n, c).map(|o| o == Ordering::Equal)
        }
        (Val::Json(Value::Bool(a)), Const::Bool(b)) => Some(a == b),
        (Val::Bytes(x), Const::Bytes(b)) => Some(x == b),
        (Val::Bytes(x), Const::Str(s)) => Some(latin1(s).is_some_and(|b| b == *x)),
        _ => None,
    }
}

/// How `v` orders against `c`; `None` when they cannot be ordered.
fn order(v: &Val<'_>, c: &Const) -> Option<Ordering> {
    match (v, c) {
        (Val::Json(Value::String(s)), Const::Str(c)) => Some(s.as_str().cmp(c.as_str())),
        (Val::Json(Value::String(s)), Const::Time(t)) => parse_time(s).map(|x| x.cmp(t)),
        (Val::Json(Value::String(s)), Const::Bytes(b)) => latin1(s).map(|x| x.cmp(b)),
        (Val::Json(Value::Number(n)), Const::Int(_) | Const::Float(_)) => cmp_number(n, c),
        (Val::Bytes(x), Const::Bytes(b)) => Some(x.cmp(b)),
        (Val::Bytes(x), Const::Str(s)) => latin1(s).map(|b| x.cmp(&b)),
        _ => None,
    }
}

/// An IPv4 or IPv6 network; a plain address is a full-length prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Net {
    V4(u32, u8),
    V6(u128, u8),
}

impl Net {
    pub(crate) fn parse(s: &str) -> Option<Net> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                (a, Some(p.parse::<u8>().ok()?))
            }
            Some(_) => return None,
            None => (s, None),
        };
        if let Ok(v4) = addr.parse::<Ipv4Addr>() {
            let p = prefix.unwrap_or(32);
            (p <= 32).then_some(Net::V4(u32::from(v4), p))
        } else if let Ok(v6) = addr.parse::<Ipv6Addr>() {
            let p = prefix.unwrap_or(128);
            (p <= 128).then_some(Net::V6(u128::from(v6), p))
        } else {
            None
        }
    }

    /// Whether `inner` lies within `self`.
    fn contains(self, inner: Net) -> bool {
        match (self, inner) {
            (Net::V4(a, p), Net::V4(b, q)) => {
                let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
                p <= q && a & mask == b & mask
            }
            (Net::V6(a, p), Net::V6(b, q)) => {
                let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
                p <= q && a & mask == b & mask
            }
            _ => false,
        }
    }
}

/// The test a comparison applies to each selected value.
#[derive(Debug, Clone)]
enum Test {
    Eq(Const),
    Ne(Const),
    Order(fn(Ordering) -> bool, Const),
    In(Vec<Const>),
    Like(Regex),
    Matches {
        text: Regex,
        bytes: Option<regex::bytes::Regex>,
    },
    Subset(Net),
    Superset(Net),
    Exists,
}

/// One compiled comparison.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub(crate) path: Path,
    negated: bool,
    test: Test,
}

impl Check {
    /// For `type:path = 'string'` on a plain path: the path and the string,
    /// which the matcher can look up in a hash index.
    pub(crate) fn as_index_key(&self) -> Option<(&Path, &str)> {
        match &self.test {
            Test::Eq(Const::Str(s)) if !self.negated && self.path.is_plain() => {
                Some((&self.path, s))
            }
            _ => None,
        }
    }

    fn holds(&self, obs: &Observation, root: &Sco) -> bool {
        if root.object_type != self.path.object_type {
            return false;
        }
        let mut values = Vec::new();
        self.path.select(obs, &root.value, &mut values);
        if let Test::Exists = self.test {
            return values.is_empty() == self.negated;
        }
        values.iter().any(|v| self.holds_for(v))
    }

    fn holds_for(&self, v: &Val<'_>) -> bool {
        let result = match &self.test {
            Test::Eq(c) => equals(v, c) == Some(true),
            Test::Ne(c) => equals(v, c) != Some(true),
            Test::Order(accept, c) => match order(v, c) {
                Some(o) => accept(o),
                // Values that cannot be ordered fail, with or without NOT.
                None => return false,
            },
            Test::In(set) => set.iter().any(|c| equals(v, c) == Some(true)),
            Test::Like(re) => match v {
                Val::Json(Value::String(s)) => re.is_match(s),
                Val::Bytes(b) => std::str::from_utf8(b).is_ok_and(|s| re.is_match(s)),
                _ => false,
            },
            Test::Matches { text, bytes } => match v {
                Val::Json(Value::String(s)) => text.is_match(s),
                Val::Bytes(b) => bytes.as_ref().is_some_and(|re| re.is_match(b)),
                _ => false,
            },
            Test::Subset(net) => match v {
                Val::Json(Value::String(s)) => Net::parse(s).is_some_and(|x| net.contains(x)),
                _ => false,
            },
            Test::Superset(net) => match v {
                Val::Json(Value::String(s)) => Net::parse(s).is_some_and(|x| x.contains(*net)),
                _ => false,
            },
            Test::Exists => true,
        };
        result != self.negated
    }
}

/// A compiled comparison expression: the inside of one `[...]`.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Check(Check),
}

impl Expr {
    fn holds(&self, obs: &Observation, root: &Sco) -> bool {
        match self {
            Expr::And(items) => items.iter().all(|e| e.holds(obs, root)),
            Expr::Or(items) => items.iter().any(|e| e.holds(obs, root)),
            Expr::Check(c) => c.holds(obs, root),
        }
    }

    /// Whether one of the observation's referenced objects satisfies the
    /// expression.
    pub(crate) fn matches(&self, obs: &Observation) -> bool {
        obs.roots().any(|root| self.holds(obs, root))
    }

    /// The object types the expression's comparisons start from.
    pub(crate) fn object_types<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::And(items) | Expr::Or(items) => {
                for e in items {
                    e.object_types(out);
                }
            }
            Expr::Check(c) => {
                if !out.contains(&c.path.object_type.as_str()) {
                    out.push(&c.path.object_type);
                }
            }
        }
    }

    /// If the expression is one `=` with a string, or an OR of such, on
    /// plain paths: those (path, string) pairs.
    pub(crate) fn index_keys(&self) -> Option<Vec<(&Path, &str)>> {
        match self {
            Expr::Check(c) => Some(vec![c.as_index_key()?]),
            Expr::Or(items) => {
                let mut keys = Vec::new();
                for e in items {
                    keys.extend(e.index_keys()?);
                }
                Some(keys)
            }
            Expr::And(_) => None,
        }
    }
}

/// Compiles regular expressions and networks with a running count of
/// string operands, so errors can point at the right literal.
pub(crate) struct Compiler<'a> {
    pub(crate) text: &'a str,
    pub(crate) offsets: &'a [usize],
    pub(crate) next_operand: usize,
    pub(crate) regex_size: usize,
}

impl Compiler<'_> {
    fn operand_error(&mut self, kind: PatternErrorKind, message: String) -> PatternError {
        let offset = self
            .offsets
            .get(self.next_operand.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        PatternError::new(kind, self.text, offset, message)
    }

    pub(crate) fn expr(&mut self, e: &ComparisonExpr) -> Result<Expr, PatternError> {
        Ok(match e {
            ComparisonExpr::And(items) => Expr::And(
                items
                    .iter()
                    .map(|i| self.expr(i))
                    .collect::<Result<_, _>>()?,
            ),
            ComparisonExpr::Or(items) => Expr::Or(
                items
                    .iter()
                    .map(|i| self.expr(i))
                    .collect::<Result<_, _>>()?,
            ),
            ComparisonExpr::Test(c) => Expr::Check(self.check(c)?),
        })
    }

    fn check(&mut self, c: &Comparison) -> Result<Check, PatternError> {
        let test = match &c.op {
            Operator::Eq(k) => Test::Eq(Const::of(k)),
            Operator::Ne(k) => Test::Ne(Const::of(k)),
            Operator::Lt(k) => Test::Order(Ordering::is_lt, Const::of(k)),
            Operator::Le(k) => Test::Order(Ordering::is_le, Const::of(k)),
            Operator::Gt(k) => Test::Order(Ordering::is_gt, Const::of(k)),
            Operator::Ge(k) => Test::Order(Ordering::is_ge, Const::of(k)),
            Operator::In(set) => Test::In(set.iter().map(Const::of).collect()),
            Operator::Like(s) => {
                self.next_operand += 1;
                Test::Like(self.like(s)?)
            }
            Operator::Matches(s) => {
                self.next_operand += 1;
                let (text, bytes) = self.regex(s)?;
                Test::Matches { text, bytes }
            }
            Operator::IsSubset(s) | Operator::IsSuperset(s) => {
                self.next_operand += 1;
                let net = Net::parse(s).ok_or_else(|| {
                    self.operand_error(
                        PatternErrorKind::InvalidNetwork,
                        format!("'{s}' is not an IPv4 or IPv6 address or CIDR network"),
                    )
                })?;
                if matches!(c.op, Operator::IsSubset(_)) {
                    Test::Subset(net)
                } else {
                    Test::Superset(net)
                }
            }
            Operator::Exists => Test::Exists,
        };
        Ok(Check {
            path: Path::compile(&c.path),
            negated: c.negated,
            test,
        })
    }

    fn like(&mut self, pattern: &str) -> Result<Regex, PatternError> {
        let mut re = String::with_capacity(pattern.len() + 8);
        re.push_str("(?s)^");
        for ch in pattern.chars() {
            match ch {
                '%' => re.push_str(".*"),
                '_' => re.push('.'),
                c => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
            }
        }
        re.push('$');
        RegexBuilder::new(&re)
            .size_limit(self.regex_size)
            .build()
            .map_err(|e| {
                self.operand_error(
                    PatternErrorKind::InvalidRegex,
                    format!(
                        "LIKE pattern is too large to compile: {}",
                        short_regex_error(&e)
                    ),
                )
            })
    }

    fn regex(
        &mut self,
        pattern: &str,
    ) -> Result<(Regex, Option<regex::bytes::Regex>), PatternError> {
        if has_possessive_quantifier(pattern) {
            // The engine reads `a++` as `(a+)+`, which matches where PCRE's
            // possessive form would not: refuse rather than differ.
            return Err(self.operand_error(
                PatternErrorKind::UnsupportedRegex,
                "MATCHES uses a possessive quantifier (such as a++), which is PCRE-only syntax: patterns are matched with a linear-time regular expression engine that has no backtracking".into(),
            ));
        }
        let text = RegexBuilder::new(pattern)
            .size_limit(self.regex_size)
            .build()
            .map_err(|e| {
                if let Some(construct) = pcre_only_construct(pattern) {
                    self.operand_error(
                        PatternErrorKind::UnsupportedRegex,
                        format!(
                            "MATCHES uses {construct}, which is PCRE-only syntax: patterns are matched with a linear-time regular expression engine that has no backtracking ({})",
                            short_regex_error(&e)
                        ),
                    )
                } else {
                    self.operand_error(
                        PatternErrorKind::InvalidRegex,
                        format!("invalid regular expression in MATCHES: {}", short_regex_error(&e)),
                    )
                }
            })?;
        // Against bytes (`_hex`/`_bin` properties), each character of the
        // expression below U+0100 stands for one byte.
        let bytes = latin1_regex(pattern).and_then(|b| {
            regex::bytes::RegexBuilder::new(&b)
                .unicode(false)
                .size_limit(self.regex_size)
                .build()
                .ok()
        });
        Ok((text, bytes))
    }
}

/// The one-line reason of a regex error.
fn short_regex_error(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(s) => s
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .unwrap_or(s)
            .to_owned(),
        regex::Error::CompiledTooBig(limit) => {
            format!("the compiled expression exceeds the size limit of {limit} bytes")
        }
        other => other.to_string(),
    }
}

/// Names the first PCRE-only construct in `pattern`, if any.
fn pcre_only_construct(pattern: &str) -> Option<&'static str> {
    let constructs: &[(&str, &str)] = &[
        ("(?=", "a look-ahead (?=…)"),
        ("(?!", "a negative look-ahead (?!…)"),
        ("(?<=", "a look-behind (?<=…)"),
        ("(?<!", "a negative look-behind (?<!…)"),
        ("(?>", "an atomic group (?>…)"),
        ("\\g", "a backreference \\g"),
        ("\\k", "a named backreference \\k"),
        ("(?R)", "recursion (?R)"),
        ("\\Z", "\\Z (write \\z)"),
    ];
    if let Some((_, name)) = constructs.iter().find(|(s, _)| pattern.contains(s)) {
        return Some(name);
    }
    let b = pattern.as_bytes();
    b.windows(2)
        .any(|w| w[0] == b'\\' && (b'1'..=b'9').contains(&w[1]))
        .then_some("a backreference \\1…\\9")
}

/// Whether a quantifier (`*`, `+`, `?`, `{n,m}`) outside a character
/// class is directly followed by `+`, PCRE's possessive form.
fn has_possessive_quantifier(pattern: &str) -> bool {
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    let mut after_quantifier = false;
    let mut prev = '\0';
    while let Some(c) = chars.next() {
        let quantifier_here = after_quantifier;
        after_quantifier = false;
        match c {
            '\\' => {
                chars.next();
                prev = 'x';
                continue;
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '+' if !in_class && quantifier_here => return true,
            '*' | '+' if !in_class => after_quantifier = true,
            '?' if !in_class && prev != '(' => after_quantifier = true,
            '}' if !in_class => after_quantifier = true,
            _ => {}
        }
        prev = c;
    }
    false
}

/// The expression rewritten for a byte regex: characters from U+0080 to
/// U+00FF become `\xHH`; `None` if a character is above U+00FF.
fn latin1_regex(pattern: &str) -> Option<String> {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n) if u32::from(n) >= 0x80 => {
                    out.push_str(&format!("\\x{:02X}", u32::from(n)))
                }
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else if u32::from(c) >= 0x100 {
            return None;
        } else if u32::from(c) >= 0x80 {
            out.push_str(&format!("\\x{:02X}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    if out.chars().any(|c| u32::from(c) >= 0x100) {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        let n = |s| Net::parse(s).unwrap();
        assert!(n("198.51.100.0/24").contains(n("198.51.100.7")));
        assert!(!n("198.51.100.0/24").contains(n("198.51.101.7")));
        assert!(n("0.0.0.0/0").contains(n("10.0.0.0/8")));
        assert!(!n("10.0.0.0/16").contains(n("10.0.0.0/8")));
        assert!(n("2001:db8::/32").contains(n("2001:db8:dead::1")));
        assert!(!n("2001:db8::/32").contains(n("198.51.100.7")));
        assert!(Net::parse("1.2.3.4/33").is_none());
        assert!(Net::parse("1.2.3").is_none());
        assert!(Net::parse("1.2.3.4/").is_none());
    }

    #[test]
    fn numbers_compare_exactly() {
        let num = |v: Value| match v {
            Value::Number(n) => n,
            _ => unreachable!(),
        };
        assert_eq!(
            cmp_number(&num(serde_json::json!(5)), &Const::Float(5.0)),
            Some(Ordering::Equal)
        );
        assert_eq!(
            cmp_number(&num(serde_json::json!(5)), &Const::Float(5.5)),
            Some(Ordering::Less)
        );
        assert_eq!(
            cmp_number(&num(serde_json::json!(5.5)), &Const::Int(5)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            cmp_number(
                &num(serde_json::json!(9007199254740993_i64)),
                &Const::Float(9007199254740992.0)
            ),
            Some(Ordering::Greater)
        );
        assert_eq!(
            cmp_number(&num(serde_json::json!(u64::MAX)), &Const::Int(i64::MAX)),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn possessive_quantifiers() {
        for p in ["a++", "a*+", "a?+", "a{2}+", "(ab)++"] {
            assert!(has_possessive_quantifier(p), "{p}");
        }
        for p in ["a+", "a+?", "\\++", "[+*]+", "a*b+", "(?:a)+", "[a+]+"] {
            assert!(!has_possessive_quantifier(p), "{p}");
        }
    }

    #[test]
    fn byte_regex_translation() {
        assert_eq!(latin1_regex("\u{d4}\\x01").unwrap(), "\\xD4\\x01");
        assert!(latin1_regex("\u{1e0d}").is_none());
    }
}
