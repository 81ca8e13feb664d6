//! STIX 2.1 patterning (§9): parsing, validation and matching against
//! observed-data.
//!
//! [`Pattern::parse`] reads the full grammar of `STIXPattern.g4` into an
//! [`ast::ObservationExpr`] and compiles it: regular expressions are built
//! once with the linear-time `regex` engine (so `MATCHES` cannot backtrack
//! catastrophically; PCRE-only syntax is rejected with a clear error),
//! `LIKE` becomes an anchored expression, networks and constants are read.
//! [`Pattern::validate`] adds the checks an indicator's pattern should
//! pass beyond the grammar. [`Pattern::matches`] takes [`Observation`]s
//! (observed-data with the objects they reference, built with
//! [`Observation::from_bundle`]) and returns which of them satisfy the
//! pattern, covering conformance levels 1 to 3: comparisons, AND/OR,
//! FOLLOWEDBY, WITHIN, REPEATS and START/STOP. [`Matcher`] compiles many
//! patterns once and indexes the `[type:path = 'value']` comparisons, for
//! matching streams of observations against many indicators.
//!
//! Matching semantics are documented in the `eval` (comparisons) and
//! `search` (observation operators and qualifiers) modules. Resource
//! use is bounded by [`Limits`]: pattern length, nesting depth, the number
//! of observations one match may need, regular-expression size and search
//! steps.

pub mod ast;
mod error;
mod eval;
mod lexer;
mod matcher;
mod observation;
mod parser;
mod search;

use std::collections::BTreeSet;
use std::fmt;

use chrono::TimeDelta;

pub use error::{PatternError, PatternErrorKind};
pub use matcher::{Matcher, MatcherHit};
pub use observation::{MAX_OBSERVATION_OBJECTS, Observation, ObservationError};

use ast::{ComparisonExpr, ObservationExpr, Qualifier};
use eval::{Compiler, Expr};
use search::{Node, Search, Span};

/// Resource limits for parsing and matching.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Longest pattern accepted, in bytes.
    pub max_len: usize,
    /// Deepest nesting of brackets, parentheses and qualifiers.
    pub max_depth: usize,
    /// Most observations a single match may bind (operands of AND and
    /// FOLLOWEDBY add up, REPEATS multiplies).
    pub max_binding: u64,
    /// Size limit for each compiled regular expression, in bytes.
    pub regex_size: usize,
    /// Most binding steps one match may try before giving up.
    pub search_steps: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_len: 256 * 1024,
            max_depth: 64,
            max_binding: 1000,
            regex_size: 2 * 1024 * 1024,
            search_steps: 2_000_000,
        }
    }
}

impl Limits {
    /// These limits with another maximum pattern length.
    #[must_use]
    pub fn with_max_len(mut self, n: usize) -> Self {
        self.max_len = n;
        self
    }

    /// These limits with another maximum nesting depth.
    #[must_use]
    pub fn with_max_depth(mut self, n: usize) -> Self {
        self.max_depth = n;
        self
    }

    /// These limits with another maximum number of observations per match.
    #[must_use]
    pub fn with_max_binding(mut self, n: u64) -> Self {
        self.max_binding = n;
        self
    }

    /// These limits with another search-step budget.
    #[must_use]
    pub fn with_search_steps(mut self, n: u64) -> Self {
        self.search_steps = n;
        self
    }
}

/// Matching gave up: the search needed more steps than
/// [`Limits::search_steps`] allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("pattern matching gave up after {steps} steps (search limit)")]
#[non_exhaustive]
pub struct MatchError {
    pub steps: u64,
}

/// Which observations satisfied a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    observations: Vec<usize>,
    bindings: Vec<(usize, usize)>,
}

impl Match {
    /// Indices into the observations given to the match, ascending, each once.
    pub fn observations(&self) -> &[usize] {
        &self.observations
    }

    /// Each bracketed observation expression bound, in binding order:
    /// (its position among the pattern's `[...]`, counted from 0 in text
    /// order, the index of the observation bound to it). An expression
    /// under `REPEATS` appears once per repetition.
    pub fn bindings(&self) -> &[(usize, usize)] {
        &self.bindings
    }

    /// The observed-data ids of the matched observations.
    pub fn observation_ids<'a>(&self, observations: &'a [Observation]) -> Vec<&'a str> {
        self.observations
            .iter()
            .filter_map(|&i| observations.get(i).map(Observation::id))
            .collect()
    }

    fn from_bindings(bindings: Vec<(usize, usize)>) -> Match {
        let mut observations: Vec<usize> = bindings.iter().map(|&(_, o)| o).collect();
        observations.sort_unstable();
        observations.dedup();
        Match {
            observations,
            bindings,
        }
    }
}

