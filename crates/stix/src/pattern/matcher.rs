//! Many patterns compiled once and matched together.
//!
//! Most indicator patterns are `[type:path = 'value']`, or an OR of such.
//! The matcher files every such bracketed expression in a hash index by
//! (object type, path) and value, so an observation is checked against
//! all of them with one lookup per (referenced object, indexed path)
//! instead of one evaluation per pattern. Every other bracketed expression
//! is evaluated only against observations holding an object of a type it
//! names. Patterns with observation operators or qualifiers then run the
//! binding search over the candidates found.

use std::collections::HashMap;

use super::eval::{Expr, Path};
use super::observation::Observation;
use super::search::Span;
use super::{Match, MatchError, Pattern, span_of};

/// One pattern that matched, with the observations that satisfied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherHit {
    /// The pattern's number, in the order patterns were added (from 0).
    pub pattern: usize,
    pub found: Match,
}

#[derive(Debug, Clone)]
struct IndexedPath {
    path: Path,
    /// Value → the leaves (global numbers) it satisfies.
    values: HashMap<String, Vec<usize>>,
}

/// A set of compiled patterns with an equality index.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    patterns: Vec<Pattern>,
    /// For each pattern, the global number of its first leaf.
    first_leaf: Vec<usize>,
    /// For each global leaf, the pattern it belongs to.
    leaf_pattern: Vec<usize>,
    paths: Vec<IndexedPath>,
    path_ids: HashMap<String, usize>,
    /// Object type → indexed paths starting from it.
    indexed_by_type: HashMap<String, Vec<usize>>,
    /// Object type → leaves (global) that must be evaluated in full.
    scanned_by_type: HashMap<String, Vec<usize>>,
}

impl Matcher {
    /// An empty matcher.
    pub fn new() -> Matcher {
        Matcher::default()
    }

    /// A matcher holding these patterns, numbered in order from 0.
    pub fn from_patterns(patterns: impl IntoIterator<Item = Pattern>) -> Matcher {
        let mut m = Matcher::new();
        for p in patterns {
            m.add(p);
        }
        m
    }

    /// Adds a pattern; returns its number.
    pub fn add(&mut self, pattern: Pattern) -> usize {
        let id = self.patterns.len();
        let base = self.leaf_pattern.len();
        self.first_leaf.push(base);
        for (i, leaf) in pattern.leaves().iter().enumerate() {
            let global = base + i;
            self.leaf_pattern.push(id);
            self.file_leaf(leaf, global);
        }
        self.patterns.push(pattern);
        id
    }

    fn file_leaf(&mut self, leaf: &Expr, global: usize) {
        if let Some(keys) = leaf.index_keys() {
            for (path, value) in keys {
                let key = path.key();
                let pid = match self.path_ids.get(&key) {
                    Some(&p) => p,
                    None => {
                        let p = self.paths.len();
                        self.paths.push(IndexedPath {
                            path: path.clone(),
                            values: HashMap::new(),
                        });
                        self.path_ids.insert(key, p);
                        self.indexed_by_type
                            .entry(path.object_type.clone())
                            .or_default()
                            .push(p);
                        p
                    }
                };
                let leaves = self.paths[pid].values.entry(value.to_owned()).or_default();
                if !leaves.contains(&global) {
                    leaves.push(global);
                }
            }
        } else {
            let mut types = Vec::new();
            leaf.object_types(&mut types);
            for t in types {
                self.scanned_by_type
                    .entry(t.to_owned())
                    .or_default()
                    .push(global);
            }
        }
    }

    /// The number of patterns.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Whether there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The pattern with this number.
    pub fn pattern(&self, id: usize) -> Option<&Pattern> {
        self.patterns.get(id)
    }

    /// The global numbers of the leaves `obs` satisfies, ascending, each once.
    fn leaves_hit(&self, obs: &Observation, out: &mut Vec<usize>) {
        out.clear();
        let mut scanned: Vec<usize> = Vec::new();
        for root in obs.roots() {
            if let Some(paths) = self.indexed_by_type.get(&root.object_type) {
                for &p in paths {
                    let ip = &self.paths[p];
                    if let Some(leaves) = ip
                        .path
                        .plain_str(&root.value)
                        .and_then(|s| ip.values.get(s))
                    {
                        out.extend_from_slice(leaves);
                    }
                }
            }
            if let Some(leaves) = self.scanned_by_type.get(&root.object_type) {
                for &l in leaves {
                    if scanned.contains(&l) {
                        continue;
                    }
                    scanned.push(l);
                    let pattern = &self.patterns[self.leaf_pattern[l]];
                    let local = l - self.first_leaf[self.leaf_pattern[l]];
                    if pattern.leaves()[local].matches(obs) {
                        out.push(l);
                    }
                }
            }
        }
        if out.len() > 1 {
            out.sort_unstable();
            out.dedup();
        }
    }

    /// The patterns this one observation satisfies on its own, ascending.
    pub fn match_observation(&self, obs: &Observation) -> Vec<usize> {
        let mut hits = Vec::new();
        self.leaves_hit(obs, &mut hits);
        let mut matched: Vec<usize> = Vec::new();
        let mut i = 0;
        while i < hits.len() {
            let pid = self.leaf_pattern[hits[i]];
            let mut j = i;
            while j < hits.len() && self.leaf_pattern[hits[j]] == pid {
                j += 1;
            }
            let pattern = &self.patterns[pid];
            if pattern.is_single_observation() {
                matched.push(pid);
            } else {
                let base = self.first_leaf[pid];
                let mut candidates = vec![Vec::new(); pattern.leaves().len()];
                for &l in &hits[i..j] {
                    candidates[l - base].push(0);
                }
                let spans = [span_of(obs)];
                if let Ok(Some(_)) = pattern.search(&spans, &candidates) {
                    matched.push(pid);
                }
            }
            i = j;
        }
        matched
    }

    /// Matches every pattern against the whole set of observations: the
    /// patterns that matched, ascending. A pattern whose search exceeded
    /// its step limit is left out (see [`Matcher::try_match_all`]).
    pub fn match_all(&self, observations: &[Observation]) -> Vec<MatcherHit> {
        self.try_match_all(observations)
            .into_iter()
            .filter_map(|(pattern, r)| r.ok().map(|found| MatcherHit { pattern, found }))
            .collect()
    }

    /// Matches every pattern against the whole set of observations: for
    /// each pattern that matched or gave up, its number and the outcome.
    pub fn try_match_all(
        &self,
        observations: &[Observation],
    ) -> Vec<(usize, Result<Match, MatchError>)> {
        let mut candidates: Vec<Vec<usize>> = vec![Vec::new(); self.leaf_pattern.len()];
        let mut hits = Vec::new();
        for (i, obs) in observations.iter().enumerate() {
            self.leaves_hit(obs, &mut hits);
            for &l in &hits {
                candidates[l].push(i);
            }
        }
        let spans: Vec<Span> = observations.iter().map(span_of).collect();
        let mut out = Vec::new();
        for (pid, pattern) in self.patterns.iter().enumerate() {
            let base = self.first_leaf[pid];
            let mine = &candidates[base..base + pattern.leaves().len()];
            if mine.iter().all(Vec::is_empty) {
                continue;
            }
            match pattern.search(&spans, mine) {
                Ok(Some(m)) => out.push((pid, Ok(m))),
                Ok(None) => {}
                Err(e) => out.push((pid, Err(e))),
            }
        }
        out
    }
}
