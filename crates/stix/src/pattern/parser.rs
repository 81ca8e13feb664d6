//! Recursive-descent parser for STIX 2.1 patterns (§9, grammar
//! `STIXPattern.g4`), with the precedence of the grammar:
//!
//! - observation operators, loosest first: `FOLLOWEDBY`, `OR`, `AND`, all
//!   left-associative; qualifiers (`WITHIN`, `REPEATS`, `START … STOP`)
//!   bind tightest and apply to the bracketed or parenthesised expression
//!   just before them;
//! - inside brackets: `OR` looser than `AND`, parentheses to group.
//!
//! Nesting depth and the number of observations a match needs are bounded
//! by [`Limits`], so a hostile pattern cannot exhaust the stack.

use super::Limits;
use super::ast::{
    Comparison, ComparisonExpr, Constant, ObjectPath, ObservationExpr, Operator, PathStep,
    Qualifier, Seconds,
};
use super::error::{PatternError, PatternErrorKind};
use super::lexer::{Keyword, Tok, Token, tokenize};

/// The result of parsing: the tree and, in traversal order, the offset of
/// every string operand of LIKE/MATCHES/ISSUBSET/ISSUPERSET (for compile
/// errors with a position).
pub(crate) struct Parsed {
    pub(crate) expr: ObservationExpr,
    pub(crate) operand_offsets: Vec<usize>,
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    limits: &'a Limits,
    operand_offsets: Vec<usize>,
}

