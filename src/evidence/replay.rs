//! The replay: the catalog state a failed script leaves after each prefix of its statements.
//!
//! State after the first `k` statements, over the objects the script touches:
//! - what statements `0..k` made true, each fact carried forward through the later ones of the
//!   prefix (`ScriptEffects::after`): a drop, a rename or a re-creation updates it;
//! - for objects no statement of the prefix touched yet, their state before the script, where a
//!   later statement implies it: a statement that creates an object without `IF NOT EXISTS`
//!   fails if it exists, so it did not exist before; a drop without `IF EXISTS`, a rename or an
//!   `ALTER COLUMN` need it to exist. Everything else about the state before the script is what
//!   the live catalog says (it is not constrained).
//!
//! Statements the recogniser does not model take no part in the facts; an opaque one (DO, CALL,
//! unmodelled DDL) may have changed anything, so the state before the script is only implied
//! back to the last opaque statement before the one that implies it.

use std::collections::HashMap;

use super::effects::{
    apply_rename, carry, removes, set_existence, DefaultExpectation, Expectation, Obj,
    RelationKind, Rename, ScriptEffects, StatementEffects, Step,
};
use super::kind::{StatementKind, StatementTraits};

/// A fact about the state before the script, implied by statement `statement`; it describes the
/// catalog after every prefix `k` with `from <= k <= statement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorFact {
    pub fact: Expectation,
    pub statement: usize,
    pub from: usize,
}

#[derive(Debug, Clone)]
pub struct Replay<'a> {
    effects: &'a ScriptEffects,
    pub prior: Vec<PriorFact>,
}

impl<'a> Replay<'a> {
    pub fn new(effects: &'a ScriptEffects, traits: &[StatementTraits]) -> Replay<'a> {
        Replay {
            effects,
            prior: prior_facts(effects, traits),
        }
    }

    /// The same, with the state before the script also taken from the earlier migrations:
    /// `history` holds the facts their scripts leave (carried through all of them). It gives the
    /// old shape of what the script drops, renames or alters (a foreign key re-added with
    /// another action, a table swapped through a temporary name, the old enum's values), which
    /// the script itself cannot say. Facts the script's own implications contradict are left out.
    ///
    /// `holds` says whether the live catalog shows a fact. A fact of the earlier migrations that
    /// the catalog contradicts after every prefix of the script (carried through its
    /// statements) is wrong about its object (a change made by hand, or by a statement the
    /// model does not follow): it is left out, and the others still sharpen the replay.
    pub fn with_history(
        &self,
        traits: &[StatementTraits],
        history: &[Expectation],
        holds: impl Fn(&Expectation) -> bool,
    ) -> Replay<'a> {
        let mut replay = self.clone();
        let flat = flat_steps(self.effects);
        let opaque = opaque_before(traits);
        let mut extra = Vec::new();
        for h in history {
            let Some(statement) = first_touch(&flat, h) else {
                continue;
            };
            // A guarded addition (`ADD COLUMN IF NOT EXISTS`, `ADD VALUE IF NOT EXISTS`) says
            // the element may be there already, made by hand: the earlier migrations' list
            // does not show that it was not.
            let guarded_addition = flat.iter().any(|(i, step)| {
                *i == statement && matches!(step, Step::Expect(d) if changes_whole(d, h))
            }) && traits.get(statement).is_some_and(|t| t.guarded);
            if guarded_addition {
                continue;
            }
            let contradicted = replay
                .prior
                .iter()
                .any(|p| p.fact.obj() == h.obj() && p.fact.exists() == Some(false));
            if contradicted || replay.prior.iter().any(|p| p.fact == *h) {
                continue;
            }
            let possible =
                |f: &Expectation| possibly_true(self.effects, traits, f, statement, &holds);
            let Some(h) = &weakened_to_possible(h, possible) else {
                continue;
            };
            let mut from = opaque
                .get(statement)
                .copied()
                .flatten()
                .map_or(0, |o| o + 1);
            if h.lists_a_whole() {
                // a `DROP ... CASCADE` before it may have taken part of the whole
                if let Some(b) = (0..statement).rev().find(|&i| self.effects.is_barrier(i)) {
                    from = from.max(b + 1);
                }
            }
            extra.push(PriorFact {
                fact: h.clone(),
                statement,
                from,
            });
        }
        replay.prior.extend(extra);
        replay
    }

