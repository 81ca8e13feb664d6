//! Finding observations that satisfy a pattern's observation expressions
//! (STIX 2.1 §9.6 operators, §9.7 qualifiers).
//!
//! Each bracketed expression (a *leaf*) has been evaluated against every
//! observation, giving its candidates. A match binds each leaf occurrence
//! to a different observation (an observed-data with `number_observed` n
//! counts as n observations), such that:
//!
//! - `a AND b`: both bound, to disjoint observations; `a OR b`: one bound;
//! - `a FOLLOWEDBY b`: disjoint, and the observations of `b` can be placed
//!   after those of `a`: the latest `first_observed` on the left is not
//!   after the earliest `last_observed` on the right;
//! - `WITHIN n SECONDS`: one window of n seconds meets the time span of
//!   every bound observation (latest `first_observed` minus earliest
//!   `last_observed` is at most n seconds);
//! - `REPEATS n TIMES`: n disjoint bindings of the expression;
//! - `START s STOP e`: every bound observation's span meets `[s, e)`.
//!
//! An observation's exact time is only known to lie between its
//! `first_observed` and `last_observed`, so each constraint asks whether
//! some placement satisfies it; this is the reading of the OASIS reference
//! matcher.
//!
//! The search is depth-first with backtracking. Time constraints are
//! checked as soon as an observation is bound, repetitions are explored as
//! combinations rather than permutations, and a step budget bounds the
//! work on pathological inputs (see [`super::Limits::search_steps`]).

use chrono::{DateTime, TimeDelta, Utc};

/// An observation's time span and count, as the search needs them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    pub(crate) first: DateTime<Utc>,
    pub(crate) last: DateTime<Utc>,
    pub(crate) count: u64,
}

/// The observation-level structure of a compiled pattern.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Leaf(usize),
    And(Vec<Node>),
    Or(Vec<Node>),
    FollowedBy(Vec<Node>),
    Within(TimeDelta, Box<Node>),
    Repeat(u64, Box<Node>),
    StartStop(DateTime<Utc>, DateTime<Utc>, Box<Node>),
}

#[derive(Debug, Clone, Copy)]
enum Filter {
    /// FOLLOWEDBY: `last_observed` at or after this.
    LastAtLeast(DateTime<Utc>),
    /// FOLLOWEDBY: `first_observed` at or before this (what later operands
    /// can still follow).
    FirstAtMost(DateTime<Utc>),
    /// START/STOP: the span meets `[start, stop)`.
    Interval(DateTime<Utc>, DateTime<Utc>),
    /// WITHIN: with the observations bound since `from`, fits in `width`.
    Window { from: usize, width: TimeDelta },
}

/// The search ran out of its step budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Exhausted;

pub(crate) struct Search<'a> {
    spans: &'a [Span],
    candidates: &'a [Vec<usize>],
    used: Vec<u64>,
    /// The binding so far: (leaf, observation, copy of that observation).
    chosen: Vec<(usize, usize, u64)>,
    filters: Vec<Filter>,
    /// REPEATS symmetry: the choice at position `.0` must come after `.1`.
    after: Vec<(usize, (usize, u64))>,
    steps: u64,
    limit: u64,
    exhausted: bool,
}

type Cont<'k, 'a> = &'k mut dyn FnMut(&mut Search<'a>) -> bool;

impl<'a> Search<'a> {
    pub(crate) fn new(spans: &'a [Span], candidates: &'a [Vec<usize>], limit: u64) -> Self {
        Search {
            spans,
            candidates,
            used: vec![0; spans.len()],
            chosen: Vec::new(),
            filters: Vec::new(),
            after: Vec::new(),
            steps: 0,
            limit,
            exhausted: false,
        }
    }

    /// Finds one binding of `node`: (leaf, observation) pairs in binding
    /// order.
    pub(crate) fn run(mut self, node: &Node) -> Result<Option<Vec<(usize, usize)>>, Exhausted> {
        let mut found = None;
        self.solve(node, &mut |s| {
            found = Some(s.chosen.iter().map(|&(l, o, _)| (l, o)).collect());
            true
        });
        if self.exhausted {
            return Err(Exhausted);
        }
        Ok(found)
    }

    fn admits(&self, o: usize) -> bool {
        let span = &self.spans[o];
        if self.used[o] >= span.count {
            return false;
        }
        let pos = self.chosen.len();
        let key = (o, self.used[o]);
        if self
            .after
            .iter()
            .any(|&(at, prev)| at == pos && key <= prev)
        {
            return false;
        }
        self.filters.iter().all(|f| match *f {
            Filter::LastAtLeast(t) => span.last >= t,
            Filter::FirstAtMost(t) => span.first <= t,
            Filter::Interval(start, stop) => span.first < stop && span.last >= start,
            Filter::Window { from, width } => {
                let mut max_first = span.first;
                let mut min_last = span.last;
                for &(_, c, _) in &self.chosen[from..] {
                    max_first = max_first.max(self.spans[c].first);
                    min_last = min_last.min(self.spans[c].last);
                }
                max_first - min_last <= width
            }
        })
    }