/// A parsed and compiled STIX pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    ast: ObservationExpr,
    /// The compiled `[...]` expressions, in text order.
    leaves: Vec<Expr>,
    root: Node,
    limits: Limits,
}

impl Pattern {
    /// Parses and compiles a pattern with the default [`Limits`].
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        Pattern::parse_with(text, &Limits::default())
    }

    /// Parses and compiles a pattern with the given limits.
    pub fn parse_with(text: &str, limits: &Limits) -> Result<Pattern, PatternError> {
        let parsed = parser::parse(text, limits)?;
        Pattern::compile(parsed.expr, text, &parsed.operand_offsets, limits)
    }

    /// Parses a pattern as an indicator's `pattern` (with `pattern_type`
    /// `stix`) should be written: the grammar, plus checks that it can
    /// match at all. Beyond [`Pattern::parse`] this rejects
    ///
    /// - comparisons joined by AND that start from different object types
    ///   (`[ipv4-addr:value = '…' AND domain-name:value = '…']`): they
    ///   must hold for one object, so they can never match; the two
    ///   observations are written `[…] AND […]`;
    /// - `START` not before `STOP`;
    /// - the same kind of qualifier twice on one expression
    ///   (`[…] WITHIN 5 SECONDS WITHIN 9 SECONDS`).
    pub fn validate(text: &str) -> Result<Pattern, PatternError> {
        let pattern = Pattern::parse(text)?;
        let fail = |kind, message| Err(PatternError::new(kind, text, 0, message));
        let mut problem = None;
        check_semantics(&pattern.ast, &mut problem);
        match problem {
            None => Ok(pattern),
            Some((kind, message)) => fail(kind, message),
        }
    }

    /// Compiles a syntax tree (for patterns built in code). Errors carry
    /// no position.
    pub fn from_ast(ast: ObservationExpr) -> Result<Pattern, PatternError> {
        Pattern::compile(ast, "", &[], &Limits::default())
    }

    fn compile(
        ast: ObservationExpr,
        text: &str,
        offsets: &[usize],
        limits: &Limits,
    ) -> Result<Pattern, PatternError> {
        let mut compiler = Compiler {
            text,
            offsets,
            next_operand: 0,
            regex_size: limits.regex_size,
        };
        let mut leaves = Vec::new();
        let root = compile_node(&ast, &mut compiler, &mut leaves)?;
        Ok(Pattern {
            ast,
            leaves,
            root,
            limits: limits.clone(),
        })
    }

    /// The syntax tree.
    pub fn ast(&self) -> &ObservationExpr {
        &self.ast
    }

    /// The number of bracketed observation expressions `[...]`.
    pub fn observation_expressions(&self) -> usize {
        self.leaves.len()
    }

    /// The object types the pattern's comparisons start from.
    pub fn object_types(&self) -> BTreeSet<&str> {
        let mut types = Vec::new();
        for leaf in &self.leaves {
            leaf.object_types(&mut types);
        }
        types.into_iter().collect()
    }

    /// Whether the pattern has only one `[...]` and no qualifier, so any
    /// single matching observation satisfies it.
    pub fn is_single_observation(&self) -> bool {
        matches!(self.root, Node::Leaf(_))
    }

    /// Matches the pattern against these observations; `None` if it does
    /// not match, or if the search exceeded [`Limits::search_steps`] (use
    /// [`Pattern::try_matches`] to tell the two apart).
    pub fn matches(&self, observations: &[Observation]) -> Option<Match> {
        self.try_matches(observations).ok().flatten()
    }

    /// Matches the pattern against these observations.
    pub fn try_matches(&self, observations: &[Observation]) -> Result<Option<Match>, MatchError> {
        let candidates: Vec<Vec<usize>> = self
            .leaves
            .iter()
            .map(|leaf| {
                observations
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| leaf.matches(o))
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        let spans: Vec<Span> = observations.iter().map(span_of).collect();
        self.search(&spans, &candidates)
    }

    /// Runs the binding search over precomputed leaf candidates.
    pub(crate) fn search(
        &self,
        spans: &[Span],
        candidates: &[Vec<usize>],
    ) -> Result<Option<Match>, MatchError> {
        if let Node::Leaf(l) = self.root {
            return Ok(candidates[l]
                .first()
                .map(|&o| Match::from_bindings(vec![(l, o)])));
        }
        Search::new(spans, candidates, self.limits.search_steps)
            .run(&self.root)
            .map(|found| found.map(Match::from_bindings))
            .map_err(|_| MatchError {
                steps: self.limits.search_steps,
            })
    }

    pub(crate) fn leaves(&self) -> &[Expr] {
        &self.leaves
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.ast)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.ast == other.ast
    }
}

pub(crate) fn span_of(o: &Observation) -> Span {
    Span {
        first: o.first_observed().instant(),
        last: o.last_observed().instant(),
        count: o.number_observed(),
    }
}

