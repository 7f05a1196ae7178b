//! Steps (facts and renames) and how a later step carries, changes or drops an earlier fact.

use super::display::quote;
use super::facts::*;
use super::StatementEffects;

// Steps and carrying forward

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rename {
    Relation {
        kind: RelationKind,
        schema: String,
        from: String,
        to: String,
    },
    Column {
        schema: String,
        table: String,
        from: String,
        to: String,
    },
    Constraint {
        schema: String,
        table: String,
        from: String,
        to: String,
    },
    Index {
        schema: String,
        from: String,
        to: String,
    },
    /// `in_default_schema`: unqualified type names in column types refer to it.
    Type {
        schema: String,
        from: String,
        to: String,
        in_default_schema: bool,
    },
    EnumValue {
        schema: String,
        type_name: String,
        from: String,
        to: String,
    },
}

impl Rename {
    /// The same rename the other way round: applied to a fact about the new name, it changes the
    /// fact exactly when the rename concerns it.
    pub(crate) fn reversed(&self) -> Rename {
        let mut r = self.clone();
        match &mut r {
            Rename::Relation { from, to, .. }
            | Rename::Column { from, to, .. }
            | Rename::Constraint { from, to, .. }
            | Rename::Index { from, to, .. }
            | Rename::Type { from, to, .. }
            | Rename::EnumValue { from, to, .. } => std::mem::swap(from, to),
        }
        r
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Expect(Expectation),
    /// Comes before the expectations (new present, old absent) of the same rename.
    Rename(Rename),
}

/// Whether a step can only change facts that say something is absent, or that list a whole
/// (those are carried through every step): the creation of an object (a primary key aside,
/// which also makes columns NOT NULL).
pub(super) fn creates_only(step: &Step) -> bool {
    match step {
        Step::Expect(e) => {
            let primary_key = matches!(
                e,
                Expectation::ConstraintExists {
                    kind: Some(ConstraintKind::PrimaryKey),
                    ..
                }
            );
            e.exists() == Some(true) && !primary_key
        }
        Step::Rename(_) => false,
    }
}

/// Positions of the steps that are not `creates_only`.
pub(super) fn changes(steps: &[&Step]) -> Vec<usize> {
    (0..steps.len())
        .filter(|&k| !creates_only(steps[k]))
        .collect()
}

/// The facts of `steps[range]`, each carried through every step after it (`changes` is
/// `changes(steps)`: most steps create things, which only matters to absence facts).
/// `barriers`: positions in `steps` where an opaque statement ran (procedural code, DDL the
/// recogniser does not follow). A fact that lists a whole (a table's or view's columns, an
/// enum's values, a function's body) does not survive one: the code may have added to it.
pub(super) fn carried(
    steps: &[&Step],
    changes: &[usize],
    barriers: &[usize],
    range: std::ops::Range<usize>,
) -> StatementEffects {
    let mut out = Vec::new();
    let mut had_any = false;
    for p in range {
        let Step::Expect(e) = steps[p] else { continue };
        had_any = true;
        if e.lists_a_whole() && barriers.iter().any(|&b| b > p) {
            continue;
        }
        let mut cur = e.clone();
        // A new column changes its table's list, a re-definition a view's or function's: facts
        // listing a whole (one per object, few) see every later step, like absence facts.
        let keep = if e.exists() == Some(false) || e.lists_a_whole() {
            steps[p + 1..].iter().all(|next| carry(&mut cur, next))
        } else {
            let from = changes.partition_point(|&k| k <= p);
            changes[from..].iter().all(|&k| carry(&mut cur, steps[k]))
        };
        if keep {
            out.push(cur);
        }
    }
    if had_any && out.is_empty() {
        return StatementEffects::Unverifiable {
            reason: "everything this statement did was dropped, renamed over or changed again later in the script"
                .into(),
        };
    }
    StatementEffects::Verifiable(out)
}

/// The facts of one statement's steps, carried through the rest of the statement.
pub(super) fn effects_of(own: &[Step]) -> StatementEffects {
    let steps: Vec<&Step> = own.iter().collect();
    carried(&steps, &changes(&steps), &[], 0..steps.len())
}

/// Whether `drop` (an absence fact) removes the object `e` is about, or the object it lives in.
pub(crate) fn removes(drop: &Expectation, e: &Expectation) -> bool {
    drop.obj() == e.obj()
        || match (drop.obj(), e) {
            (Obj::Schema(s), _) => e.schema() == Some(s),
            // A dropped table, view or materialized view takes its columns, indexes and triggers.
            (Obj::Relation(_, s, t), _) => e.table() == Some((s, t)),
            (Obj::Column(s, t, c), _) => e.uses_column(s, t, c),
            (
                Obj::Type(s, t),
                Expectation::EnumValueExists {
                    schema, type_name, ..
                },
            ) => (s, t) == (schema.as_str(), type_name.as_str()),
            // Dropping a primary key or unique constraint drops its index.
            (Obj::Constraint(s, _, Some(n)), Expectation::IndexExists { schema, name, .. }) => {
                (s, n) == (schema.as_str(), name.as_str())
            }
            (
                Obj::Index(s, n),
                Expectation::ConstraintExists {
                    schema,
                    name: Some(c),
                    ..
                },
            ) => e.is_index_backed_constraint() && (s, n) == (schema.as_str(), c.as_str()),
            _ => false,
        }
}

/// Carries `e` through a later step, in place: false when the step drops or overrides what `e`
/// states.
pub(crate) fn carry(e: &mut Expectation, step: &Step) -> bool {
    let later = match step {
        Step::Rename(r) => {
            apply_rename(e, r);
            return true;
        }
        Step::Expect(later) => later,
    };
    let same_object = later.obj() == e.obj();
    match later.exists() {
        Some(false) if e.exists() != Some(false) && removes(later, e) => return false,
        Some(true) if e.exists() == Some(false) && same_object => return false,
        _ => {}
    }
    use Expectation::*;
    match (e, later) {
        // A later change of the same property overrides this one.
        (ColumnType { .. }, ColumnType { .. })
        | (ColumnNotNull { .. }, ColumnNotNull { .. })
        | (ColumnDefault { .. }, ColumnDefault { .. })
        | (SequenceOwnedBy { .. }, SequenceOwnedBy { .. })
        | (CommentEquals { .. }, CommentEquals { .. })
        | (ConstraintValidated { .. }, ConstraintValidated { .. })
        | (FunctionBody { .. }, FunctionBody { .. })
        | (FunctionComment { .. }, FunctionComment { .. })
        | (RelationColumns { .. }, RelationColumns { .. })
            if same_object =>
        {
            return false
        }
        // A re-definition (`CREATE OR REPLACE`) whose body or columns are not known replaces
        // what an earlier one defined.
        (FunctionBody { .. }, FunctionExists { exists: true, .. })
        | (
            RelationColumns { .. },
            ViewExists { exists: true, .. } | MaterializedViewExists { exists: true, .. },
        ) if same_object => return false,
        // A value added to an enum whose values are all known: now they are these and it.
        (
            EnumValuesExactly {
                schema,
                type_name,
                values,
            },
            EnumValueExists {
                schema: s2,
                type_name: t2,
                value,
                exists: true,
            },
        ) if (schema.as_str(), type_name.as_str()) == (s2.as_str(), t2.as_str())
            && !values.contains(value) =>
        {
            values.push(value.clone())
        }
        // A table's column list follows the columns added and dropped (renames are renames).
        (
            RelationColumns {
                kind: RelationKind::Table,
                schema,
                name,
                columns,
            },
            ColumnExists {
                schema: s2,
                table,
                column,
                exists,
                ..
            },
        ) if (schema.as_str(), name.as_str()) == (s2.as_str(), table.as_str()) => {
            match (*exists, columns.iter().position(|c| c == column)) {
                (true, None) => columns.push(column.clone()),
                (false, Some(at)) => {
                    columns.remove(at);
                }
                _ => {}
            }
        }
        (ColumnExists { data_type, .. }, ColumnType { .. }) if same_object => *data_type = None,
        (ColumnExists { not_null, .. }, ColumnNotNull { .. }) if same_object => *not_null = None,
        (ColumnExists { default, .. }, ColumnDefault { .. }) if same_object => *default = None,
        // A primary key whose columns the script does not list (`USING INDEX`) makes some of
        // its table's columns NOT NULL.
        (
            ColumnExists {
                schema,
                table,
                not_null,
                ..
            },
            ConstraintExists {
                schema: s2,
                table: t2,
                kind: Some(ConstraintKind::PrimaryKey),
                columns: None,
                exists: true,
                ..
            },
        ) if (schema.as_str(), table.as_str()) == (s2.as_str(), t2.as_str()) => *not_null = None,
        (
            ColumnNotNull { schema, table, .. },
            ConstraintExists {
                schema: s2,
                table: t2,
                kind: Some(ConstraintKind::PrimaryKey),
                columns: None,
                exists: true,
                ..
            },
        ) if (schema.as_str(), table.as_str()) == (s2.as_str(), t2.as_str()) => return false,
        // A primary key makes its columns NOT NULL.
        (
            ColumnExists {
                schema,
                table,
                column,
                not_null,
                ..
            },
            ConstraintExists {
                kind: Some(ConstraintKind::PrimaryKey),
                exists: true,
                ..
            },
        ) if later.uses_column(schema, table, column) => *not_null = Some(true),
        _ => {}
    }
    true
}

pub(crate) fn apply_rename(e: &mut Expectation, r: &Rename) {
    use Expectation::*;
    let swap = |name: &mut String, from: &str, to: &str| {
        if name == from {
            *name = to.to_string();
        }
    };
    match r {
        Rename::Relation {
            kind,
            schema: rs,
            from,
            to,
        } => {
            if let Some((k, s, n, exists)) = e.as_relation() {
                if (k, s, n) == (*kind, rs.as_str(), from.as_str()) {
                    *e = Expectation::relation(k, rs.clone(), to.clone(), exists);
                }
                return;
            }
            match (kind, &mut *e) {
                (RelationKind::Sequence, SequenceOwnedBy { schema, name, .. })
                    if *schema == *rs =>
                {
                    swap(name, from, to)
                }
                // Relations share one namespace: the name alone says which one is renamed.
                (_, RelationColumns { schema, name, .. }) if *schema == *rs => swap(name, from, to),
                (RelationKind::Table, _) => rename_table_refs(e, rs, from, to),
                (
                    _,
                    CommentEquals {
                        schema, relation, ..
                    },
                ) if *schema == *rs => swap(relation, from, to),
                _ => {}
            }
        }
        Rename::Column {
            schema: rs,
            table: rt,
            from,
            to,
        } => {
            let on = |s: &str, t: &str| s == rs && t == rt;
            match e {
                ColumnExists {
                    schema,
                    table,
                    column,
                    ..
                }
                | ColumnType {
                    schema,
                    table,
                    column,
                    ..
                }
                | ColumnNotNull {
                    schema,
                    table,
                    column,
                    ..
                }
                | ColumnDefault {
                    schema,
                    table,
                    column,
                    ..
                } if on(schema, table) => swap(column, from, to),
                ConstraintExists {
                    schema,
                    table,
                    columns,
                    foreign_key,
                    ..
                } => {
                    if on(schema, table) {
                        columns.iter_mut().flatten().for_each(|c| swap(c, from, to));
                    }
                    if let Some(fk) = foreign_key
                        .as_mut()
                        .filter(|fk| on(&fk.ref_schema, &fk.ref_table))
                    {
                        fk.ref_columns
                            .iter_mut()
                            .flatten()
                            .for_each(|c| swap(c, from, to));
                    }
                }
                IndexExists {
                    schema,
                    table: Some(table),
                    columns: Some(cols),
                    ..
                } if on(schema, table) => cols.iter_mut().for_each(|c| swap(c, from, to)),
                CommentEquals {
                    schema,
                    relation,
                    column: Some(c),
                    ..
                } if on(schema, relation) => swap(c, from, to),
                SequenceOwnedBy {
                    schema,
                    owner: Some((t, c)),
                    ..
                } if on(schema, t) => swap(c, from, to),
                RelationColumns {
                    schema,
                    name,
                    columns,
                    ..
                } if on(schema, name) => columns.iter_mut().for_each(|c| swap(c, from, to)),
                _ => {}
            }
        }
        Rename::Constraint {
            schema: rs,
            table: rt,
            from,
            to,
        } => match e {
            ConstraintExists {
                schema,
                table,
                name: Some(name),
                ..
            } if schema == rs && table == rt => swap(name, from, to),
            ConstraintValidated {
                schema,
                table,
                name,
                ..
            } if schema == rs && table == rt => swap(name, from, to),
            // Renaming an index-backed constraint renames its index.
            IndexExists { schema, name, .. } if schema == rs => swap(name, from, to),
            _ => {}
        },
        Rename::Index {
            schema: rs,
            from,
            to,
        } => {
            // Renaming a constraint's index renames the constraint.
            let backed = e.is_index_backed_constraint();
            match e {
                IndexExists { schema, name, .. } if schema == rs => swap(name, from, to),
                ConstraintExists {
                    schema,
                    name: Some(name),
                    ..
                } if schema == rs && backed => swap(name, from, to),
                CommentEquals {
                    schema, relation, ..
                } if schema == rs => swap(relation, from, to),
                _ => {}
            }
        }
        Rename::Type {
            schema: rs,
            from,
            to,
            in_default_schema,
        } => {
            let retype = |dt: &mut String| {
                if let Some(new) = rename_user_type(dt, rs, from, to, *in_default_schema) {
                    *dt = new;
                }
            };
            match e {
                TypeExists { schema, name, .. } if schema == rs => swap(name, from, to),
                EnumValueExists {
                    schema, type_name, ..
                }
                | EnumValuesExactly {
                    schema, type_name, ..
                } if schema == rs => swap(type_name, from, to),
                ColumnExists {
                    data_type: Some(dt),
                    ..
                }
                | ColumnType { data_type: dt, .. } => retype(dt),
                FunctionExists {
                    arg_types: Some(args),
                    ..
                }
                | FunctionBody {
                    arg_types: args, ..
                }
                | FunctionComment {
                    arg_types: args, ..
                } => args.iter_mut().for_each(retype),
                _ => {}
            }
        }
        Rename::EnumValue {
            schema: rs,
            type_name: rt,
            from,
            to,
        } => match e {
            EnumValueExists {
                schema,
                type_name,
                value,
                ..
            } if schema == rs && type_name == rt => swap(value, from, to),
            EnumValuesExactly {
                schema,
                type_name,
                values,
            } if schema == rs && type_name == rt => {
                values.iter_mut().for_each(|v| swap(v, from, to))
            }
            _ => {}
        },
    }
}

pub(super) fn rename_table_refs(e: &mut Expectation, rs: &str, from: &str, to: &str) {
    use Expectation::*;
    let here = |schema: &str, t: &str| schema == rs && t == from;
    match e {
        ColumnExists { schema, table, .. }
        | ColumnType { schema, table, .. }
        | ColumnNotNull { schema, table, .. }
        | ColumnDefault { schema, table, .. }
        | TriggerExists { schema, table, .. }
        | ConstraintValidated { schema, table, .. }
            if here(schema, table) =>
        {
            *table = to.to_string()
        }
        ConstraintExists {
            schema,
            table,
            foreign_key,
            ..
        } => {
            if here(schema, table) {
                *table = to.to_string();
            }
            if let Some(fk) = foreign_key {
                if here(&fk.ref_schema, &fk.ref_table) {
                    fk.ref_table = to.to_string();
                }
            }
        }
        IndexExists {
            schema,
            table: Some(table),
            ..
        } if here(schema, table) => *table = to.to_string(),
        CommentEquals {
            schema, relation, ..
        } if here(schema, relation) => *relation = to.to_string(),
        SequenceOwnedBy {
            schema,
            owner: Some((table, _)),
            ..
        } if here(schema, table) => *table = to.to_string(),
        _ => {}
    }
}

/// Rewrites a canonical type naming `schema.from` to `to` (unqualified names only when `schema`
/// is the default one).
pub(super) fn rename_user_type(
    dt: &str,
    schema: &str,
    from: &str,
    to: &str,
    in_default_schema: bool,
) -> Option<String> {
    let qualified = |n: &str| format!("{}.{}", quote(schema), quote(n));
    let unqualified = in_default_schema.then(|| (quote(from), quote(to)));
    for (old, new) in [(qualified(from), qualified(to))]
        .into_iter()
        .chain(unqualified)
    {
        if let Some(rest) = dt.strip_prefix(&old) {
            if rest.is_empty() || rest.starts_with('[') || rest.starts_with('(') {
                return Some(format!("{new}{rest}"));
            }
        }
    }
    None
}

/// Sets `replaces` on shaped facts whose object (or, for an index, its constraint) an earlier
/// step removed: the script drops and re-creates it, so the old shape means "not applied yet".
pub(super) fn mark_replacements(steps: &mut [Step]) {
    let absent = |s: &Step| matches!(s, Step::Expect(d) if d.exists() == Some(false));
    let drops: Vec<usize> = (0..steps.len()).filter(|&k| absent(&steps[k])).collect();
    for q in 0..steps.len() {
        let (before, rest) = steps.split_at_mut(q);
        let Step::Expect(e) = &mut rest[0] else {
            continue;
        };
        if !matches!(
            e,
            Expectation::ColumnExists { exists: true, .. }
                | Expectation::ConstraintExists { exists: true, .. }
                | Expectation::IndexExists { exists: true, .. }
        ) {
            continue;
        }
        let replaced = drops
            .iter()
            .take_while(|&&p| p < q)
            .any(|&p| match &before[p] {
                Step::Expect(d) => match (d.obj(), e.obj()) {
                    (Obj::Constraint(s1, _, Some(n1)), Obj::Index(s2, n2)) => (s1, n1) == (s2, n2),
                    (a, b) => a == b,
                },
                Step::Rename(_) => false,
            });
        if let Expectation::ColumnExists { replaces, .. }
        | Expectation::ConstraintExists { replaces, .. }
        | Expectation::IndexExists { replaces, .. } = e
        {
            *replaces |= replaced;
        }
    }
}