    /// Calls `k` for each way of binding `node` (stopping when `k` returns
    /// true); returns whether `k` did.
    fn solve(&mut self, node: &Node, k: Cont<'_, 'a>) -> bool {
        if self.exhausted {
            return false;
        }
        match node {
            Node::Leaf(leaf) => {
                let candidates = self.candidates;
                for &o in &candidates[*leaf] {
                    if !self.admits(o) {
                        continue;
                    }
                    self.steps += 1;
                    if self.steps > self.limit {
                        self.exhausted = true;
                        return false;
                    }
                    self.chosen.push((*leaf, o, self.used[o]));
                    self.used[o] += 1;
                    if k(self) {
                        return true;
                    }
                    self.used[o] -= 1;
                    self.chosen.pop();
                    if self.exhausted {
                        return false;
                    }
                }
                false
            }
            Node::And(items) => {
                if items.iter().any(|n| self.hopeless(n)) {
                    return false;
                }
                self.solve_all(items, k)
            }
            Node::Or(items) => {
                for item in items {
                    if self.solve(item, k) {
                        return true;
                    }
                    if self.exhausted {
                        return false;
                    }
                }
                false
            }
            Node::FollowedBy(items) => {
                if items.iter().any(|n| self.hopeless(n)) {
                    return false;
                }
                let start = self.chosen.len();
                self.solve_sequence(items, start, k)
            }
            Node::Within(width, inner) => {
                let f = Filter::Window {
                    from: self.chosen.len(),
                    width: *width,
                };
                self.scoped(f, inner, k)
            }
            Node::StartStop(start, stop, inner) => {
                if start >= stop {
                    return false;
                }
                self.scoped(Filter::Interval(*start, *stop), inner, k)
            }
            Node::Repeat(n, inner) => {
                if let Node::Leaf(leaf) = **inner {
                    // Enough candidates left at all?
                    let available: u64 = self.candidates[leaf]
                        .iter()
                        .filter(|&&o| self.admits(o))
                        .map(|&o| self.spans[o].count - self.used[o])
                        .fold(0, u64::saturating_add);
                    if available < *n {
                        return false;
                    }
                }
                self.solve_repeat(inner, *n, None, k)
            }
        }
    }

    /// Binds `inner` with `filter` in force, lifting it for the continuation.
    fn scoped(&mut self, filter: Filter, inner: &Node, k: Cont<'_, 'a>) -> bool {
        self.filters.push(filter);
        let depth = self.filters.len();
        let done = self.solve(inner, &mut |s| {
            let f = s.filters.remove(depth - 1);
            let r = k(s);
            s.filters.insert(depth - 1, f);
            r
        });
        self.filters.pop();
        done
    }

    fn solve_all(&mut self, items: &[Node], k: Cont<'_, 'a>) -> bool {
        match items.split_first() {
            None => k(self),
            Some((first, rest)) => self.solve(first, &mut |s| s.solve_all(rest, k)),
        }
    }

    /// FOLLOWEDBY: binds `items` in order; each after every one before it.
    fn solve_sequence(&mut self, items: &[Node], start: usize, k: Cont<'_, 'a>) -> bool {
        let Some((first, rest)) = items.split_first() else {
            return k(self);
        };
        // Everything bound now must start no later than each later operand
        // can end.
        let deadline = rest.iter().map(|n| self.latest_last(n)).min();
        let deadline = match deadline {
            Some(None) => return false,
            Some(Some(t)) => Some(t),
            None => None,
        };
        let latest_first = self.chosen[start..]
            .iter()
            .map(|&(_, o, _)| self.spans[o].first)
            .max();
        let mut next = |s: &mut Self| s.solve_sequence(rest, start, k);
        match (latest_first, deadline) {
            (Some(t), Some(d)) => {
                self.filters.push(Filter::LastAtLeast(t));
                let r = self.scoped(Filter::FirstAtMost(d), first, &mut |s| {
                    let f = s.filters.pop();
                    let r = next(s);
                    s.filters.extend(f);
                    r
                });
                self.filters.pop();
                r
            }
            (Some(t), None) => self.scoped(Filter::LastAtLeast(t), first, &mut next),
            (None, Some(d)) => self.scoped(Filter::FirstAtMost(d), first, &mut next),
            (None, None) => self.solve(first, &mut next),
        }
    }

    /// The latest `last_observed` among the candidates of `node`'s leaves;
    /// `None` if it has no candidates at all.
    fn latest_last(&self, node: &Node) -> Option<DateTime<Utc>> {
        match node {
            Node::Leaf(l) => self.candidates[*l]
                .iter()
                .map(|&o| self.spans[o].last)
                .max(),
            Node::And(items) | Node::Or(items) | Node::FollowedBy(items) => {
                items.iter().filter_map(|n| self.latest_last(n)).max()
            }
            Node::Within(_, n) | Node::Repeat(_, n) | Node::StartStop(_, _, n) => {
                self.latest_last(n)
            }
        }
    }

    /// Whether `node` certainly cannot be bound now: a leaf it needs has
    /// no admissible candidate.
    fn hopeless(&self, node: &Node) -> bool {
        match node {
            Node::Leaf(l) => !self.candidates[*l].iter().any(|&o| self.admits(o)),
            Node::And(items) | Node::FollowedBy(items) => items.iter().any(|n| self.hopeless(n)),
            Node::Or(items) => items.iter().all(|n| self.hopeless(n)),
            Node::Within(_, n) | Node::Repeat(_, n) | Node::StartStop(_, _, n) => self.hopeless(n),
        }
    }

    fn solve_repeat(
        &mut self,
        inner: &Node,
        remaining: u64,
        previous: Option<(usize, u64)>,
        k: Cont<'_, 'a>,
    ) -> bool {
        if remaining == 0 {
            return k(self);
        }
        let mark = self.chosen.len();
        if let Some(prev) = previous {
            self.after.push((mark, prev));
        }
        let done = self.solve(inner, &mut |s| {
            let first = s.chosen.get(mark).map_or((0, 0), |&(_, o, c)| (o, c));
            s.solve_repeat(inner, remaining - 1, Some(first), k)
        });
        if previous.is_some() {
            self.after.pop();
        }
        done
    }
}
