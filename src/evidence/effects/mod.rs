//! What each statement of a migration makes true in the catalog.
//!
//! A strict recogniser over the `split` lexer covers the DDL that Prisma generates for PostgreSQL
//! (and the usual hand-written additions). Anything it does not recognise completely becomes
//! `Unverifiable` with a reason: a fact is never guessed. Later statements can rename, drop or
//! re-create what an earlier one made; `ScriptEffects::after` carries each expectation forward
//! through them so that it describes the catalog at a given point of the script.

mod carry;
mod defaults;
mod display;
mod facts;
mod parse_alter;
mod parse_create;
mod parse_query;
mod parse_types;
mod parser;
#[cfg(test)]
mod tests;

use super::kind::{traits, words, StatementKind};
use super::split::{SplitScript, Statement};

pub(crate) use carry::{apply_rename, carry, removes, Rename, Step};
use carry::{carried, changes, effects_of, mark_replacements};
pub(crate) use defaults::{default_tokens, OPAQUE};
pub(crate) use display::{excerpt, quote};
pub(crate) use facts::{set_existence, Obj};
pub use facts::{
    ConstraintKind, DefaultExpectation, Expectation, ForeignKeySpec, RefAction, RelationKind,
    TypeKind,
};
use parser::statement_steps;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StatementEffects {
    Verifiable(Vec<Expectation>),
    Unverifiable { reason: String },
}

impl StatementEffects {
    pub fn expectations(&self) -> &[Expectation] {
        match self {
            StatementEffects::Verifiable(v) => v,
            StatementEffects::Unverifiable { .. } => &[],
        }
    }
}

/// What one statement makes true, right after it ran.
pub fn expected_effects(stmt: &Statement, default_schema: &str) -> StatementEffects {
    match statement_steps(stmt, default_schema) {
        Ok(mut steps) => {
            mark_replacements(&mut steps);
            effects_of(&steps)
        }
        Err(reason) => StatementEffects::Unverifiable { reason },
    }
}

/// Effects of every statement of a script, with what is needed to carry them forward.
#[derive(Debug, Clone)]
pub struct ScriptEffects {
    /// Per statement, as right after it ran (`replaces` set from the whole script).
    pub statements: Vec<StatementEffects>,
    steps: Vec<Result<Vec<Step>, String>>,
    /// Per statement: it may change objects it does not name: unrecognised code (DO, CALL, DDL
    /// the recogniser does not follow) or a `DROP ... CASCADE` (a type's, a column's, an
    /// extension's dependants go with it), as opposed to data, session or privilege statements.
    barrier: Vec<bool>,
}

pub fn script_effects(script: &SplitScript, default_schema: &str) -> ScriptEffects {
    let parsed: Vec<Result<Vec<Step>, String>> = script
        .statements
        .iter()
        .map(|s| statement_steps(s, default_schema))
        .collect();
    // Flatten to mark replacements across statements, then cut back.
    let mut flat: Vec<Step> = parsed
        .iter()
        .flat_map(|r| r.iter().flatten().cloned())
        .collect();
    mark_replacements(&mut flat);
    let mut rest = flat.into_iter();
    let steps: Vec<Result<Vec<Step>, String>> = parsed
        .into_iter()
        .map(|r| r.map(|v| rest.by_ref().take(v.len()).collect()))
        .collect();
    let statements = steps
        .iter()
        .map(|r| match r {
            Ok(v) => effects_of(v),
            Err(reason) => StatementEffects::Unverifiable {
                reason: reason.clone(),
            },
        })
        .collect();
    let barrier = script
        .statements
        .iter()
        .zip(&steps)
        .map(|(s, r)| traits(s, r.is_ok()).kind == StatementKind::Opaque || drops_cascading(s))
        .collect();
    ScriptEffects {
        statements,
        steps,
        barrier,
    }
}

/// `DROP ... CASCADE` anywhere in the statement (`DROP TYPE`, `ALTER TABLE ... DROP COLUMN`).
fn drops_cascading(stmt: &Statement) -> bool {
    let words = words(&stmt.sql);
    words.iter().any(|w| w == "drop") && words.iter().any(|w| w == "cascade")
}

impl ScriptEffects {
    /// Whether statement `i` may change objects it does not name (see `barrier`).
    pub(crate) fn is_barrier(&self, i: usize) -> bool {
        self.barrier.get(i).copied().unwrap_or(true)
    }

    /// Per statement, its steps in order (Err: why it is unverifiable).
    pub(crate) fn steps(&self) -> &[Result<Vec<Step>, String>] {
        &self.steps
    }

    /// What the catalog should show once statements `0..applied` ran: each statement's
    /// expectations carried forward through the later ones in that range (renames followed;
    /// facts that a later statement drops or overrides left out). Unverifiable statements are
    /// assumed not to touch the objects.
    pub fn after(&self, applied: usize) -> Vec<StatementEffects> {
        let applied = applied.min(self.steps.len());
        let mut flat: Vec<&Step> = Vec::new();
        let mut starts = Vec::with_capacity(applied + 1);
        let mut barriers = Vec::new();
        for (r, barrier) in self.steps[..applied].iter().zip(&self.barrier) {
            starts.push(flat.len());
            if *barrier {
                barriers.push(flat.len());
            }
            flat.extend(r.iter().flatten());
        }
        starts.push(flat.len());
        let changes = changes(&flat);
        (0..applied)
            .map(|i| match &self.steps[i] {
                Ok(_) => carried(&flat, &changes, &barriers, starts[i]..starts[i + 1]),
                Err(reason) => StatementEffects::Unverifiable {
                    reason: reason.clone(),
                },
            })
            .collect()
    }
}