    pub fn statement_count(&self) -> usize {
        self.effects.statements.len()
    }

    /// Whether statement `i`, guarded (`IF [NOT] EXISTS`), is known to do nothing where it
    /// stands: every object it creates is already there, every object it drops already gone, by
    /// the facts that hold before it (earlier statements, or the state before the script that
    /// the script or the earlier migrations imply). Such a statement leaves nothing to tell
    /// apart, like a `SET`. Unknown (the catalog alone cannot say whether its object was there
    /// before it) is false.
    pub fn known_no_op(&self, i: usize, traits: &[StatementTraits]) -> bool {
        if !traits
            .get(i)
            .is_some_and(|t| t.guarded && t.kind == StatementKind::Modelled)
        {
            return false;
        }
        let Some(own) = self.effects.statements.get(i) else {
            return false;
        };
        let own = own.expectations();
        if own.is_empty() {
            return false;
        }
        let before = self.facts(i);
        own.iter().all(|e| match e.exists() {
            Some(exists) => before
                .iter()
                .any(|f| f.obj() == e.obj() && f.exists() == Some(exists)),
            None => before.contains(e),
        })
    }

    /// The facts that hold once exactly the first `k` statements ran.
    pub fn facts(&self, k: usize) -> Vec<Expectation> {
        let mut out: Vec<Expectation> = self
            .effects
            .after(k)
            .iter()
            .flat_map(StatementEffects::expectations)
            .cloned()
            .collect();
        out.extend(
            self.prior
                .iter()
                .filter(|p| p.from <= k && k <= p.statement)
                .map(|p| p.fact.clone()),
        );
        out
    }
}

/// `h` if it can be the truth; else, for a column, the properties of it that can (a default
/// changed by hand says nothing against the column's type or nullability); else None.
fn weakened_to_possible(
    h: &Expectation,
    possible: impl Fn(&Expectation) -> bool,
) -> Option<Expectation> {
    if possible(h) {
        return Some(h.clone());
    }
    let Expectation::ColumnExists {
        exists: true,
        data_type,
        not_null,
        default,
        ..
    } = h
    else {
        return None;
    };
    let only = |keep: usize| {
        let mut f = h.clone();
        if let Expectation::ColumnExists {
            data_type: t,
            not_null: n,
            default: d,
            ..
        } = &mut f
        {
            if keep != 0 {
                *t = None;
            }
            if keep != 1 {
                *n = None;
            }
            if keep != 2 {
                *d = None;
            }
        }
        f
    };
    let mut out = only(usize::MAX);
    if !possible(&out) {
        return None;
    }
    if let Expectation::ColumnExists {
        data_type: t,
        not_null: n,
        default: d,
        ..
    } = &mut out
    {
        if data_type.is_some() && possible(&only(0)) {
            t.clone_from(data_type);
        }
        if not_null.is_some() && possible(&only(1)) {
            *n = *not_null;
        }
        if default.is_some() && possible(&only(2)) {
            d.clone_from(default);
        }
    }
    Some(out)
}

/// Whether the state before statement `first` that `h` describes can be the truth: the catalog
/// shows it, or shows it as the statements from `first` on leave it after some prefix (or an
/// opaque statement, or one that drops or overrides it, leaves that open).
fn possibly_true(
    effects: &ScriptEffects,
    traits: &[StatementTraits],
    h: &Expectation,
    first: usize,
    holds: &impl Fn(&Expectation) -> bool,
) -> bool {
    if holds(h) {
        return true;
    }
    let mut cur = h.clone();
    for (i, steps) in effects.steps().iter().enumerate().skip(first) {
        if traits
            .get(i)
            .is_none_or(|t| t.kind == StatementKind::Opaque)
        {
            return true;
        }
        for step in steps.iter().flatten() {
            if !carry(&mut cur, step) {
                return true;
            }
        }
        if holds(&cur) {
            return true;
        }
    }
    false
}