fn seconds_to_delta(seconds: f64) -> TimeDelta {
    let nanos = (seconds * 1e9).round();
    // Far beyond any observation span: saturate.
    #[allow(clippy::cast_possible_truncation)]
    if nanos >= 9.0e18 {
        TimeDelta::MAX
    } else {
        TimeDelta::nanoseconds(nanos as i64)
    }
}

fn compile_node(
    e: &ObservationExpr,
    compiler: &mut Compiler<'_>,
    leaves: &mut Vec<Expr>,
) -> Result<Node, PatternError> {
    let all = |items: &[ObservationExpr],
               compiler: &mut Compiler<'_>,
               leaves: &mut Vec<Expr>|
     -> Result<Vec<Node>, PatternError> {
        items
            .iter()
            .map(|i| compile_node(i, compiler, leaves))
            .collect()
    };
    Ok(match e {
        ObservationExpr::Observation(c) => {
            leaves.push(compiler.expr(c)?);
            Node::Leaf(leaves.len() - 1)
        }
        ObservationExpr::And(items) => Node::And(all(items, compiler, leaves)?),
        ObservationExpr::Or(items) => Node::Or(all(items, compiler, leaves)?),
        ObservationExpr::FollowedBy(items) => Node::FollowedBy(all(items, compiler, leaves)?),
        ObservationExpr::Qualified(inner, q) => {
            let inner = Box::new(compile_node(inner, compiler, leaves)?);
            match q {
                Qualifier::Within(s) => Node::Within(seconds_to_delta(s.as_f64()), inner),
                Qualifier::Repeats(n) => Node::Repeat(*n, inner),
                Qualifier::StartStop { start, stop } => {
                    Node::StartStop(start.instant(), stop.instant(), inner)
                }
            }
        }
    })
}

/// The object types a comparison expression can hold for; `None` for
/// "none": an AND over disjoint types.
fn satisfiable_types(c: &ComparisonExpr) -> Option<BTreeSet<&str>> {
    match c {
        ComparisonExpr::Test(t) => Some(BTreeSet::from([t.path.object_type.as_str()])),
        ComparisonExpr::Or(items) => {
            let mut all = BTreeSet::new();
            for i in items {
                if let Some(t) = satisfiable_types(i) {
                    all.extend(t);
                }
            }
            (!all.is_empty()).then_some(all)
        }
        ComparisonExpr::And(items) => {
            let mut acc: Option<BTreeSet<&str>> = None;
            for i in items {
                let t = satisfiable_types(i)?;
                acc = Some(match acc {
                    None => t,
                    Some(a) => a.intersection(&t).copied().collect(),
                });
            }
            acc.filter(|a| !a.is_empty())
        }
    }
}

fn check_semantics(e: &ObservationExpr, problem: &mut Option<(PatternErrorKind, String)>) {
    if problem.is_some() {
        return;
    }
    match e {
        ObservationExpr::Observation(c) => {
            if satisfiable_types(c).is_none() {
                *problem = Some((
                    PatternErrorKind::Unsatisfiable,
                    format!(
                        "[{c}] joins comparisons on different object types with AND; they must hold for one object, so it can never match (write separate observations: [...] AND [...])"
                    ),
                ));
            }
        }
        ObservationExpr::And(items)
        | ObservationExpr::Or(items)
        | ObservationExpr::FollowedBy(items) => {
            for i in items {
                check_semantics(i, problem);
            }
        }
        ObservationExpr::Qualified(inner, q) => {
            // The whole chain of qualifiers on one operand.
            let mut qualifiers = vec![q];
            let mut base = inner.as_ref();
            while let ObservationExpr::Qualified(next, q2) = base {
                qualifiers.push(q2);
                base = next;
            }
            for q in &qualifiers {
                if let Qualifier::StartStop { start, stop } = q
                    && start >= stop
                {
                    *problem = Some((
                        PatternErrorKind::Unsatisfiable,
                        format!("START {start} is not before STOP {stop}"),
                    ));
                    return;
                }
            }
            // Like the OASIS validator: one qualifier of each kind directly
            // on a bracketed expression.
            if matches!(base, ObservationExpr::Observation(_)) {
                for (i, a) in qualifiers.iter().enumerate() {
                    if let Some(b) = qualifiers[i + 1..]
                        .iter()
                        .find(|b| std::mem::discriminant(**b) == std::mem::discriminant(*a))
                    {
                        *problem = Some((
                            PatternErrorKind::DuplicateQualifier,
                            format!(
                                "{b} and {a} are qualifiers of the same kind on one observation expression"
                            ),
                        ));
                        return;
                    }
                }
            }
            check_semantics(base, problem);
        }
    }
}