pub(crate) fn parse(text: &str, limits: &Limits) -> Result<Parsed, PatternError> {
    if text.len() > limits.max_len {
        return Err(PatternError::new(
            PatternErrorKind::TooLong,
            text,
            limits.max_len,
            format!(
                "pattern is {} bytes long; the limit is {}",
                text.len(),
                limits.max_len
            ),
        ));
    }
    let tokens = tokenize(text)?;
    let mut p = Parser {
        text,
        tokens,
        pos: 0,
        depth: 0,
        limits,
        operand_offsets: Vec::new(),
    };
    if p.peek() == &Tok::Eof {
        return Err(p.error_here(
            PatternErrorKind::Syntax,
            "empty pattern: expected '[' or '('".into(),
        ));
    }
    let (expr, _) = p.observation_expressions()?;
    if p.peek() != &Tok::Eof {
        let found = p.peek().describe();
        let hint = match p.peek() {
            Tok::Kw(Keyword::Within | Keyword::Repeats | Keyword::Start) => {
                " (a qualifier follows a ']' or ')')"
            }
            _ => "",
        };
        return Err(p.error_here(
            PatternErrorKind::Syntax,
            format!("expected AND, OR, FOLLOWEDBY, a qualifier or the end, found {found}{hint}"),
        ));
    }
    Ok(Parsed {
        expr,
        operand_offsets: p.operand_offsets,
    })
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.tokens[self.pos].tok
    }

    fn offset(&self) -> usize {
        self.tokens[self.pos].offset
    }

    fn advance(&mut self) -> Token {
        let t = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    fn error_at(&self, offset: usize, kind: PatternErrorKind, message: String) -> PatternError {
        PatternError::new(kind, self.text, offset, message)
    }

    fn error_here(&self, kind: PatternErrorKind, message: String) -> PatternError {
        self.error_at(self.offset(), kind, message)
    }

    fn expected(&self, what: &str) -> PatternError {
        self.error_here(
            PatternErrorKind::Syntax,
            format!("expected {what}, found {}", self.peek().describe()),
        )
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<Token, PatternError> {
        if self.peek() == tok {
            Ok(self.advance())
        } else {
            Err(self.expected(what))
        }
    }

    fn is_kw(&self, k: Keyword) -> bool {
        *self.peek() == Tok::Kw(k)
    }

    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(self.error_here(
                PatternErrorKind::TooDeep,
                format!(
                    "pattern nests deeper than {} levels of brackets, parentheses and qualifiers",
                    self.limits.max_depth
                ),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn check_binding(&self, size: u64, offset: usize) -> Result<u64, PatternError> {
        if size > self.limits.max_binding {
            return Err(self.error_at(
                offset,
                PatternErrorKind::TooManyObservations,
                format!(
                    "a match of this pattern would need more than {} observations",
                    self.limits.max_binding
                ),
            ));
        }
        Ok(size)
    }

    /// A chain of operands joined by one observation operator; returns the
    /// expression and the most observations a match of it can bind.
    fn observation_chain(
        &mut self,
        keyword: Keyword,
        operand: fn(&mut Self) -> Result<(ObservationExpr, u64), PatternError>,
        build: fn(Vec<ObservationExpr>) -> ObservationExpr,
        sum: bool,
    ) -> Result<(ObservationExpr, u64), PatternError> {
        let (first, mut size) = operand(self)?;
        if !self.is_kw(keyword) {
            return Ok((first, size));
        }
        let mut items = vec![first];
        while self.is_kw(keyword) {
            let at = self.advance().offset;
            let (next, n) = operand(self)?;
            size = if sum {
                self.check_binding(size.saturating_add(n), at)?
            } else {
                size.max(n)
            };
            items.push(next);
        }
        Ok((build(items), size))
    }

    fn observation_expressions(&mut self) -> Result<(ObservationExpr, u64), PatternError> {
        self.observation_chain(
            Keyword::FollowedBy,
            Self::observation_or,
            ObservationExpr::FollowedBy,
            true,
        )
    }

    fn observation_or(&mut self) -> Result<(ObservationExpr, u64), PatternError> {
        self.observation_chain(
            Keyword::Or,
            Self::observation_and,
            ObservationExpr::Or,
            false,
        )
    }

    fn observation_and(&mut self) -> Result<(ObservationExpr, u64), PatternError> {
        self.observation_chain(
            Keyword::And,
            Self::qualified_observation,
            ObservationExpr::And,
            true,
        )
    }

    fn qualified_observation(&mut self) -> Result<(ObservationExpr, u64), PatternError> {
        let (mut expr, mut size) = self.observation_primary()?;
        let depth_before = self.depth;
        let mut result = Ok(());
        while matches!(
            self.peek(),
            Tok::Kw(Keyword::Within | Keyword::Repeats | Keyword::Start)
        ) {
            if let Err(e) = self.enter() {
                result = Err(e);
                break;
            }
            let at = self.offset();
            let q = match self.qualifier() {
                Ok(q) => q,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            if let Qualifier::Repeats(n) = q {
                match self.check_binding(size.saturating_mul(n), at) {
                    Ok(s) => size = s,
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            expr = ObservationExpr::Qualified(Box::new(expr), q);
        }
        self.depth = depth_before;
        result.map(|()| (expr, size))
    }

    fn observation_primary(&mut self) -> Result<(ObservationExpr, u64), PatternError> {
        match self.peek() {
            Tok::LBrack => {
                self.enter()?;
                self.advance();
                let inner = self.comparison_or()?;
                self.expect(&Tok::RBrack, "AND, OR or ']'")?;
                self.leave();
                Ok((ObservationExpr::Observation(inner), 1))
            }
            Tok::LParen => {
                self.enter()?;
                self.advance();
                let inner = self.observation_expressions()?;
                self.expect(&Tok::RParen, "AND, OR, FOLLOWEDBY, a qualifier or ')'")?;
                self.leave();
                Ok(inner)
            }
            _ => Err(self.expected("'[' or '('")),
        }
    }

    fn positive_int(&mut self, what: &str) -> Result<(u64, usize), PatternError> {
        let at = self.offset();
        match self.peek().clone() {
            Tok::Int {
                negative: false,
                digits,
            } => {
                self.advance();
                let n = digits.parse::<u64>().map_err(|_| {
                    self.error_at(
                        at,
                        PatternErrorKind::InvalidLiteral,
                        format!("{what} {digits} is too large"),
                    )
                })?;
                Ok((n, at))
            }
            _ => Err(self.expected(&format!("a positive integer for {what}"))),
        }
    }

    fn qualifier(&mut self) -> Result<Qualifier, PatternError> {
        let kw = self.advance();
        match kw.tok {
            Tok::Kw(Keyword::Within) => {
                let at = self.offset();
                let seconds = match self.peek().clone() {
                    Tok::Float {
                        value,
                        negative: false,
                    } => {
                        self.advance();
                        Seconds::Float(value)
                    }
                    Tok::Int {
                        negative: false, ..
                    } => Seconds::Int(self.positive_int("WITHIN")?.0),
                    _ => return Err(self.expected("a positive number of seconds after WITHIN")),
                };
                if seconds.as_f64() <= 0.0 || !seconds.as_f64().is_finite() {
                    return Err(self.error_at(
                        at,
                        PatternErrorKind::InvalidQualifier,
                        "WITHIN needs a number of seconds greater than 0".into(),
                    ));
                }
                self.expect(&Tok::Kw(Keyword::Seconds), "SECONDS")?;
                Ok(Qualifier::Within(seconds))
            }
            Tok::Kw(Keyword::Repeats) => {
                let (n, at) = self.positive_int("REPEATS")?;
                if n == 0 {
                    return Err(self.error_at(
                        at,
                        PatternErrorKind::InvalidQualifier,
                        "REPEATS needs a count of at least 1".into(),
                    ));
                }
                self.expect(&Tok::Kw(Keyword::Times), "TIMES")?;
                Ok(Qualifier::Repeats(n))
            }
            _ => {
                // START t'…' STOP t'…'
                let start = self.timestamp("START")?;
                self.expect(&Tok::Kw(Keyword::Stop), "STOP")?;
                let stop = self.timestamp("STOP")?;
                Ok(Qualifier::StartStop { start, stop })
            }
        }
    }

    fn timestamp(&mut self, after: &str) -> Result<crate::timestamp::Timestamp, PatternError> {
        match self.peek().clone() {
            Tok::Timestamp(t) => {
                self.advance();
                Ok(t)
            }
            _ => Err(self.expected(&format!("a timestamp t'…' after {after}"))),
        }
    }

    fn comparison_chain(
        &mut self,
        keyword: Keyword,
        operand: fn(&mut Self) -> Result<ComparisonExpr, PatternError>,
        build: fn(Vec<ComparisonExpr>) -> ComparisonExpr,
    ) -> Result<ComparisonExpr, PatternError> {
        let first = operand(self)?;
        if !self.is_kw(keyword) {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.is_kw(keyword) {
            self.advance();
            items.push(operand(self)?);
        }
        Ok(build(items))
    }

    fn comparison_or(&mut self) -> Result<ComparisonExpr, PatternError> {
        self.comparison_chain(Keyword::Or, Self::comparison_and, ComparisonExpr::Or)
    }

    fn comparison_and(&mut self) -> Result<ComparisonExpr, PatternError> {
        self.comparison_chain(Keyword::And, Self::prop_test, ComparisonExpr::And)
    }

    fn prop_test(&mut self) -> Result<ComparisonExpr, PatternError> {
        match self.peek() {
            Tok::LParen => {
                self.enter()?;
                self.advance();
                let inner = self.comparison_or()?;
                self.expect(&Tok::RParen, "AND, OR or ')'")?;
                self.leave();
                return Ok(inner);
            }
            Tok::Kw(Keyword::Not) if self.tokens[self.pos + 1].tok == Tok::Kw(Keyword::Exists) => {
                self.advance();
                self.advance();
                let path = self.object_path()?;
                return Ok(ComparisonExpr::Test(Comparison {
                    path,
                    negated: true,
                    op: Operator::Exists,
                }));
            }
            Tok::Kw(Keyword::Exists) => {
                self.advance();
                let path = self.object_path()?;
                return Ok(ComparisonExpr::Test(Comparison {
                    path,
                    negated: false,
                    op: Operator::Exists,
                }));
            }
            _ => {}
        }
        let path = self.object_path()?;
        let negated = if self.is_kw(Keyword::Not) {
            self.advance();
            true
        } else {
            false
        };
        let op_tok = self.peek().clone();
        let op_offset = self.offset();
        self.advance();
        let op = match op_tok {
            Tok::Eq => Operator::Eq(self.constant(false)?),
            Tok::Ne => Operator::Ne(self.constant(false)?),
            Tok::Lt => Operator::Lt(self.constant(true)?),
            Tok::Le => Operator::Le(self.constant(true)?),
            Tok::Gt => Operator::Gt(self.constant(true)?),
            Tok::Ge => Operator::Ge(self.constant(true)?),
            Tok::Kw(Keyword::In) => Operator::In(self.set()?),
            Tok::Kw(Keyword::Like) => Operator::Like(self.string_operand("LIKE")?),
            Tok::Kw(Keyword::Matches) => Operator::Matches(self.string_operand("MATCHES")?),
            Tok::Kw(Keyword::IsSubset) => Operator::IsSubset(self.string_operand("ISSUBSET")?),
            Tok::Kw(Keyword::IsSuperset) => {
                Operator::IsSuperset(self.string_operand("ISSUPERSET")?)
            }
            other => {
                let what = if negated {
                    "an operator after NOT (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)"
                } else {
                    "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET, NOT) after the object path"
                };
                return Err(self.error_at(
                    op_offset,
                    PatternErrorKind::Syntax,
                    format!("expected {what}, found {}", other.describe()),
                ));
            }
        };
        Ok(ComparisonExpr::Test(Comparison { path, negated, op }))
    }

    fn string_operand(&mut self, op: &str) -> Result<String, PatternError> {
        let at = self.offset();
        match self.peek().clone() {
            Tok::Str(s) => {
                self.advance();
                self.operand_offsets.push(at);
                Ok(s)
            }
            _ => Err(self.expected(&format!("a string after {op}"))),
        }
    }

    fn constant(&mut self, orderable: bool) -> Result<Constant, PatternError> {
        let at = self.offset();
        let c = match self.peek().clone() {
            Tok::Str(s) => Constant::Str(s),
            Tok::Int { negative, digits } => {
                let magnitude: i128 = digits.parse().unwrap_or(i128::MAX);
                let value = if negative { -magnitude } else { magnitude };
                let v = i64::try_from(value).map_err(|_| {
                    self.error_at(
                        at,
                        PatternErrorKind::InvalidLiteral,
                        format!(
                            "integer {}{digits} is out of range (64-bit)",
                            if negative { "-" } else { "" }
                        ),
                    )
                })?;
                Constant::Int(v)
            }
            Tok::Float { value, .. } => Constant::Float(value),
            Tok::Bool(b) if !orderable => Constant::Bool(b),
            Tok::Bool(_) => {
                return Err(self.error_here(
                    PatternErrorKind::Syntax,
                    "booleans cannot be compared with <, <=, > or >=".into(),
                ));
            }
            Tok::Timestamp(t) => Constant::Timestamp(t),
            Tok::Hex(b) => Constant::Hex(b),
            Tok::Binary(b) => Constant::Binary(b),
            _ => return Err(self.expected("a constant")),
        };
        self.advance();
        Ok(c)
    }

    fn set(&mut self) -> Result<Vec<Constant>, PatternError> {
        let open = self.expect(&Tok::LParen, "'(' to open the IN set")?;
        let mut items = Vec::new();
        if self.peek() == &Tok::RParen {
            self.advance();
            return Ok(items);
        }
        loop {
            items.push(self.constant(false)?);
            match self.peek() {
                Tok::Comma => {
                    self.advance();
                }
                Tok::RParen => {
                    self.advance();
                    break;
                }
                _ => return Err(self.expected("',' or ')' in the IN set")),
            }
        }
        let kind = |c: &Constant| match c {
            Constant::Str(_) => 0,
            Constant::Int(_) | Constant::Float(_) => 1,
            Constant::Bool(_) => 2,
            Constant::Timestamp(_) => 3,
            Constant::Hex(_) | Constant::Binary(_) => 4,
        };
        if items.windows(2).any(|w| kind(&w[0]) != kind(&w[1])) {
            return Err(self.error_at(
                open.offset,
                PatternErrorKind::MixedSet,
                "the constants of an IN set must all be of one type".into(),
            ));
        }
        Ok(items)
    }

    fn property_name(&mut self, after: &str) -> Result<String, PatternError> {
        match self.peek().clone() {
            Tok::Ident(name, false) => {
                self.advance();
                Ok(name)
            }
            Tok::Ident(name, true) => Err(self.error_here(
                PatternErrorKind::Syntax,
                format!("property name {name} contains '-': quote it as '{name}'"),
            )),
            Tok::Str(name) => {
                self.advance();
                Ok(name)
            }
            _ => Err(self.expected(&format!("a property name after {after}"))),
        }
    }

    fn object_path(&mut self) -> Result<ObjectPath, PatternError> {
        let object_type = match self.peek().clone() {
            Tok::Ident(t, _) => {
                self.advance();
                t
            }
            _ => return Err(self.expected("an object path (type:property)")),
        };
        self.expect(&Tok::Colon, "':' after the object type")?;
        let property = self.property_name("':'")?;
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.advance();
                    steps.push(PathStep::Key(self.property_name("'.'")?));
                }
                Tok::LBrack => {
                    self.advance();
                    let at = self.offset();
                    let step = match self.peek().clone() {
                        Tok::Star => PathStep::AnyIndex,
                        Tok::Int { negative, digits } => {
                            let v: i64 = digits.parse().map_err(|_| {
                                self.error_at(
                                    at,
                                    PatternErrorKind::InvalidLiteral,
                                    format!("list index {digits} is too large"),
                                )
                            })?;
                            PathStep::Index(if negative { -v } else { v })
                        }
                        _ => return Err(self.expected("a list index (an integer or '*')")),
                    };
                    self.advance();
                    self.expect(&Tok::RBrack, "']' after the list index")?;
                    steps.push(step);
                }
                _ => break,
            }
        }
        Ok(ObjectPath {
            object_type,
            property,
            steps,
        })
    }
}