/// Every step with its statement, in script order.
fn flat_steps(effects: &ScriptEffects) -> Vec<(usize, &Step)> {
    effects
        .steps()
        .iter()
        .enumerate()
        .flat_map(|(i, r)| r.iter().flatten().map(move |s| (i, s)))
        .collect()
}

/// Per statement, the last opaque statement before it.
fn opaque_before(traits: &[StatementTraits]) -> Vec<Option<usize>> {
    let mut last = None;
    let mut out = Vec::with_capacity(traits.len());
    for (i, t) in traits.iter().enumerate() {
        out.push(last);
        if t.kind == StatementKind::Opaque {
            last = Some(i);
        }
    }
    out
}

/// The first statement that changes the object `e` is about, directly or through its table,
/// type or a rename.
fn first_touch(flat: &[(usize, &Step)], e: &Expectation) -> Option<usize> {
    flat.iter()
        .find(|(_, step)| match step {
            Step::Expect(d) => d.obj() == e.obj(),
            Step::Rename(_) => false,
        } || touches(step, e))
        .map(|(i, _)| *i)
}

/// The state before the script that its statements imply (see the module comment).
fn prior_facts(effects: &ScriptEffects, traits: &[StatementTraits]) -> Vec<PriorFact> {
    let steps = effects.steps();
    let flat = flat_steps(effects);
    // Steps that touch objects other than the one they name: drops (of a table, a column, a
    // type, a schema) and renames. Usually few.
    let indirect: Vec<usize> = (0..flat.len())
        .filter(|&p| match flat[p].1 {
            Step::Rename(_) => true,
            Step::Expect(e) => {
                e.exists() == Some(false)
                    || serial_sequence(e).is_some()
                    || matches!(e, Expectation::TableExists { exists: true, .. })
            }
        })
        .collect();
    let opaque_before = opaque_before(traits);
    debug_assert_eq!(opaque_before.len(), steps.len());
    // Where each object is named directly, in script order.
    let mut named_at: HashMap<Obj, Vec<usize>> = HashMap::new();
    for (p, (_, step)) in flat.iter().enumerate() {
        if let Step::Expect(e) = step {
            named_at.entry(e.obj()).or_default().push(p);
        }
    }
    let mut seen: Vec<&Expectation> = Vec::new();
    let mut out = Vec::new();
    for (q, &(stmt, step)) in flat.iter().enumerate() {
        let Step::Expect(e) = step else { continue };
        if seen.iter().any(|s| same_object(s, e)) {
            continue;
        }
        seen.push(e);
        let guarded = traits.get(stmt).is_none_or(|t| t.guarded);
        if guarded {
            continue;
        }
        let Some(fact) = state_before(e) else {
            continue;
        };
        // Walk back over the steps before it that touch the object indirectly. A rename of its
        // table (or type) only renames where it lives: before the rename the fact holds under
        // the old names. A drop (of its table, a sequence's owner, ...), a rename of the object
        // itself or a SERIAL that makes it: before that step nothing is implied. Renames are
        // held against the implied fact, which keeps only what identifies the object (renaming
        // a column an index covers does not make or remove an index of that name); drops
        // against the full one.
        let mut from = opaque_before
            .get(stmt)
            .copied()
            .flatten()
            .map_or(0, |o| o + 1);
        let (mut cur, mut cur_full, mut hi) = (fact, e.clone(), stmt);
        let before_q = indirect.partition_point(|&p| p < q);
        for &p in indirect[..before_q].iter().rev() {
            let (at, earlier) = flat[p];
            if at < from {
                break;
            }
            match earlier {
                // (a rename's own steps come first in its statement and name both names.)
                Step::Rename(_) if at == stmt => {}
                Step::Rename(r) if touches(earlier, &cur) => {
                    if renames_itself(r, &cur) {
                        from = at + 1;
                        break;
                    }
                    out.push(PriorFact {
                        fact: cur.clone(),
                        statement: hi,
                        from: at + 1,
                    });
                    let back = r.reversed();
                    apply_rename(&mut cur, &back);
                    apply_rename(&mut cur_full, &back);
                    hi = at;
                    // Under its old name the object may be one an earlier step names (made
                    // earlier in the script): nothing is implied before that step.
                    if let Some(&named) = named_at
                        .get(&cur.obj())
                        .and_then(|v| v[..v.partition_point(|&x| x < p)].last())
                    {
                        from = from.max(flat[named].0 + 1);
                    }
                }
                Step::Rename(_) => {}
                Step::Expect(_) => {
                    if touches(earlier, &cur_full) {
                        from = at + 1;
                        break;
                    }
                }
            }
        }
        if from <= hi {
            out.push(PriorFact {
                fact: cur,
                statement: hi,
                from,
            });
        }
    }
    out
}

