//! The match: which prefixes of the script the live catalog allows, under the execution model.
//!
//! A prefix `k` matches when every fact of the replayed state after `k` statements holds in the
//! live catalog. The execution model says which prefixes are possible at all: one transaction
//! leaves none or all of the script (all: applied by hand afterwards), statement by statement
//! any prefix. Several matches are kept: the statements between them are undetermined, and
//! only what every match agrees on is decided.

use std::collections::HashMap;

use super::catalog::{self, CatalogSnapshot, Observed};
use super::effects::Expectation;
use super::kind::StatementTraits;
use super::replay::Replay;

/// At most this many differences are kept per prefix (for the report).
const KEPT_DIFFERENCES: usize = 4;

/// Every prefix of the script held against the live catalog, once per migration.
#[derive(Debug, Clone, Default)]
pub struct PrefixScan {
    /// Per prefix `k` (0..=n): how many facts of its state the catalog contradicts, and the
    /// first few of them (the expected fact, what the catalog shows).
    pub differences: Vec<(usize, Vec<(Expectation, Observed)>)>,
    /// Per statement: a guarded statement known to do nothing where it stands
    /// (`Replay::known_no_op`).
    pub no_ops: Vec<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixMatch {
    /// The prefixes the execution model allows, ascending.
    pub possible: Vec<usize>,
    /// The possible prefixes whose state the live catalog shows, ascending.
    pub matching: Vec<usize>,
    /// When nothing matches: the possible prefix with the fewest differences, and those
    /// differences (the expected fact and what the catalog shows).
    pub closest: Option<(usize, Vec<(Expectation, Observed)>)>,
    /// Per statement: a guarded statement known to do nothing where it stands, so that the
    /// prefixes on either side of it are interchangeable.
    pub no_ops: Vec<bool>,
}

impl PrefixMatch {
    /// Every matching prefix ran statement `i`: Some(true); none did: Some(false).
    pub fn statement_ran(&self, i: usize) -> Option<bool> {
        let (first, last) = (self.matching.first()?, self.matching.last()?);
        if *first > i {
            Some(true)
        } else if *last <= i {
            Some(false)
        } else {
            None
        }
    }
}

pub fn scan(replay: &Replay, traits: &[StatementTraits], snapshot: &CatalogSnapshot) -> PrefixScan {
    let mut memo: HashMap<Expectation, Observed> = HashMap::new();
    let differences = (0..=replay.statement_count())
        .map(|k| {
            let mut count = 0;
            let mut kept = Vec::new();
            for f in replay.facts(k) {
                let o = match memo.get(&f) {
                    Some(o) => o.clone(),
                    None => {
                        let o = catalog::observe(&f, snapshot);
                        memo.insert(f.clone(), o.clone());
                        o
                    }
                };
                if o != Observed::Present {
                    count += 1;
                    if kept.len() < KEPT_DIFFERENCES {
                        kept.push((f, o));
                    }
                }
            }
            (count, kept)
        })
        .collect();
    let no_ops = (0..replay.statement_count())
        .map(|i| replay.known_no_op(i, traits))
        .collect();
    PrefixScan {
        differences,
        no_ops,
    }
}

impl PrefixScan {
    /// The match under an execution model that allows the prefixes `possible`.
    pub fn select(&self, possible: Vec<usize>) -> PrefixMatch {
        let matching: Vec<usize> = possible
            .iter()
            .copied()
            .filter(|&k| self.differences.get(k).is_some_and(|(n, _)| *n == 0))
            .collect();
        let closest = if matching.is_empty() {
            // Fewest differences; among equals the longest prefix (it explains the most).
            possible
                .iter()
                .filter_map(|&k| self.differences.get(k).map(|d| (k, d)))
                .min_by_key(|(k, (n, _))| (*n, usize::MAX - k))
                .map(|(k, (_, kept))| (k, kept.clone()))
        } else {
            None
        };
        PrefixMatch {
            possible,
            matching,
            closest,
            no_ops: self.no_ops.clone(),
        }
    }
}