/// Whether two facts are about one object. Unnamed constraints of a table share an identity
/// (`Obj`) but are told apart by their kind and columns: a table's unnamed primary key and the
/// unnamed foreign key added later are two objects.
fn same_object(a: &Expectation, b: &Expectation) -> bool {
    use Expectation::ConstraintExists;
    match (a, b) {
        (
            ConstraintExists {
                name: None,
                kind: k1,
                columns: c1,
                ..
            },
            ConstraintExists {
                name: None,
                kind: k2,
                columns: c2,
                ..
            },
        ) => a.obj() == b.obj() && k1 == k2 && c1 == c2,
        _ => a.obj() == b.obj(),
    }
}

/// Whether `r` renames the object `e` is about itself (not only the table or type it lives in).
fn renames_itself(r: &Rename, e: &Expectation) -> bool {
    let own = |x: &Expectation| match x.obj() {
        Obj::Schema(n) | Obj::Extension(n) => Some(n.to_string()),
        Obj::Relation(_, _, n)
        | Obj::Column(_, _, n)
        | Obj::Index(_, n)
        | Obj::Type(_, n)
        | Obj::EnumValue(_, _, n)
        | Obj::Function(_, n)
        | Obj::Trigger(_, _, n) => Some(n.to_string()),
        Obj::Constraint(_, _, n) => n.map(str::to_string),
        Obj::Comment(..) => None,
    };
    let name = own(e);
    [r.clone(), r.reversed()].iter().any(|r| {
        let mut moved = e.clone();
        apply_rename(&mut moved, r);
        own(&moved) != name
    })
}

/// Whether `step` changes the object `e` is about, other than by naming it directly.
fn touches(step: &Step, e: &Expectation) -> bool {
    match step {
        Step::Rename(r) => {
            let mut forward = e.clone();
            apply_rename(&mut forward, r);
            let mut backward = e.clone();
            apply_rename(&mut backward, &r.reversed());
            forward != *e || backward != *e
        }
        Step::Expect(d) => {
            (d.exists() == Some(false) && (removes(d, e) || may_take_sequence(d, e)))
                // a column added or dropped changes its table's column list; a value, its enum's
                || changes_whole(d, e)
                // a table made here (guarded: its columns are not listed) may bring the object
                || matches!(d, Expectation::TableExists { schema, name, exists: true }
                    if e.table() == Some((schema.as_str(), name.as_str())))
                || serial_sequence(d).is_some_and(|(schema, name)| {
                    matches!(e, Expectation::SequenceExists { schema: s, name: n, .. } if *s == schema && *n == name)
                })
        }
    }
}

/// Whether `step` changes the whole `e` lists: a table's columns, an enum's values.
fn changes_whole(step: &Expectation, e: &Expectation) -> bool {
    use Expectation::*;
    match (step, e) {
        (
            ColumnExists { schema, table, .. },
            RelationColumns {
                kind: RelationKind::Table,
                schema: s,
                name,
                ..
            },
        ) => (schema, table) == (s, name),
        (
            EnumValueExists {
                schema, type_name, ..
            },
            EnumValuesExactly {
                schema: s,
                type_name: t,
                ..
            },
        ) => (schema, type_name) == (s, t),
        _ => false,
    }
}

/// Whether dropping what `drop` names may drop the sequence `e` is about: a sequence owned by a
/// column (SERIAL, identity, `OWNED BY`) goes with its table or column, and which table owns a
/// sequence is not in the script. Any sequence of the schema, to be safe.
fn may_take_sequence(drop: &Expectation, e: &Expectation) -> bool {
    use Expectation::*;
    let dropped_schema = match drop {
        TableExists { schema, .. } | ColumnExists { schema, .. } => schema,
        _ => return false,
    };
    matches!(e, SequenceExists { schema, .. } | SequenceOwnedBy { schema, .. } if schema == dropped_schema)
}

/// The sequence a SERIAL column makes (schema, name), as PostgreSQL names it when the name is
/// free (`<table>_<column>_seq`, the longer part cut to fit 63 bytes). Statements that later
/// name it (`DROP SEQUENCE "T_c_seq"`) then say nothing about the state before the script.
fn serial_sequence(e: &Expectation) -> Option<(String, String)> {
    match e {
        Expectation::ColumnExists {
            schema,
            table,
            column,
            exists: true,
            default: Some(DefaultExpectation::Nextval),
            ..
        } => Some((schema.clone(), implicit_name(table, column, "seq"))),
        _ => None,
    }
}

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, the longer of the two names cut a byte
/// at a time (on a character boundary) until it fits in NAMEDATALEN - 1 bytes.
fn implicit_name(name1: &str, name2: &str, label: &str) -> String {
    const MAX: usize = 63;
    // one underscore between the names, one before the label
    let avail = MAX.saturating_sub(label.len() + 2);
    let (mut n1, mut n2) = (name1.len(), name2.len());
    while n1 + n2 > avail && n1 + n2 > 0 {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let cut = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    format!("{}_{}_{label}", cut(name1, n1), cut(name2, n2))
}

/// What the first statement that names an object, made without `IF [NOT] EXISTS`, implies about
/// it before it ran: created -> it did not exist; dropped or renamed away -> it existed (shape
/// unknown); a column property changed -> the column existed.
fn state_before(e: &Expectation) -> Option<Expectation> {
    use Expectation::*;
    let mut f = e.clone();
    match (&mut f, e.exists()) {
        (_, Some(exists)) => {
            set_existence(&mut f, !exists);
            Some(f)
        }
        // Validating a constraint needs it.
        (
            ConstraintValidated {
                schema,
                table,
                name,
                ..
            },
            None,
        ) => Some(ConstraintExists {
            schema: schema.clone(),
            table: table.clone(),
            name: Some(name.clone()),
            kind: None,
            columns: None,
            foreign_key: None,
            exists: true,
            replaces: false,
        }),
        // A column property changed: the column existed.
        (ColumnType { .. } | ColumnNotNull { .. } | ColumnDefault { .. }, None) => match e.obj() {
            Obj::Column(schema, table, column) => Some(ColumnExists {
                schema: schema.to_string(),
                table: table.to_string(),
                column: column.to_string(),
                exists: true,
                data_type: None,
                not_null: None,
                default: None,
                replaces: false,
            }),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::implicit_name;

    #[test]
    fn serial_sequences_are_named_like_postgres_names_them() {
        assert_eq!(
            implicit_name("Person", "userId", "seq"),
            "Person_userId_seq"
        );
        // 63 bytes at most: the longer part is cut first, a byte at a time.
        let long = "a".repeat(70);
        let name = implicit_name(&long, "id", "seq");
        assert_eq!(name.len(), 63);
        assert_eq!(name, format!("{}_id_seq", "a".repeat(56)));
        let name = implicit_name(&"t".repeat(40), &"c".repeat(40), "seq");
        assert_eq!(name, format!("{}_{}_seq", "t".repeat(29), "c".repeat(29)));
        // never inside a character
        let name = implicit_name(&"é".repeat(40), "id", "seq");
        assert!(name.len() <= 63 && name.ends_with("_id_seq"));
    }
}
