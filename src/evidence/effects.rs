//! What each statement of a migration makes true in the catalog.
//!
//! A strict recogniser over the `split` lexer covers the DDL that Prisma generates for PostgreSQL
//! (and the usual hand-written additions). Anything it does not recognise completely becomes
//! `Unverifiable` with a reason: a fact is never guessed. Later statements can rename, drop or
//! re-create what an earlier one made; `ScriptEffects::after` carries each expectation forward
//! through them so that it describes the catalog at a given point of the script.

use std::fmt;

use super::split::{lex, SplitScript, Statement, Tok, Token};

/// What a column's default should be.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DefaultExpectation {
    /// No default.
    Absent,
    /// This expression, as written in the script (compared after normalisation).
    Expr(String),
    /// Some `nextval(...)` (SERIAL columns: PostgreSQL names the sequence).
    Nextval,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
    Exclusion,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ForeignKeySpec {
    pub ref_schema: String,
    pub ref_table: String,
    /// None when the script omits them (the referenced table's primary key).
    pub ref_columns: Option<Vec<String>>,
    pub on_delete: RefAction,
    pub on_update: RefAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeKind {
    Enum,
    Composite,
    Domain,
    Range,
}

/// Relations share one namespace per schema; these are the kinds a script creates by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationKind {
    Table,
    View,
    MaterializedView,
    Sequence,
}

/// One checkable fact about the catalog that a statement, once applied, makes true.
///
/// Identifiers are as PostgreSQL stores them (unquoted folded to lower case, truncated to 63
/// bytes); unqualified names resolve to the default schema. `data_type` strings are canonical:
/// `format_type()` spelling for built-in types (`integer`, `timestamp(3) without time zone`,
/// `character varying(191)`, `text[]`), `"Name"` / `"schema"."Name"` (+ modifiers, `[]`) for
/// user-defined ones. `replaces` is set when the script drops an object of that name first, so an
/// object of that name with another shape means "not applied yet" rather than a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expectation {
    SchemaExists {
        name: String,
        exists: bool,
    },
    ExtensionExists {
        name: String,
        schema: Option<String>,
        exists: bool,
    },
    TableExists {
        schema: String,
        name: String,
        exists: bool,
    },
    ViewExists {
        schema: String,
        name: String,
        exists: bool,
    },
    MaterializedViewExists {
        schema: String,
        name: String,
        exists: bool,
    },
    SequenceExists {
        schema: String,
        name: String,
        exists: bool,
    },
    /// `owner` is (table, column) in the sequence's schema; None: owned by nothing.
    SequenceOwnedBy {
        schema: String,
        name: String,
        owner: Option<(String, String)>,
    },
    ColumnExists {
        schema: String,
        table: String,
        column: String,
        exists: bool,
        data_type: Option<String>,
        not_null: Option<bool>,
        default: Option<DefaultExpectation>,
        replaces: bool,
    },
    ColumnType {
        schema: String,
        table: String,
        column: String,
        data_type: String,
    },
    ColumnNotNull {
        schema: String,
        table: String,
        column: String,
        not_null: bool,
    },
    ColumnDefault {
        schema: String,
        table: String,
        column: String,
        default: DefaultExpectation,
    },
    /// `name` None: an unnamed constraint, matched by kind and columns.
    ConstraintExists {
        schema: String,
        table: String,
        name: Option<String>,
        kind: Option<ConstraintKind>,
        columns: Option<Vec<String>>,
        foreign_key: Option<ForeignKeySpec>,
        exists: bool,
        replaces: bool,
    },
    /// `columns` None when a key is an expression; `method` is the access method (`btree`, `gin`, ...).
    IndexExists {
        schema: String,
        name: String,
        table: Option<String>,
        unique: Option<bool>,
        columns: Option<Vec<String>>,
        method: Option<String>,
        descending: Option<Vec<bool>>,
        exists: bool,
        replaces: bool,
    },
    TypeExists {
        schema: String,
        name: String,
        kind: Option<TypeKind>,
        exists: bool,
    },
    EnumValueExists {
        schema: String,
        type_name: String,
        value: String,
        exists: bool,
    },
    /// The enum has exactly these values (in any order): what `CREATE TYPE ... AS ENUM` makes,
    /// so a type of that name with more values (an older one) is not it.
    EnumValuesExactly {
        schema: String,
        type_name: String,
        values: Vec<String>,
    },
    /// `arg_types` None: any overload (or argument types that could not be normalised).
    FunctionExists {
        schema: String,
        name: String,
        arg_types: Option<Vec<String>>,
        exists: bool,
    },
    TriggerExists {
        schema: String,
        table: String,
        name: String,
        exists: bool,
    },
    /// Comment on a relation, or on one of its columns; None: no comment.
    CommentEquals {
        schema: String,
        relation: String,
        column: Option<String>,
        comment: Option<String>,
    },
}

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
    ScriptEffects { statements, steps }
}

impl ScriptEffects {
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
        for r in &self.steps[..applied] {
            starts.push(flat.len());
            flat.extend(r.iter().flatten());
        }
        starts.push(flat.len());
        let changes = changes(&flat);
        (0..applied)
            .map(|i| match &self.steps[i] {
                Ok(_) => carried(&flat, &changes, starts[i]..starts[i + 1]),
                Err(reason) => StatementEffects::Unverifiable {
                    reason: reason.clone(),
                },
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
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

/// Whether a step can only change facts that say something is absent: the creation of an
/// object (a primary key aside, which also makes columns NOT NULL).
fn creates_only(step: &Step) -> bool {
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
fn changes(steps: &[&Step]) -> Vec<usize> {
    (0..steps.len())
        .filter(|&k| !creates_only(steps[k]))
        .collect()
}

/// The facts of `steps[range]`, each carried through every step after it (`changes` is
/// `changes(steps)`: most steps create things, which only matters to absence facts).
fn carried(steps: &[&Step], changes: &[usize], range: std::ops::Range<usize>) -> StatementEffects {
    let mut out = Vec::new();
    let mut had_any = false;
    for p in range {
        let Step::Expect(e) = steps[p] else { continue };
        had_any = true;
        let mut cur = e.clone();
        let keep = if e.exists() == Some(false) {
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
fn effects_of(own: &[Step]) -> StatementEffects {
    let steps: Vec<&Step> = own.iter().collect();
    carried(&steps, &changes(&steps), 0..steps.len())
}

/// Identity of the object an expectation is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Obj<'a> {
    Schema(&'a str),
    Extension(&'a str),
    Relation(RelationKind, &'a str, &'a str),
    Column(&'a str, &'a str, &'a str),
    Constraint(&'a str, &'a str, Option<&'a str>),
    Index(&'a str, &'a str),
    Type(&'a str, &'a str),
    EnumValue(&'a str, &'a str, &'a str),
    Function(&'a str, &'a str),
    Trigger(&'a str, &'a str, &'a str),
    Comment(&'a str, &'a str, Option<&'a str>),
}

impl Expectation {
    fn relation(kind: RelationKind, schema: String, name: String, exists: bool) -> Expectation {
        match kind {
            RelationKind::Table => Expectation::TableExists {
                schema,
                name,
                exists,
            },
            RelationKind::View => Expectation::ViewExists {
                schema,
                name,
                exists,
            },
            RelationKind::MaterializedView => Expectation::MaterializedViewExists {
                schema,
                name,
                exists,
            },
            RelationKind::Sequence => Expectation::SequenceExists {
                schema,
                name,
                exists,
            },
        }
    }

    /// The relation kind, schema, name and `exists` of the four plain relation expectations.
    pub fn as_relation(&self) -> Option<(RelationKind, &str, &str, bool)> {
        match self {
            Expectation::TableExists {
                schema,
                name,
                exists,
            } => Some((RelationKind::Table, schema, name, *exists)),
            Expectation::ViewExists {
                schema,
                name,
                exists,
            } => Some((RelationKind::View, schema, name, *exists)),
            Expectation::MaterializedViewExists {
                schema,
                name,
                exists,
            } => Some((RelationKind::MaterializedView, schema, name, *exists)),
            Expectation::SequenceExists {
                schema,
                name,
                exists,
            } => Some((RelationKind::Sequence, schema, name, *exists)),
            _ => None,
        }
    }

    /// Some(exists) for existence facts, None for facts about a property of an object.
    pub fn exists(&self) -> Option<bool> {
        use Expectation::*;
        match self {
            SchemaExists { exists, .. }
            | ExtensionExists { exists, .. }
            | ColumnExists { exists, .. }
            | ConstraintExists { exists, .. }
            | IndexExists { exists, .. }
            | TypeExists { exists, .. }
            | EnumValueExists { exists, .. }
            | FunctionExists { exists, .. }
            | TriggerExists { exists, .. } => Some(*exists),
            _ => self.as_relation().map(|r| r.3),
        }
    }

    /// The schema of the object (None for schemas and extensions without one).
    pub fn schema(&self) -> Option<&str> {
        use Expectation::*;
        match self {
            SchemaExists { .. } => None,
            ExtensionExists { schema, .. } => schema.as_deref(),
            SequenceOwnedBy { schema, .. }
            | ColumnExists { schema, .. }
            | ColumnType { schema, .. }
            | ColumnNotNull { schema, .. }
            | ColumnDefault { schema, .. }
            | ConstraintExists { schema, .. }
            | IndexExists { schema, .. }
            | TypeExists { schema, .. }
            | EnumValueExists { schema, .. }
            | EnumValuesExactly { schema, .. }
            | FunctionExists { schema, .. }
            | TriggerExists { schema, .. }
            | CommentEquals { schema, .. } => Some(schema),
            _ => self.as_relation().map(|r| r.1),
        }
    }

    pub(crate) fn obj(&self) -> Obj<'_> {
        use Expectation::*;
        match self {
            SchemaExists { name, .. } => Obj::Schema(name),
            ExtensionExists { name, .. } => Obj::Extension(name),
            SequenceOwnedBy { schema, name, .. } => {
                Obj::Relation(RelationKind::Sequence, schema, name)
            }
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
            } => Obj::Column(schema, table, column),
            ConstraintExists {
                schema,
                table,
                name,
                ..
            } => Obj::Constraint(schema, table, name.as_deref()),
            IndexExists { schema, name, .. } => Obj::Index(schema, name),
            TypeExists { schema, name, .. } => Obj::Type(schema, name),
            EnumValuesExactly {
                schema, type_name, ..
            } => Obj::Type(schema, type_name),
            EnumValueExists {
                schema,
                type_name,
                value,
                ..
            } => Obj::EnumValue(schema, type_name, value),
            FunctionExists { schema, name, .. } => Obj::Function(schema, name),
            TriggerExists {
                schema,
                table,
                name,
                ..
            } => Obj::Trigger(schema, table, name),
            CommentEquals {
                schema,
                relation,
                column,
                ..
            } => Obj::Comment(schema, relation, column.as_deref()),
            TableExists { schema, name, .. } => Obj::Relation(RelationKind::Table, schema, name),
            ViewExists { schema, name, .. } => Obj::Relation(RelationKind::View, schema, name),
            MaterializedViewExists { schema, name, .. } => {
                Obj::Relation(RelationKind::MaterializedView, schema, name)
            }
            SequenceExists { schema, name, .. } => {
                Obj::Relation(RelationKind::Sequence, schema, name)
            }
        }
    }

    /// The table (schema, name) this fact lives on, if any.
    fn table(&self) -> Option<(&str, &str)> {
        use Expectation::*;
        match self {
            ColumnExists { schema, table, .. }
            | ColumnType { schema, table, .. }
            | ColumnNotNull { schema, table, .. }
            | ColumnDefault { schema, table, .. }
            | ConstraintExists { schema, table, .. }
            | TriggerExists { schema, table, .. } => Some((schema, table)),
            IndexExists {
                schema,
                table: Some(table),
                ..
            } => Some((schema, table)),
            CommentEquals {
                schema, relation, ..
            } => Some((schema, relation)),
            SequenceOwnedBy {
                schema,
                owner: Some((table, _)),
                ..
            } => Some((schema, table)),
            _ => None,
        }
    }

    /// Columns of `table` the fact depends on (dropping one of them drops the fact's object).
    fn uses_column(&self, schema: &str, table: &str, column: &str) -> bool {
        use Expectation::*;
        if self.table() != Some((schema, table)) {
            return false;
        }
        match self {
            ConstraintExists {
                columns: Some(cols),
                ..
            }
            | IndexExists {
                columns: Some(cols),
                ..
            } => cols.iter().any(|c| c == column),
            CommentEquals {
                column: Some(c), ..
            } => c == column,
            SequenceOwnedBy {
                owner: Some((_, c)),
                ..
            } => c == column,
            _ => false,
        }
    }

    fn is_index_backed_constraint(&self) -> bool {
        matches!(
            self,
            Expectation::ConstraintExists {
                kind: None
                    | Some(
                        ConstraintKind::PrimaryKey
                            | ConstraintKind::Unique
                            | ConstraintKind::Exclusion
                    ),
                ..
            }
        )
    }
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
            if same_object =>
        {
            return false
        }
        (
            EnumValuesExactly {
                schema, type_name, ..
            },
            EnumValueExists {
                schema: s2,
                type_name: t2,
                exists: true,
                ..
            },
        ) if (schema.as_str(), type_name.as_str()) == (s2.as_str(), t2.as_str()) => return false,
        (ColumnExists { data_type, .. }, ColumnType { .. }) if same_object => *data_type = None,
        (ColumnExists { not_null, .. }, ColumnNotNull { .. }) if same_object => *not_null = None,
        (ColumnExists { default, .. }, ColumnDefault { .. }) if same_object => *default = None,
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

fn rename_table_refs(e: &mut Expectation, rs: &str, from: &str, to: &str) {
    use Expectation::*;
    let here = |schema: &str, t: &str| schema == rs && t == from;
    match e {
        ColumnExists { schema, table, .. }
        | ColumnType { schema, table, .. }
        | ColumnNotNull { schema, table, .. }
        | ColumnDefault { schema, table, .. }
        | TriggerExists { schema, table, .. }
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
fn rename_user_type(
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
fn mark_replacements(steps: &mut [Step]) {
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

// ---------------------------------------------------------------------------------------------
// Types

pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Built-in types by catalog name, which may also be written quoted or `pg_catalog.`-qualified,
/// and the name `format_type()` prints for them.
const CATALOG_TYPES: &[(&str, &str)] = &[
    ("int4", "integer"),
    ("int2", "smallint"),
    ("int8", "bigint"),
    ("float4", "real"),
    ("float8", "double precision"),
    ("bool", "boolean"),
    ("varchar", "character varying"),
    ("bpchar", "bpchar"),
    ("varbit", "bit varying"),
    ("timestamp", "timestamp without time zone"),
    ("timestamptz", "timestamp with time zone"),
    ("time", "time without time zone"),
    ("timetz", "time with time zone"),
    ("char", "\"char\""),
    ("numeric", "numeric"),
    ("interval", "interval"),
    ("bit", "bit"),
    ("text", "text"),
    ("bytea", "bytea"),
    ("uuid", "uuid"),
    ("json", "json"),
    ("jsonb", "jsonb"),
    ("date", "date"),
    ("money", "money"),
    ("inet", "inet"),
    ("cidr", "cidr"),
    ("macaddr", "macaddr"),
    ("macaddr8", "macaddr8"),
    ("xml", "xml"),
    ("tsvector", "tsvector"),
    ("tsquery", "tsquery"),
    ("oid", "oid"),
    ("point", "point"),
    ("line", "line"),
    ("lseg", "lseg"),
    ("box", "box"),
    ("path", "path"),
    ("polygon", "polygon"),
    ("circle", "circle"),
    ("pg_lsn", "pg_lsn"),
    ("jsonpath", "jsonpath"),
    ("int4range", "int4range"),
    ("int8range", "int8range"),
    ("numrange", "numrange"),
    ("tsrange", "tsrange"),
    ("tstzrange", "tstzrange"),
    ("daterange", "daterange"),
    ("regclass", "regclass"),
    ("name", "name"),
];

/// SQL keyword spellings, which only work unquoted and unqualified.
const KEYWORD_TYPES: &[(&str, &str)] = &[
    ("int", "integer"),
    ("integer", "integer"),
    ("smallint", "smallint"),
    ("bigint", "bigint"),
    ("real", "real"),
    ("boolean", "boolean"),
];

/// SERIAL pseudo-types: the column gets the integer type, NOT NULL and a sequence default.
const SERIAL_TYPES: &[(&str, &str)] = &[
    ("serial", "integer"),
    ("serial4", "integer"),
    ("smallserial", "smallint"),
    ("serial2", "smallint"),
    ("bigserial", "bigint"),
    ("serial8", "bigint"),
];

#[derive(Debug, Clone, Default)]
struct TypeSpec {
    /// None when the type could not be normalised with confidence (then it is not compared).
    canonical: Option<String>,
    serial: bool,
}

// ---------------------------------------------------------------------------------------------
// The recogniser

type Res<T> = Result<T, String>;

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    default_schema: &'a str,
    steps: Vec<Step>,
}

/// Maximum identifier length (NAMEDATALEN - 1): PostgreSQL truncates longer names.
const MAX_IDENT: usize = 63;

fn truncate_ident(mut s: String) -> String {
    if s.len() > MAX_IDENT {
        let mut cut = MAX_IDENT;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

fn statement_steps(stmt: &Statement, default_schema: &str) -> Res<Vec<Step>> {
    let toks: Vec<Token> = lex(&stmt.sql)
        .into_iter()
        .filter(|t| t.kind != Tok::Comment)
        .collect();
    let mut p = Parser {
        src: &stmt.sql,
        toks,
        pos: 0,
        default_schema,
        steps: Vec::new(),
    };
    p.statement()?;
    Ok(p.steps)
}

impl<'a> Parser<'a> {
    // --- token helpers

    fn tok(&self, k: usize) -> Option<&Token> {
        self.toks.get(self.pos + k)
    }

    fn text(&self, t: &Token) -> &'a str {
        &self.src[t.start..t.end]
    }

    fn word_at(&self, k: usize) -> Option<String> {
        self.tok(k)
            .filter(|t| t.kind == Tok::Word)
            .map(|t| self.text(t).to_ascii_lowercase())
    }

    fn is_kw(&self, kw: &str) -> bool {
        self.word_at(0).as_deref() == Some(kw)
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let hit = self.is_kw(kw);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// Eats one of `kws`, if there.
    fn eat_any(&mut self, kws: &[&str]) -> bool {
        kws.iter().any(|k| self.eat_kw(k))
    }

    /// Eats the whole sequence or nothing.
    fn eat_kws(&mut self, kws: &[&str]) -> bool {
        let hit = kws
            .iter()
            .enumerate()
            .all(|(k, kw)| self.word_at(k).as_deref() == Some(*kw));
        if hit {
            self.pos += kws.len();
        }
        hit
    }

    fn expect_kw(&mut self, kw: &str) -> Res<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected(&kw.to_ascii_uppercase()))
        }
    }

    fn is_punct(&self, c: u8) -> bool {
        self.tok(0).is_some_and(|t| t.kind == Tok::Punct(c))
    }

    fn eat_punct(&mut self, c: u8) -> bool {
        let hit = self.is_punct(c);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn expect_punct(&mut self, c: u8) -> Res<()> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("'{}'", c as char)))
        }
    }

    fn is_op(&self, op: &str) -> bool {
        self.tok(0)
            .is_some_and(|t| t.kind == Tok::Op && self.text(t) == op)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        let hit = self.is_op(op);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    fn expect_end(&self) -> Res<()> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.unexpected("the end of the statement"))
        }
    }

    fn unexpected(&self, wanted: &str) -> String {
        match self.tok(0) {
            Some(t) => format!(
                "not recognised with confidence: expected {wanted} at `{}`",
                self.text(t)
            ),
            None => format!("not recognised with confidence: expected {wanted} at the end"),
        }
    }

    fn ident(&mut self) -> Res<String> {
        let t = self
            .tok(0)
            .cloned()
            .ok_or_else(|| self.unexpected("a name"))?;
        let name = match &t.kind {
            Tok::Word => self.text(&t).to_ascii_lowercase(),
            Tok::QuotedIdent(v) => v.clone(),
            _ => return Err(self.unexpected("a name")),
        };
        self.pos += 1;
        Ok(truncate_ident(name))
    }

    /// `name` or `schema.name`.
    fn qname(&mut self) -> Res<(Option<String>, String)> {
        let first = self.ident()?;
        if self.eat_punct(b'.') {
            let second = self.ident()?;
            if self.is_punct(b'.') {
                return Err("three-part names are not supported".into());
            }
            return Ok((Some(first), second));
        }
        Ok((None, first))
    }

    /// A schema-qualified object, unqualified names resolved to the default schema.
    fn object(&mut self) -> Res<(String, String)> {
        let (schema, name) = self.qname()?;
        Ok((
            schema.unwrap_or_else(|| self.default_schema.to_string()),
            name,
        ))
    }

    fn string(&mut self) -> Res<String> {
        match self.tok(0).map(|t| t.kind.clone()) {
            Some(Tok::Str(v)) => {
                self.pos += 1;
                Ok(v)
            }
            _ => Err(self.unexpected("a string")),
        }
    }

    fn number(&mut self) -> Res<u64> {
        let t = self
            .tok(0)
            .cloned()
            .ok_or_else(|| self.unexpected("a number"))?;
        let n = (t.kind == Tok::Number)
            .then(|| self.text(&t).parse::<u64>().ok())
            .flatten();
        let n = n.ok_or_else(|| self.unexpected("a number"))?;
        self.pos += 1;
        Ok(n)
    }

    /// `( item, ... )`
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Res<T>) -> Res<Vec<T>> {
        self.expect_punct(b'(')?;
        let mut out = Vec::new();
        if self.eat_punct(b')') {
            return Ok(out);
        }
        loop {
            out.push(item(self)?);
            if self.eat_punct(b')') {
                return Ok(out);
            }
            self.expect_punct(b',')?;
        }
    }

    fn name_list(&mut self) -> Res<Vec<String>> {
        self.list(|p| p.ident())
    }

    /// Skips a balanced `( ... )` or `[ ... ]` group starting at the current token.
    fn skip_group(&mut self) -> Res<()> {
        let mut depth = 0usize;
        while let Some(t) = self.tok(0) {
            match t.kind {
                Tok::Punct(b'(' | b'[') => depth += 1,
                Tok::Punct(b')' | b']') => depth = depth.saturating_sub(1),
                _ if depth == 0 => return Err(self.unexpected("'('")),
                _ => {}
            }
            self.pos += 1;
            if depth == 0 {
                return Ok(());
            }
        }
        Err(self.unexpected("')'"))
    }

    /// Skips an expression up to a top-level `,` / `)` / end or a stop word (never the first
    /// token); returns its source text.
    fn expr(&mut self, stops: &[&str]) -> Res<String> {
        let from = self.pos;
        while let Some(t) = self.tok(0) {
            let at_stop = match t.kind {
                Tok::Punct(b',' | b')' | b']') => true,
                Tok::Word => {
                    self.pos > from && stops.contains(&self.text(t).to_ascii_lowercase().as_str())
                }
                _ => false,
            };
            if at_stop {
                break;
            }
            if matches!(t.kind, Tok::Punct(b'(' | b'[')) {
                self.skip_group()?;
            } else {
                self.pos += 1;
            }
        }
        if self.pos == from {
            return Err(self.unexpected("an expression"));
        }
        Ok(self.src[self.toks[from].start..self.toks[self.pos - 1].end].to_string())
    }

    fn skip_rest(&mut self) {
        self.pos = self.toks.len();
    }

    fn push(&mut self, e: Expectation) {
        self.steps.push(Step::Expect(e));
    }

    // --- statements

    fn statement(&mut self) -> Res<()> {
        let first = self.word_at(0).unwrap_or_default();
        let unverifiable = |why: &str| Err(why.to_string());
        match first.as_str() {
            "create" => {
                self.pos += 1;
                self.create()
            }
            "alter" => {
                self.pos += 1;
                self.alter()
            }
            "drop" => {
                self.pos += 1;
                self.drop()
            }
            "comment" => {
                self.pos += 1;
                self.comment()
            }
            "insert" | "update" | "delete" | "copy" | "merge" | "truncate" => {
                unverifiable("changes rows; data is not compared with the catalog")
            }
            "select" | "with" | "values" | "table" => {
                unverifiable("a query: its effect (if any) is not visible in the catalog")
            }
            "do" | "call" => {
                unverifiable("procedural code: what it did cannot be read from the script")
            }
            "set" | "reset" => unverifiable("a session setting: leaves nothing in the catalog"),
            "grant" | "revoke" => unverifiable("privileges are not compared"),
            "begin" | "start" | "commit" | "end" | "rollback" | "abort" | "savepoint"
            | "release" | "prepare" => {
                unverifiable("transaction control: leaves nothing in the catalog")
            }
            "" => Err(self.unexpected("a statement")),
            other => Err(format!(
                "`{}` statements are not modelled",
                other.to_ascii_uppercase()
            )),
        }
    }

    fn create(&mut self) -> Res<()> {
        self.eat_kws(&["or", "replace"]);
        if self.is_kw("temp") || self.is_kw("temporary") {
            return Err("temporary objects live in a session schema and vanish with it".into());
        }
        self.eat_kw("unlogged");
        let unique = self.eat_kw("unique");
        let head = self.word_at(0).unwrap_or_default();
        match head.as_str() {
            "index" => {
                self.pos += 1;
                self.create_index(unique)
            }
            _ if unique => Err(self.unexpected("INDEX")),
            "table" => {
                self.pos += 1;
                self.create_table()
            }
            "view" | "recursive" => {
                self.eat_kw("recursive");
                self.expect_kw("view")?;
                self.create_relation(RelationKind::View)
            }
            "materialized" => {
                self.eat_kws(&["materialized", "view"]);
                self.eat_kws(&["if", "not", "exists"]);
                self.create_relation(RelationKind::MaterializedView)
            }
            "sequence" => {
                self.pos += 1;
                self.eat_kws(&["if", "not", "exists"]);
                let (schema, name) = self.object()?;
                self.push(Expectation::SequenceExists {
                    schema: schema.clone(),
                    name: name.clone(),
                    exists: true,
                });
                // Options cannot create anything else, except OWNED BY.
                while !self.at_end() {
                    if self.eat_kws(&["owned", "by"]) {
                        let owner = self.owner()?;
                        self.push(Expectation::SequenceOwnedBy {
                            schema: schema.clone(),
                            name: name.clone(),
                            owner,
                        });
                    } else {
                        self.pos += 1;
                    }
                }
                Ok(())
            }
            "type" => {
                self.pos += 1;
                self.create_type()
            }
            "domain" => {
                self.pos += 1;
                let (schema, name) = self.object()?;
                self.skip_rest();
                self.push(Expectation::TypeExists {
                    schema,
                    name,
                    kind: Some(TypeKind::Domain),
                    exists: true,
                });
                Ok(())
            }
            "extension" => {
                self.pos += 1;
                self.eat_kws(&["if", "not", "exists"]);
                let name = self.ident()?;
                self.eat_kw("with");
                let mut schema = None;
                while !self.at_end() {
                    if self.eat_kw("schema") {
                        schema = Some(self.ident()?);
                    } else if self.eat_kw("version") {
                        self.pos += 1;
                    } else {
                        self.expect_kw("cascade")?;
                    }
                }
                self.push(Expectation::ExtensionExists {
                    name,
                    schema,
                    exists: true,
                });
                Ok(())
            }
            "schema" => {
                self.pos += 1;
                self.eat_kws(&["if", "not", "exists"]);
                if self.is_kw("authorization") {
                    return Err("CREATE SCHEMA AUTHORIZATION without a name: the schema is named after a role".into());
                }
                let name = self.ident()?;
                if self.eat_kw("authorization") {
                    self.ident()?;
                }
                self.expect_end().map_err(|_| {
                    "CREATE SCHEMA with embedded schema elements is not modelled".to_string()
                })?;
                self.push(Expectation::SchemaExists { name, exists: true });
                Ok(())
            }
            "function" | "procedure" => {
                self.pos += 1;
                let (schema, name) = self.object()?;
                let arg_types = self.routine_args()?;
                // The body and attributes are not compared: CREATE OR REPLACE may change them in place.
                self.skip_rest();
                self.push(Expectation::FunctionExists {
                    schema,
                    name,
                    arg_types,
                    exists: true,
                });
                Ok(())
            }
            "trigger" | "constraint" => {
                self.eat_kw("constraint");
                self.expect_kw("trigger")?;
                let name = self.ident()?;
                while !self.at_end() && !self.is_kw("on") {
                    self.pos += 1;
                }
                self.expect_kw("on")?;
                let (schema, table) = self.object()?;
                self.skip_rest();
                self.push(Expectation::TriggerExists {
                    schema,
                    table,
                    name,
                    exists: true,
                });
                Ok(())
            }
            _ => Err(format!(
                "`CREATE {}` is not modelled",
                head.to_ascii_uppercase()
            )),
        }
    }

    /// CREATE VIEW / MATERIALIZED VIEW name ...: the query is not compared.
    fn create_relation(&mut self, kind: RelationKind) -> Res<()> {
        let (schema, name) = self.object()?;
        self.skip_rest();
        self.push(Expectation::relation(kind, schema, name, true));
        Ok(())
    }

    fn owner(&mut self) -> Res<Option<(String, String)>> {
        if self.eat_kw("none") {
            return Ok(None);
        }
        let first = self.ident()?;
        self.expect_punct(b'.')?;
        let second = self.ident()?;
        if self.eat_punct(b'.') {
            // schema.table.column: the sequence must live in the same schema anyway.
            let third = self.ident()?;
            return Ok(Some((second, third)));
        }
        Ok(Some((first, second)))
    }

    fn create_table(&mut self) -> Res<()> {
        self.eat_kws(&["if", "not", "exists"]);
        let (schema, table) = self.object()?;
        self.push(Expectation::TableExists {
            schema: schema.clone(),
            name: table.clone(),
            exists: true,
        });
        if self.is_kw("partition") || self.is_kw("of") {
            return Err("partitions and typed tables take their columns from elsewhere".into());
        }
        if self.eat_kw("as") {
            // CREATE TABLE ... AS query: the columns come from the query.
            self.skip_rest();
            return Ok(());
        }
        let mut columns = Vec::new();
        let mut constraints = Vec::new();
        self.expect_punct(b'(')?;
        if !self.eat_punct(b')') {
            loop {
                if self.eat_kw("like") {
                    return Err(
                        "CREATE TABLE ... (LIKE ...) copies columns that the script does not list"
                            .into(),
                    );
                }
                if self.at_constraint() {
                    constraints.push(self.table_constraint()?);
                } else {
                    let col = self.column_def()?;
                    constraints.extend(col.constraints.iter().cloned());
                    columns.push(col);
                }
                if self.eat_punct(b')') {
                    break;
                }
                self.expect_punct(b',')?;
            }
        }
        // Storage and partitioning clauses leave columns and constraints as declared.
        while !self.at_end() {
            if self.eat_kw("inherits") {
                return Err("inherited tables get columns that the script does not list".into());
            } else if self.eat_kws(&["partition", "by"]) || self.eat_kw("with") {
                self.eat_any(&["range", "list", "hash"]);
                self.skip_group()?;
            } else if self.eat_kw("tablespace") || self.eat_kw("using") {
                self.ident()?;
            } else if !self.eat_kws(&["without", "oids"]) {
                return Err(self.unexpected("the end of CREATE TABLE"));
            }
        }
        let pk: Vec<String> = constraints
            .iter()
            .filter(|c| c.kind == ConstraintKind::PrimaryKey)
            .flat_map(|c| c.columns.clone().unwrap_or_default())
            .collect();
        for col in columns {
            let in_pk = pk.contains(&col.name);
            self.push(col.expectation(&schema, &table, in_pk));
        }
        for c in constraints {
            self.push_constraint(&schema, &table, c);
        }
        Ok(())
    }

    fn at_constraint(&self) -> bool {
        [
            "constraint",
            "primary",
            "unique",
            "foreign",
            "check",
            "exclude",
        ]
        .iter()
        .any(|k| self.is_kw(k))
    }

    fn column_def(&mut self) -> Res<ColumnDef> {
        let name = self.ident()?;
        let ty = self.data_type()?;
        let mut col = ColumnDef {
            name,
            ty,
            ..ColumnDef::default()
        };
        loop {
            let constraint_name = if self.eat_kw("constraint") {
                Some(self.ident()?)
            } else {
                None
            };
            if self.eat_kws(&["not", "null"]) {
                col.not_null = Some(true);
            } else if self.eat_kw("null") {
                col.not_null = Some(false);
            } else if self.eat_kw("default") {
                col.default = Some(self.expr(COLUMN_OPTION_WORDS)?);
            } else if self.eat_kw("generated") {
                if !self.eat_kw("always") {
                    self.expect_kw("by")?;
                    self.expect_kw("default")?;
                }
                self.expect_kw("as")?;
                if self.is_punct(b'(') {
                    // A generated column: its expression is stored like a default.
                    self.skip_group()?;
                    self.eat_any(&["stored", "virtual"]);
                    col.generated = true;
                } else {
                    self.expect_kw("identity")?;
                    if self.is_punct(b'(') {
                        self.skip_group()?;
                    }
                    col.identity = true;
                }
            } else if self.eat_kw("collate") {
                self.qname()?;
            } else if self.is_kw("primary")
                || self.is_kw("unique")
                || self.is_kw("check")
                || self.is_kw("references")
            {
                let c = self.constraint_body(constraint_name, Some(&col.name))?;
                col.constraints.push(c);
            } else if constraint_name.is_some() {
                return Err(self.unexpected("a constraint"));
            } else if !self.constraint_attribute() {
                return Ok(col);
            }
        }
    }

    /// DEFERRABLE / NOT VALID / ...: no effect on what is compared.
    fn constraint_attribute(&mut self) -> bool {
        self.eat_kw("deferrable")
            || self.eat_kws(&["not", "deferrable"])
            || self.eat_kws(&["initially", "deferred"])
            || self.eat_kws(&["initially", "immediate"])
            || self.eat_kws(&["not", "valid"])
            || self.eat_kws(&["no", "inherit"])
            || self.eat_kws(&["not", "enforced"])
            || self.eat_kw("enforced")
    }

    fn table_constraint(&mut self) -> Res<ConstraintDef> {
        let name = if self.eat_kw("constraint") {
            Some(self.ident()?)
        } else {
            None
        };
        let c = self.constraint_body(name, None)?;
        while self.constraint_attribute() {}
        Ok(c)
    }

    /// The constraint after its optional name; `column` for a column constraint.
    fn constraint_body(
        &mut self,
        name: Option<String>,
        column: Option<&str>,
    ) -> Res<ConstraintDef> {
        let cols = |p: &mut Self| -> Res<Option<Vec<String>>> {
            match column {
                Some(c) => Ok(Some(vec![c.to_string()])),
                None => p.name_list().map(Some),
            }
        };
        let (kind, columns, foreign_key) = if self.eat_kws(&["primary", "key"]) {
            (ConstraintKind::PrimaryKey, cols(self)?, None)
        } else if self.eat_kw("unique") {
            if self.eat_kw("nulls") {
                self.eat_kw("not");
                self.expect_kw("distinct")?;
            }
            (ConstraintKind::Unique, cols(self)?, None)
        } else if self.eat_kw("check") {
            self.skip_group()?;
            self.eat_kws(&["no", "inherit"]);
            (ConstraintKind::Check, None, None)
        } else if self.eat_kw("exclude") {
            if self.eat_kw("using") {
                self.ident()?;
            }
            self.skip_group()?;
            (ConstraintKind::Exclusion, None, None)
        } else if column.is_some() && self.is_kw("references") || self.eat_kws(&["foreign", "key"])
        {
            let columns = cols(self)?;
            (
                ConstraintKind::ForeignKey,
                columns,
                Some(self.references()?),
            )
        } else {
            return Err(self.unexpected("a constraint"));
        };
        if matches!(
            kind,
            ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion
        ) {
            // Index parameters: INCLUDE (...), WITH (...), USING INDEX TABLESPACE x, WHERE (...).
            loop {
                if self.eat_kw("include") || self.eat_kw("with") {
                    self.skip_group()?;
                } else if self.eat_kws(&["using", "index", "tablespace"]) {
                    self.ident()?;
                } else if kind == ConstraintKind::Exclusion && self.eat_kw("where") {
                    self.skip_group()?;
                } else {
                    break;
                }
            }
        }
        Ok(ConstraintDef {
            name,
            kind,
            columns,
            foreign_key,
        })
    }

    fn references(&mut self) -> Res<ForeignKeySpec> {
        self.expect_kw("references")?;
        let (ref_schema, ref_table) = self.object()?;
        let ref_columns = if self.is_punct(b'(') {
            Some(self.name_list()?)
        } else {
            None
        };
        let (mut on_delete, mut on_update) = (RefAction::NoAction, RefAction::NoAction);
        loop {
            if self.eat_kw("match") {
                self.ident()?;
            } else if self.eat_kws(&["on", "delete"]) {
                on_delete = self.ref_action()?;
            } else if self.eat_kws(&["on", "update"]) {
                on_update = self.ref_action()?;
            } else {
                break;
            }
        }
        Ok(ForeignKeySpec {
            ref_schema,
            ref_table,
            ref_columns,
            on_delete,
            on_update,
        })
    }

    fn ref_action(&mut self) -> Res<RefAction> {
        let action = if self.eat_kws(&["no", "action"]) {
            RefAction::NoAction
        } else if self.eat_kw("restrict") {
            RefAction::Restrict
        } else if self.eat_kw("cascade") {
            RefAction::Cascade
        } else if self.eat_kws(&["set", "null"]) {
            RefAction::SetNull
        } else if self.eat_kws(&["set", "default"]) {
            RefAction::SetDefault
        } else {
            return Err(self.unexpected("a referential action"));
        };
        if matches!(action, RefAction::SetNull | RefAction::SetDefault) && self.is_punct(b'(') {
            self.skip_group()?;
        }
        Ok(action)
    }

    fn push_constraint(&mut self, schema: &str, table: &str, c: ConstraintDef) {
        let index = match (&c.name, c.kind) {
            // PostgreSQL backs these with a unique btree index of the same name.
            (Some(name), ConstraintKind::PrimaryKey | ConstraintKind::Unique) => {
                Some(Expectation::IndexExists {
                    schema: schema.to_string(),
                    name: name.clone(),
                    table: Some(table.to_string()),
                    unique: Some(true),
                    columns: c.columns.clone(),
                    method: Some("btree".into()),
                    descending: c.columns.as_ref().map(|cols| vec![false; cols.len()]),
                    exists: true,
                    replaces: false,
                })
            }
            _ => None,
        };
        self.push(Expectation::ConstraintExists {
            schema: schema.to_string(),
            table: table.to_string(),
            name: c.name,
            kind: Some(c.kind),
            columns: c.columns,
            foreign_key: c.foreign_key,
            exists: true,
            replaces: false,
        });
        if let Some(index) = index {
            self.push(index);
        }
    }

    fn create_index(&mut self, unique: bool) -> Res<()> {
        self.eat_kw("concurrently");
        self.eat_kws(&["if", "not", "exists"]);
        if self.is_kw("on") {
            return Err("an unnamed index: PostgreSQL chooses its name".into());
        }
        let name = self.ident()?;
        self.expect_kw("on")?;
        self.eat_kw("only");
        let (schema, table) = self.object()?;
        let method = if self.eat_kw("using") {
            self.ident()?
        } else {
            "btree".to_string()
        };
        let keys = self.list(|p| p.index_key())?;
        while !self.at_end() {
            if self.eat_kw("include") || self.eat_kw("with") {
                self.skip_group()?;
            } else if self.eat_kw("nulls") {
                self.eat_kw("not");
                self.expect_kw("distinct")?;
            } else if self.eat_kw("tablespace") {
                self.ident()?;
            } else if self.eat_kw("where") {
                // A partial index: the predicate is not compared.
                self.skip_rest();
            } else {
                return Err(self.unexpected("the end of CREATE INDEX"));
            }
        }
        let columns: Option<Vec<String>> = keys.iter().map(|k| k.0.clone()).collect();
        self.push(Expectation::IndexExists {
            schema,
            name,
            table: Some(table),
            unique: Some(unique),
            columns,
            method: Some(method),
            descending: Some(keys.iter().map(|k| k.1).collect()),
            exists: true,
            replaces: false,
        });
        Ok(())
    }

    /// One index key: (column, or None for an expression; descending).
    fn index_key(&mut self) -> Res<(Option<String>, bool)> {
        let column = if self.is_punct(b'(') {
            self.skip_group()?;
            None
        } else if self.tok(1).is_some_and(|t| t.kind == Tok::Punct(b'(')) {
            // A function call.
            self.qname()?;
            self.skip_group()?;
            None
        } else {
            Some(self.ident()?)
        };
        if self.eat_kw("collate") {
            self.qname()?;
        }
        // An operator class, possibly with parameters.
        if self
            .tok(0)
            .is_some_and(|t| matches!(t.kind, Tok::Word | Tok::QuotedIdent(_)))
            && !["asc", "desc", "nulls"].iter().any(|k| self.is_kw(k))
        {
            self.qname()?;
            if self.is_punct(b'(') {
                self.skip_group()?;
            }
        }
        let descending = self.eat_kw("desc");
        if !descending {
            self.eat_kw("asc");
        }
        if self.eat_kw("nulls") && !self.eat_kw("first") {
            self.expect_kw("last")?;
        }
        Ok((column, descending))
    }

    fn create_type(&mut self) -> Res<()> {
        let (schema, name) = self.object()?;
        if !self.eat_kw("as") {
            return Err("base and shell types are not modelled".into());
        }
        let kind = if self.eat_kw("enum") {
            let labels = self.list(|p| p.string())?;
            self.expect_end()?;
            self.push(Expectation::TypeExists {
                schema: schema.clone(),
                name: name.clone(),
                kind: Some(TypeKind::Enum),
                exists: true,
            });
            for value in &labels {
                self.push(Expectation::EnumValueExists {
                    schema: schema.clone(),
                    type_name: name.clone(),
                    value: value.clone(),
                    exists: true,
                });
            }
            self.push(Expectation::EnumValuesExactly {
                schema: schema.clone(),
                type_name: name.clone(),
                values: labels,
            });
            return Ok(());
        } else if self.eat_kw("range") {
            TypeKind::Range
        } else {
            TypeKind::Composite
        };
        self.skip_group()?;
        self.expect_end()?;
        self.push(Expectation::TypeExists {
            schema,
            name,
            kind: Some(kind),
            exists: true,
        });
        Ok(())
    }

    /// `( [mode] [name] type [DEFAULT expr], ... )` -> the identity argument types.
    fn routine_args(&mut self) -> Res<Option<Vec<String>>> {
        let args = self.list(|p| {
            let mode = ["in", "out", "inout", "variadic"]
                .into_iter()
                .find(|m| p.eat_kw(m));
            // `name type` or just `type`: try the type first, as PostgreSQL's grammar does.
            let start = p.pos;
            let ends = |p: &Self| {
                p.is_punct(b',') || p.is_punct(b')') || p.is_kw("default") || p.is_op("=")
            };
            let ty = match p.data_type() {
                Ok(t) if ends(p) => t,
                _ => {
                    p.pos = start;
                    p.ident()?;
                    p.data_type()?
                }
            };
            if p.eat_kw("default") || p.eat_op("=") {
                p.expr(&[])?;
            }
            Ok((mode == Some("out"), ty.canonical))
        })?;
        // OUT arguments are not part of a routine's identity.
        Ok(args
            .into_iter()
            .filter(|(out, _)| !out)
            .map(|(_, t)| t)
            .collect())
    }

    fn alter(&mut self) -> Res<()> {
        let head = self.word_at(0).unwrap_or_default();
        self.pos += 1;
        match head.as_str() {
            "table" => self.alter_table(),
            "index" => {
                self.eat_kws(&["if", "exists"]);
                let (schema, from) = self.object()?;
                if !self.eat_kws(&["rename", "to"]) {
                    return Err("only ALTER INDEX ... RENAME TO is modelled".into());
                }
                let to = self.ident()?;
                self.expect_end()?;
                self.steps.push(Step::Rename(Rename::Index {
                    schema: schema.clone(),
                    from: from.clone(),
                    to: to.clone(),
                }));
                for (name, exists) in [(to, true), (from, false)] {
                    self.push(index_presence(&schema, name, exists));
                }
                Ok(())
            }
            "view" => self.alter_relation(RelationKind::View),
            "materialized" => {
                self.expect_kw("view")?;
                self.alter_relation(RelationKind::MaterializedView)
            }
            "sequence" => self.alter_relation(RelationKind::Sequence),
            "type" => self.alter_type(),
            other => Err(format!(
                "`ALTER {}` is not modelled",
                other.to_ascii_uppercase()
            )),
        }
    }

    /// ALTER VIEW / MATERIALIZED VIEW / SEQUENCE: RENAME TO (and OWNED BY for sequences).
    fn alter_relation(&mut self, kind: RelationKind) -> Res<()> {
        self.eat_kws(&["if", "exists"]);
        let (schema, from) = self.object()?;
        if kind == RelationKind::Sequence && self.eat_kws(&["owned", "by"]) {
            let owner = self.owner()?;
            self.expect_end()?;
            self.push(Expectation::SequenceOwnedBy {
                schema,
                name: from,
                owner,
            });
            return Ok(());
        }
        if !self.eat_kws(&["rename", "to"]) {
            return Err("only RENAME TO (and ALTER SEQUENCE ... OWNED BY) is modelled here".into());
        }
        let to = self.ident()?;
        self.expect_end()?;
        self.rename_relation(kind, schema, from, to);
        Ok(())
    }

    fn rename_relation(&mut self, kind: RelationKind, schema: String, from: String, to: String) {
        self.steps.push(Step::Rename(Rename::Relation {
            kind,
            schema: schema.clone(),
            from: from.clone(),
            to: to.clone(),
        }));
        self.push(Expectation::relation(kind, schema.clone(), to, true));
        self.push(Expectation::relation(kind, schema, from, false));
    }

    fn alter_type(&mut self) -> Res<()> {
        let (schema, name) = self.object()?;
        if self.eat_kws(&["add", "value"]) {
            self.eat_kws(&["if", "not", "exists"]);
            let value = self.string()?;
            if self.eat_kw("before") || self.eat_kw("after") {
                // The position is not compared.
                self.string()?;
            }
            self.expect_end()?;
            self.push(Expectation::EnumValueExists {
                schema,
                type_name: name,
                value,
                exists: true,
            });
        } else if self.eat_kws(&["rename", "value"]) {
            let from = self.string()?;
            self.expect_kw("to")?;
            let to = self.string()?;
            self.expect_end()?;
            self.steps.push(Step::Rename(Rename::EnumValue {
                schema: schema.clone(),
                type_name: name.clone(),
                from: from.clone(),
                to: to.clone(),
            }));
            for (value, exists) in [(to, true), (from, false)] {
                self.push(Expectation::EnumValueExists {
                    schema: schema.clone(),
                    type_name: name.clone(),
                    value,
                    exists,
                });
            }
        } else if self.eat_kws(&["rename", "to"]) {
            let to = self.ident()?;
            self.expect_end()?;
            self.steps.push(Step::Rename(Rename::Type {
                schema: schema.clone(),
                from: name.clone(),
                to: to.clone(),
                in_default_schema: schema == self.default_schema,
            }));
            for (n, exists) in [(to, true), (name, false)] {
                self.push(Expectation::TypeExists {
                    schema: schema.clone(),
                    name: n,
                    kind: None,
                    exists,
                });
            }
        } else {
            return Err(
                "only ALTER TYPE ... ADD VALUE / RENAME VALUE / RENAME TO are modelled".into(),
            );
        }
        Ok(())
    }

    fn alter_table(&mut self) -> Res<()> {
        self.eat_kws(&["if", "exists"]);
        self.eat_kw("only");
        let (schema, table) = self.object()?;
        self.eat_op("*");
        if self.eat_kw("rename") {
            if self.eat_kw("to") {
                let to = self.ident()?;
                self.expect_end()?;
                self.rename_relation(RelationKind::Table, schema, table, to);
                return Ok(());
            }
            let constraint = self.eat_kw("constraint");
            if !constraint {
                self.eat_kw("column");
            }
            let from = self.ident()?;
            self.expect_kw("to")?;
            let to = self.ident()?;
            self.expect_end()?;
            let (s, t) = (schema.clone(), table.clone());
            if constraint {
                self.steps.push(Step::Rename(Rename::Constraint {
                    schema: s,
                    table: t,
                    from: from.clone(),
                    to: to.clone(),
                }));
                for (name, exists) in [(to, true), (from, false)] {
                    self.push(constraint_presence(&schema, &table, name, exists));
                }
            } else {
                self.steps.push(Step::Rename(Rename::Column {
                    schema: s,
                    table: t,
                    from: from.clone(),
                    to: to.clone(),
                }));
                for (column, exists) in [(to, true), (from, false)] {
                    self.push(column_presence(&schema, &table, column, exists));
                }
            }
            return Ok(());
        }
        loop {
            self.alter_table_action(&schema, &table)?;
            if !self.eat_punct(b',') {
                return self.expect_end();
            }
        }
    }

    fn alter_table_action(&mut self, schema: &str, table: &str) -> Res<()> {
        if self.eat_kw("add") {
            if self.at_constraint() {
                let c = self.table_constraint()?;
                self.push_constraint(schema, table, c);
                return Ok(());
            }
            self.eat_kw("column");
            self.eat_kws(&["if", "not", "exists"]);
            let col = self.column_def()?;
            let constraints = col.constraints.clone();
            let in_pk = constraints
                .iter()
                .any(|c| c.kind == ConstraintKind::PrimaryKey);
            self.push(col.expectation(schema, table, in_pk));
            for c in constraints {
                self.push_constraint(schema, table, c);
            }
        } else if self.eat_kw("drop") {
            let constraint = self.eat_kw("constraint");
            if !constraint {
                self.eat_kw("column");
            }
            self.eat_kws(&["if", "exists"]);
            let name = self.ident()?;
            self.eat_any(&["cascade", "restrict"]);
            self.push(if constraint {
                constraint_presence(schema, table, name, false)
            } else {
                column_presence(schema, table, name, false)
            });
        } else if self.eat_kw("alter") {
            self.eat_kw("column");
            let column = self.ident()?;
            let (schema, table, column) = (schema.to_string(), table.to_string(), column.clone());
            if self.eat_kws(&["set", "data", "type"]) || self.eat_kw("type") {
                let ty = self.data_type()?;
                if self.eat_kw("collate") {
                    self.qname()?;
                }
                if self.eat_kw("using") {
                    self.expr(&[])?;
                }
                let data_type = ty
                    .canonical
                    .ok_or_else(|| "a column type that could not be normalised".to_string())?;
                self.push(Expectation::ColumnType {
                    schema,
                    table,
                    column,
                    data_type,
                });
            } else if self.eat_kws(&["set", "default"]) {
                let default = DefaultExpectation::Expr(self.expr(&[])?);
                self.push(Expectation::ColumnDefault {
                    schema,
                    table,
                    column,
                    default,
                });
            } else if self.eat_kws(&["drop", "default"]) {
                self.push(Expectation::ColumnDefault {
                    schema,
                    table,
                    column,
                    default: DefaultExpectation::Absent,
                });
            } else if self.eat_kws(&["set", "not", "null"]) {
                self.push(Expectation::ColumnNotNull {
                    schema,
                    table,
                    column,
                    not_null: true,
                });
            } else if self.eat_kws(&["drop", "not", "null"]) {
                self.push(Expectation::ColumnNotNull {
                    schema,
                    table,
                    column,
                    not_null: false,
                });
            } else {
                return Err(self.unexpected("TYPE, SET/DROP DEFAULT or SET/DROP NOT NULL"));
            }
        } else {
            return Err(
                self.unexpected("ADD, DROP or ALTER (other ALTER TABLE actions are not modelled)")
            );
        }
        Ok(())
    }

    fn drop(&mut self) -> Res<()> {
        let head = self.word_at(0).unwrap_or_default();
        self.pos += 1;
        if head == "materialized" {
            self.expect_kw("view")?;
        }
        if head == "index" {
            self.eat_kw("concurrently");
        }
        self.eat_kws(&["if", "exists"]);
        if head == "trigger" {
            let name = self.ident()?;
            self.expect_kw("on")?;
            let (schema, table) = self.object()?;
            self.eat_any(&["cascade", "restrict"]);
            self.expect_end()?;
            self.push(Expectation::TriggerExists {
                schema,
                table,
                name,
                exists: false,
            });
            return Ok(());
        }
        loop {
            let e = match head.as_str() {
                "schema" => Expectation::SchemaExists {
                    name: self.ident()?,
                    exists: false,
                },
                "extension" => Expectation::ExtensionExists {
                    name: self.ident()?,
                    schema: None,
                    exists: false,
                },
                "table" | "view" | "materialized" | "sequence" => {
                    let kind = match head.as_str() {
                        "table" => RelationKind::Table,
                        "view" => RelationKind::View,
                        "materialized" => RelationKind::MaterializedView,
                        _ => RelationKind::Sequence,
                    };
                    let (schema, name) = self.object()?;
                    Expectation::relation(kind, schema, name, false)
                }
                "index" => {
                    let (schema, name) = self.object()?;
                    index_presence(&schema, name, false)
                }
                "type" | "domain" => {
                    let (schema, name) = self.object()?;
                    Expectation::TypeExists {
                        schema,
                        name,
                        kind: None,
                        exists: false,
                    }
                }
                "function" | "procedure" | "routine" => {
                    let (schema, name) = self.object()?;
                    let arg_types = if self.is_punct(b'(') {
                        self.routine_args()?
                    } else {
                        None
                    };
                    Expectation::FunctionExists {
                        schema,
                        name,
                        arg_types,
                        exists: false,
                    }
                }
                other => {
                    return Err(format!(
                        "`DROP {}` is not modelled",
                        other.to_ascii_uppercase()
                    ))
                }
            };
            self.push(e);
            if !self.eat_punct(b',') {
                break;
            }
        }
        self.eat_any(&["cascade", "restrict"]);
        self.expect_end()
    }

    fn comment(&mut self) -> Res<()> {
        self.expect_kw("on")?;
        let (schema, relation, column) = if self.eat_kw("column") {
            let first = self.ident()?;
            self.expect_punct(b'.')?;
            let second = self.ident()?;
            if self.eat_punct(b'.') {
                (first, second, Some(self.ident()?))
            } else {
                (self.default_schema.to_string(), first, Some(second))
            }
        } else if ["table", "view", "sequence", "index"]
            .iter()
            .any(|k| self.eat_kw(k))
            || self.eat_kws(&["materialized", "view"])
            || self.eat_kws(&["foreign", "table"])
        {
            let (schema, name) = self.object()?;
            (schema, name, None)
        } else {
            return Err("only comments on relations and columns are modelled".into());
        };
        self.expect_kw("is")?;
        let comment = if self.eat_kw("null") {
            None
        } else {
            Some(self.string()?)
        };
        self.expect_end()?;
        // An empty comment removes it, like NULL.
        let comment = comment.filter(|c| !c.is_empty());
        self.push(Expectation::CommentEquals {
            schema,
            relation,
            column,
            comment,
        });
        Ok(())
    }

    // --- types

    /// Reads a type name and returns it in canonical form.
    fn data_type(&mut self) -> Res<TypeSpec> {
        let t = self
            .tok(0)
            .cloned()
            .ok_or_else(|| self.unexpected("a type"))?;
        let mut spec = TypeSpec::default();
        let word = self.word_at(0);
        let mut canonical: Option<String> = match word.as_deref() {
            Some("double") if self.word_at(1).as_deref() == Some("precision") => {
                self.pos += 2;
                Some("double precision".into())
            }
            Some("character" | "char" | "nchar" | "national") => {
                if self.eat_kw("national") {
                    if !self.eat_kw("character") {
                        self.expect_kw("char")?;
                    }
                } else {
                    self.pos += 1;
                }
                let varying = self.eat_kw("varying");
                let n = self.type_mods()?;
                Some(match (varying, n.as_slice()) {
                    (true, []) => "character varying".into(),
                    (true, [n]) => format!("character varying({n})"),
                    (false, []) => "character(1)".into(),
                    (false, [n]) => format!("character({n})"),
                    _ => return Err("bad character type modifiers".into()),
                })
            }
            Some(
                "varchar" | "bit" | "varbit" | "bpchar" | "float" | "numeric" | "decimal" | "dec"
                | "interval",
            ) => {
                self.pos += 1;
                let base = word.unwrap_or_default();
                let varying = base == "bit" && self.eat_kw("varying");
                if base == "interval"
                    && self
                        .word_at(0)
                        .is_some_and(|w| INTERVAL_FIELDS.contains(&w.as_str()))
                {
                    while self
                        .word_at(0)
                        .is_some_and(|w| INTERVAL_FIELDS.contains(&w.as_str()))
                    {
                        self.pos += 1;
                    }
                    self.type_mods()?;
                    None
                } else {
                    let mods = self.type_mods()?;
                    sized_builtin(&base, varying, &mods)
                }
            }
            Some("timestamp" | "time" | "timestamptz" | "timetz") => {
                self.pos += 1;
                let base = word.unwrap_or_default();
                let p = self.type_mods()?;
                let tz = base.ends_with("tz") || self.eat_kws(&["with", "time", "zone"]);
                if !tz {
                    self.eat_kws(&["without", "time", "zone"]);
                }
                let stem = base.trim_end_matches("tz");
                let zone = if tz {
                    "with time zone"
                } else {
                    "without time zone"
                };
                match p.as_slice() {
                    [] => Some(format!("{stem} {zone}")),
                    [p] => Some(format!("{stem}({p}) {zone}")),
                    _ => return Err("bad time type modifiers".into()),
                }
            }
            _ => {
                let quoted = matches!(t.kind, Tok::QuotedIdent(_));
                let (schema, name) = self.qname()?;
                let mods = self.user_mods()?;
                let builtin = match schema.as_deref() {
                    None | Some("pg_catalog") => builtin_name(&name, quoted, schema.is_some()),
                    Some(_) => None,
                };
                match builtin {
                    Some((canon, serial)) if mods.is_empty() => {
                        spec.serial = serial;
                        Some(canon)
                    }
                    Some(_) => None,
                    None => {
                        let base = match schema {
                            Some(s) => format!("{}.{}", quote(&s), quote(&name)),
                            None => quote(&name),
                        };
                        Some(if mods.is_empty() {
                            base
                        } else {
                            format!("{base}({})", mods.join(","))
                        })
                    }
                }
            }
        };
        // Array bounds are not enforced: any number of dimensions is one `[]` in the catalog.
        let mut array = false;
        loop {
            if self.is_punct(b'[') {
                self.skip_group()?;
                array = true;
            } else if self.eat_kw("array") {
                if self.is_punct(b'[') {
                    self.skip_group()?;
                }
                array = true;
            } else {
                break;
            }
        }
        if array {
            canonical = canonical.map(|c| format!("{c}[]"));
            if spec.serial {
                return Err("an array of SERIAL is not a valid type".into());
            }
        }
        spec.canonical = canonical;
        Ok(spec)
    }

    /// `(n)` or `(p, s)` of a built-in type.
    fn type_mods(&mut self) -> Res<Vec<u64>> {
        if !self.is_punct(b'(') {
            return Ok(Vec::new());
        }
        self.list(|p| p.number())
    }

    /// Modifiers of a user-defined type (`vector(1536)`, `geometry(Point, 4326)`), as written.
    fn user_mods(&mut self) -> Res<Vec<String>> {
        if !self.is_punct(b'(') {
            return Ok(Vec::new());
        }
        self.list(|p| {
            let t = p
                .tok(0)
                .cloned()
                .ok_or_else(|| p.unexpected("a type modifier"))?;
            if !matches!(
                t.kind,
                Tok::Word | Tok::Number | Tok::QuotedIdent(_) | Tok::Str(_)
            ) {
                return Err(p.unexpected("a type modifier"));
            }
            p.pos += 1;
            Ok(p.text(&t).to_string())
        })
    }
}

const INTERVAL_FIELDS: &[&str] = &["year", "month", "day", "hour", "minute", "second", "to"];

/// Words that end a column's type or default expression in a column definition.
const COLUMN_OPTION_WORDS: &[&str] = &[
    "constraint",
    "not",
    "null",
    "default",
    "check",
    "unique",
    "primary",
    "references",
    "generated",
    "collate",
    "deferrable",
    "initially",
];

fn sized_builtin(base: &str, varying: bool, mods: &[u64]) -> Option<String> {
    let name = match (base, varying) {
        ("varchar", _) => "character varying",
        ("bit", true) | ("varbit", _) => "bit varying",
        ("bpchar", _) => "character",
        (other, _) => other,
    };
    match (name, mods) {
        ("float", []) => Some("double precision".into()),
        ("float", [p]) => match p {
            1..=24 => Some("real".into()),
            25..=53 => Some("double precision".into()),
            _ => None,
        },
        ("decimal" | "dec" | "numeric", []) => Some("numeric".into()),
        ("decimal" | "dec" | "numeric", [p]) => Some(format!("numeric({p},0)")),
        ("decimal" | "dec" | "numeric", [p, s]) => Some(format!("numeric({p},{s})")),
        ("bit", []) => Some("bit(1)".into()),
        ("character", []) => Some("bpchar".into()),
        (n, []) => Some(n.into()),
        (n, [m]) => Some(format!("{n}({m})")),
        _ => None,
    }
}

/// A built-in type written as a plain name: (canonical, is serial).
fn builtin_name(name: &str, quoted: bool, qualified: bool) -> Option<(String, bool)> {
    let find = |table: &[(&str, &str)]| {
        table
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| c.to_string())
    };
    if let Some(c) = find(SERIAL_TYPES).filter(|_| !qualified) {
        return Some((c, true));
    }
    let keyword = find(KEYWORD_TYPES).filter(|_| !quoted && !qualified);
    keyword.or_else(|| find(CATALOG_TYPES)).map(|c| (c, false))
}

#[derive(Debug, Clone, Default)]
struct ColumnDef {
    name: String,
    ty: TypeSpec,
    not_null: Option<bool>,
    default: Option<String>,
    generated: bool,
    identity: bool,
    constraints: Vec<ConstraintDef>,
}

impl ColumnDef {
    fn expectation(&self, schema: &str, table: &str, in_pk: bool) -> Expectation {
        let not_null = self.not_null == Some(true) || self.ty.serial || self.identity || in_pk;
        let default = if self.generated {
            None
        } else if self.ty.serial {
            Some(DefaultExpectation::Nextval)
        } else {
            Some(
                self.default
                    .clone()
                    .map_or(DefaultExpectation::Absent, DefaultExpectation::Expr),
            )
        };
        Expectation::ColumnExists {
            schema: schema.to_string(),
            table: table.to_string(),
            column: self.name.clone(),
            exists: true,
            data_type: self.ty.canonical.clone(),
            not_null: Some(not_null),
            default,
            replaces: false,
        }
    }
}

#[derive(Debug, Clone)]
struct ConstraintDef {
    name: Option<String>,
    kind: ConstraintKind,
    columns: Option<Vec<String>>,
    foreign_key: Option<ForeignKeySpec>,
}

fn column_presence(schema: &str, table: &str, column: String, exists: bool) -> Expectation {
    Expectation::ColumnExists {
        schema: schema.to_string(),
        table: table.to_string(),
        column,
        exists,
        data_type: None,
        not_null: None,
        default: None,
        replaces: false,
    }
}

fn constraint_presence(schema: &str, table: &str, name: String, exists: bool) -> Expectation {
    Expectation::ConstraintExists {
        schema: schema.to_string(),
        table: table.to_string(),
        name: Some(name),
        kind: None,
        columns: None,
        foreign_key: None,
        exists,
        replaces: false,
    }
}

fn index_presence(schema: &str, name: String, exists: bool) -> Expectation {
    Expectation::IndexExists {
        schema: schema.to_string(),
        name,
        table: None,
        unique: None,
        columns: None,
        method: None,
        descending: None,
        exists,
        replaces: false,
    }
}

// ---------------------------------------------------------------------------------------------
// Display, for reports and test messages

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Expectation::*;
        let q = |s: &str, n: &str| format!("{}.{}", quote(s), quote(n));
        let list = |c: &[String]| c.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
        let presence = |exists: &bool| if *exists { "exists" } else { "is absent" };
        let replaced = |r: &bool| {
            if *r {
                " (replacing one of that name)"
            } else {
                ""
            }
        };
        match self {
            SchemaExists { name, exists } => {
                write!(f, "schema {} {}", quote(name), presence(exists))
            }
            ExtensionExists {
                name,
                schema,
                exists,
            } => {
                write!(f, "extension {} {}", quote(name), presence(exists))?;
                match schema {
                    Some(s) => write!(f, " in schema {}", quote(s)),
                    None => Ok(()),
                }
            }
            SequenceOwnedBy {
                schema,
                name,
                owner,
            } => match owner {
                Some((t, c)) => write!(
                    f,
                    "sequence {} is owned by {}.{}",
                    q(schema, name),
                    q(schema, t),
                    quote(c)
                ),
                None => write!(f, "sequence {} is owned by no column", q(schema, name)),
            },
            ColumnExists {
                schema,
                table,
                column,
                exists,
                data_type,
                not_null,
                default,
                replaces,
            } => {
                write!(
                    f,
                    "column {}.{} {}",
                    q(schema, table),
                    quote(column),
                    presence(exists)
                )?;
                if let Some(t) = data_type {
                    write!(f, ": {t}")?;
                }
                if let Some(n) = not_null {
                    write!(f, "{}", if *n { " NOT NULL" } else { " NULL" })?;
                }
                match default {
                    Some(d) => write!(f, " {d}{}", replaced(replaces)),
                    None => write!(f, "{}", replaced(replaces)),
                }
            }
            ColumnType {
                schema,
                table,
                column,
                data_type,
            } => {
                write!(
                    f,
                    "column {}.{} has type {data_type}",
                    q(schema, table),
                    quote(column)
                )
            }
            ColumnNotNull {
                schema,
                table,
                column,
                not_null,
            } => {
                let what = if *not_null { "NOT NULL" } else { "nullable" };
                write!(f, "column {}.{} is {what}", q(schema, table), quote(column))
            }
            ColumnDefault {
                schema,
                table,
                column,
                default,
            } => {
                write!(
                    f,
                    "column {}.{} has {default}",
                    q(schema, table),
                    quote(column)
                )
            }
            ConstraintExists {
                schema,
                table,
                name,
                kind,
                columns,
                foreign_key,
                exists,
                replaces,
            } => {
                if let Some(k) = kind {
                    write!(f, "{k:?} ")?;
                }
                match name {
                    Some(n) => write!(f, "constraint {} on {}", quote(n), q(schema, table))?,
                    None => write!(f, "unnamed constraint on {}", q(schema, table))?,
                }
                if let Some(c) = columns {
                    write!(f, " ({})", list(c))?;
                }
                if let Some(fk) = foreign_key {
                    write!(f, " -> {}", q(&fk.ref_schema, &fk.ref_table))?;
                    if let Some(c) = &fk.ref_columns {
                        write!(f, " ({})", list(c))?;
                    }
                    write!(
                        f,
                        " ON DELETE {:?} ON UPDATE {:?}",
                        fk.on_delete, fk.on_update
                    )?;
                }
                write!(f, " {}{}", presence(exists), replaced(replaces))
            }
            IndexExists {
                schema,
                name,
                table,
                unique,
                columns,
                method,
                descending,
                exists,
                replaces,
            } => {
                if *unique == Some(true) {
                    write!(f, "unique ")?;
                }
                if let Some(m) = method {
                    write!(f, "{m} ")?;
                }
                write!(f, "index {}", q(schema, name))?;
                if let Some(t) = table {
                    write!(f, " on {}", quote(t))?;
                }
                if let Some(c) = columns {
                    write!(f, " ({})", list(c))?;
                }
                if let Some(d) = descending.as_ref().filter(|d| d.contains(&true)) {
                    let order: Vec<&str> =
                        d.iter().map(|d| if *d { "DESC" } else { "ASC" }).collect();
                    write!(f, " [{}]", order.join(", "))?;
                }
                write!(f, " {}{}", presence(exists), replaced(replaces))
            }
            TypeExists {
                schema,
                name,
                kind,
                exists,
            } => {
                let kind = kind
                    .map(|k| format!("{k:?} "))
                    .unwrap_or_default()
                    .to_lowercase();
                write!(f, "{kind}type {} {}", q(schema, name), presence(exists))
            }
            EnumValuesExactly {
                schema,
                type_name,
                values,
            } => {
                let shown: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
                write!(
                    f,
                    "enum {} has exactly the values {}",
                    q(schema, type_name),
                    shown.join(", ")
                )
            }
            EnumValueExists {
                schema,
                type_name,
                value,
                exists,
            } => {
                write!(
                    f,
                    "enum {} value '{value}' {}",
                    q(schema, type_name),
                    presence(exists)
                )
            }
            FunctionExists {
                schema,
                name,
                arg_types,
                exists,
            } => {
                let args = arg_types
                    .as_ref()
                    .map(|a| a.join(", "))
                    .unwrap_or_else(|| "...".into());
                write!(
                    f,
                    "function {}({args}) {}",
                    q(schema, name),
                    presence(exists)
                )
            }
            TriggerExists {
                schema,
                table,
                name,
                exists,
            } => {
                write!(
                    f,
                    "trigger {} on {} {}",
                    quote(name),
                    q(schema, table),
                    presence(exists)
                )
            }
            CommentEquals {
                schema,
                relation,
                column,
                comment,
            } => {
                write!(f, "comment on {}", q(schema, relation))?;
                if let Some(c) = column {
                    write!(f, ".{}", quote(c))?;
                }
                match comment {
                    Some(c) => write!(f, " is '{c}'"),
                    None => write!(f, " is empty"),
                }
            }
            TableExists { .. }
            | ViewExists { .. }
            | MaterializedViewExists { .. }
            | SequenceExists { .. } => {
                let Some((kind, schema, name, exists)) = self.as_relation() else {
                    return Ok(());
                };
                let kind = match kind {
                    RelationKind::Table => "table",
                    RelationKind::View => "view",
                    RelationKind::MaterializedView => "materialized view",
                    RelationKind::Sequence => "sequence",
                };
                write!(f, "{kind} {} {}", q(schema, name), presence(&exists))
            }
        }
    }
}

impl fmt::Display for DefaultExpectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DefaultExpectation::Absent => write!(f, "no default"),
            DefaultExpectation::Expr(e) => write!(f, "DEFAULT {e}"),
            DefaultExpectation::Nextval => write!(f, "DEFAULT nextval(...)"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Default expressions

/// Date/time literals are re-printed by the server in its own format (`'1 hour'` becomes
/// `'01:00:00'`): they compare as this placeholder.
/// How `default_tokens` reduces a date/time literal: its text is not compared.
pub(crate) const OPAQUE: &str = "'<date/time literal>'";

fn is_datetime(type_name: &str) -> bool {
    ["interval", "timestamp", "time", "date"]
        .iter()
        .any(|t| type_name.starts_with(t))
}

/// A default expression reduced to comparable tokens, so that the script's spelling and
/// `pg_get_expr()`'s agree: casts (`'x'::text`) and typed-literal prefixes (`interval '1 day'`)
/// are dropped, grouping parentheses are dropped, numbers and strings become literals
/// (`'-1'::integer` = `-1`), keywords and unquoted names are lower-cased.
pub(crate) fn default_tokens(expr: &str) -> Vec<String> {
    let toks: Vec<Token> = lex(expr)
        .into_iter()
        .filter(|t| t.kind != Tok::Comment)
        .collect();
    let mut p = Parser {
        src: expr,
        toks,
        pos: 0,
        default_schema: "",
        steps: Vec::new(),
    };
    let mut out: Vec<String> = Vec::new();
    let mut call_parens: Vec<bool> = Vec::new();
    let mut prev_operand = false;
    while let Some(t) = p.tok(0).cloned() {
        p.pos += 1;
        let text = p.text(&t);
        let next_is_str = p.tok(0).is_some_and(|n| matches!(n.kind, Tok::Str(_)));
        match &t.kind {
            Tok::Op if text == "::" => {
                let at = p.pos;
                match p.data_type() {
                    Ok(t) if t.canonical.as_deref().is_some_and(is_datetime) => {
                        if out.last().is_some_and(|l| l.starts_with('\'')) {
                            out.pop();
                            out.push(OPAQUE.into());
                        }
                    }
                    Ok(_) => {}
                    Err(_) => p.pos = at,
                }
                continue;
            }
            Tok::Punct(b'(') => {
                call_parens.push(prev_operand);
                if prev_operand {
                    out.push("(".into());
                }
                prev_operand = false;
                continue;
            }
            Tok::Punct(b')') => {
                if call_parens.pop().unwrap_or(false) {
                    out.push(")".into());
                }
                prev_operand = true;
                continue;
            }
            Tok::Op
                if text == "-"
                    && !prev_operand
                    && p.tok(0).is_some_and(|n| n.kind == Tok::Number) =>
            {
                let n = p.tok(0).map(|n| p.text(n)).unwrap_or_default();
                p.pos += 1;
                out.push(format!("'-{n}'"));
            }
            // A typed literal (`interval '1 day'`): PostgreSQL prints it as a cast.
            Tok::Word if next_is_str && is_datetime(&text.to_ascii_lowercase()) => {
                p.pos += 1;
                out.push(OPAQUE.into());
            }
            Tok::Word
                if next_is_str
                    && builtin_name(&text.to_ascii_lowercase(), false, false).is_some() =>
            {
                continue;
            }
            Tok::Word if matches!(text.to_ascii_lowercase().as_str(), "true" | "false") => {
                out.push(format!("'{}'", text.to_ascii_lowercase()));
            }
            Tok::Word => out.push(text.to_ascii_lowercase()),
            Tok::QuotedIdent(v) => out.push(quote(v)),
            Tok::Str(v) | Tok::Dollar(v) => out.push(format!("'{v}'")),
            Tok::Number => out.push(format!("'{text}'")),
            _ => out.push(text.to_string()),
        }
        prev_operand = matches!(
            t.kind,
            Tok::Word | Tok::QuotedIdent(_) | Tok::Str(_) | Tok::Number | Tok::Dollar(_)
        ) || t.kind == Tok::Punct(b']');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::split::split_script;

    fn stmt(sql: &str) -> Statement {
        split_script(sql).statements.into_iter().next().unwrap()
    }

    fn exps(sql: &str) -> Vec<Expectation> {
        match expected_effects(&stmt(sql), "public") {
            StatementEffects::Verifiable(v) => v,
            StatementEffects::Unverifiable { reason } => panic!("unverifiable: {reason}\n{sql}"),
        }
    }

    fn shown(sql: &str) -> Vec<String> {
        exps(sql).iter().map(ToString::to_string).collect()
    }

    fn reason(sql: &str) -> String {
        match expected_effects(&stmt(sql), "public") {
            StatementEffects::Unverifiable { reason } => reason,
            StatementEffects::Verifiable(v) => panic!("verifiable: {v:?}\n{sql}"),
        }
    }

    fn column_type(decl: &str) -> Option<String> {
        match exps(&format!("ALTER TABLE t ADD COLUMN c {decl}")).first() {
            Some(Expectation::ColumnExists { data_type, .. }) => data_type.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn types_are_spelled_like_format_type() {
        let cases = [
            ("TEXT", "text"),
            ("INTEGER", "integer"),
            ("int", "integer"),
            ("int4", "integer"),
            ("\"int4\"", "integer"),
            ("pg_catalog.int8", "bigint"),
            ("SERIAL", "integer"),
            ("BIGSERIAL", "bigint"),
            ("smallserial", "smallint"),
            ("BOOLEAN", "boolean"),
            ("bool", "boolean"),
            ("TIMESTAMP(3)", "timestamp(3) without time zone"),
            ("timestamp", "timestamp without time zone"),
            ("TIMESTAMPTZ(6)", "timestamp(6) with time zone"),
            (
                "timestamp (3) with time zone",
                "timestamp(3) with time zone",
            ),
            (
                "TIMESTAMP(3) WITHOUT TIME ZONE",
                "timestamp(3) without time zone",
            ),
            ("timetz", "time with time zone"),
            ("TIME(6)", "time(6) without time zone"),
            ("DOUBLE PRECISION", "double precision"),
            ("float8", "double precision"),
            ("float", "double precision"),
            ("float(24)", "real"),
            ("REAL", "real"),
            ("DECIMAL(65,30)", "numeric(65,30)"),
            ("numeric(10)", "numeric(10,0)"),
            ("NUMERIC", "numeric"),
            ("VARCHAR(191)", "character varying(191)"),
            ("character varying", "character varying"),
            ("CHAR(8)", "character(8)"),
            ("character", "character(1)"),
            ("\"char\"", "\"char\""),
            ("bit varying(5)", "bit varying(5)"),
            ("JSONB", "jsonb"),
            ("BYTEA", "bytea"),
            ("UUID", "uuid"),
            ("INET", "inet"),
            ("interval(3)", "interval(3)"),
            ("TEXT[]", "text[]"),
            ("INTEGER[][]", "integer[]"),
            ("int ARRAY", "integer[]"),
            ("VARCHAR(191)[]", "character varying(191)[]"),
            ("\"Role\"", "\"Role\""),
            ("\"Role\"[]", "\"Role\"[]"),
            ("\"auth\".\"Status\"", "\"auth\".\"Status\""),
            ("CITEXT", "\"citext\""),
            ("vector(1536)", "\"vector\"(1536)"),
            ("geometry(Point, 4326)", "\"geometry\"(Point,4326)"),
        ];
        for (decl, want) in cases {
            assert_eq!(column_type(decl).as_deref(), Some(want), "{decl}");
        }
        // Interval field restrictions are printed in ways not worth modelling: not compared.
        assert_eq!(column_type("interval day to second"), None);
    }

    #[test]
    fn identifiers_fold_and_truncate_like_postgres() {
        let long = "a".repeat(70);
        let e = exps(&format!(
            "CREATE INDEX \"{long}\" ON Auth.\"Users\" (Email)"
        ));
        match &e[0] {
            Expectation::IndexExists {
                schema,
                name,
                table,
                columns,
                ..
            } => {
                assert_eq!(
                    (schema.as_str(), name.len(), table.as_deref()),
                    ("auth", 63, Some("Users"))
                );
                assert_eq!(columns.as_deref(), Some(&["email".to_string()][..]));
            }
            other => panic!("{other:?}"),
        }
        let e = shown("ALTER TABLE \"My\"\"Table\" ADD COLUMN \"Ä\" text");
        assert_eq!(
            e,
            vec!["column \"public\".\"My\"\"Table\".\"Ä\" exists: text NULL no default"]
        );
        assert!(reason("CREATE TABLE db.s.t (x int)").contains("three-part"));
    }

    #[test]
    fn statements_that_cannot_be_verified_say_why() {
        let cases = [
            ("INSERT INTO t VALUES (1)", "rows"),
            ("UPDATE t SET x = 1", "rows"),
            ("DELETE FROM t", "rows"),
            ("COPY t FROM STDIN", "rows"),
            ("SELECT setval('s', 1)", "query"),
            ("DO $$ BEGIN END $$", "procedural"),
            ("SET search_path TO x", "session"),
            ("GRANT SELECT ON t TO r", "privileges"),
            ("BEGIN", "transaction"),
            ("CREATE TEMP TABLE t (x int)", "temporary"),
            ("CREATE INDEX ON t (x)", "unnamed index"),
            ("CREATE TABLE t (LIKE u)", "LIKE"),
            ("CREATE TABLE t (x int) INHERITS (u)", "inherited"),
            (
                "CREATE TABLE t PARTITION OF u FOR VALUES IN (1)",
                "partitions",
            ),
            ("ALTER TABLE t ENABLE ROW LEVEL SECURITY", "ALTER TABLE"),
            (
                "ALTER TABLE t ADD COLUMN x int, OWNER TO r",
                "ADD, DROP or ALTER",
            ),
            (
                "ALTER TABLE t ALTER COLUMN x SET STATISTICS 100",
                "SET/DROP",
            ),
            ("ALTER TYPE t ADD ATTRIBUTE x int", "ALTER TYPE"),
            ("ALTER SEQUENCE s RESTART WITH 5", "RENAME TO"),
            ("CREATE SCHEMA AUTHORIZATION bob", "role"),
            ("CREATE SCHEMA s CREATE TABLE t (x int)", "embedded"),
            ("COMMENT ON FUNCTION f() IS 'x'", "relations and columns"),
            ("CREATE POLICY p ON t USING (true)", "`CREATE POLICY`"),
            ("VACUUM t", "`VACUUM`"),
            ("REFRESH MATERIALIZED VIEW v", "`REFRESH`"),
            ("CREATE TABLE t (x int", "expected"),
            ("CREATE TYPE t", "base and shell"),
        ];
        for (sql, needle) in cases {
            let r = reason(sql);
            assert!(r.contains(needle), "{sql}: {r}");
        }
    }

    #[test]
    fn create_table_variants() {
        let e = shown(
            "CREATE TABLE IF NOT EXISTS s.t (
               id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
               code text COLLATE \"C\" CONSTRAINT code_uq UNIQUE NOT NULL,
               total numeric GENERATED ALWAYS AS (1 + 1) STORED,
               parent int REFERENCES s.t ON DELETE SET NULL (parent) DEFERRABLE INITIALLY DEFERRED,
               at timestamptz DEFAULT now() NOT NULL,
               CONSTRAINT t_ck CHECK (id > 0) NO INHERIT,
               UNIQUE NULLS NOT DISTINCT (code, at) INCLUDE (total) WITH (fillfactor = 90)
             ) WITH (fillfactor = 70) TABLESPACE pg_default",
        );
        let want = [
            "table \"s\".\"t\" exists",
            "column \"s\".\"t\".\"id\" exists: bigint NOT NULL no default",
            "column \"s\".\"t\".\"code\" exists: text NOT NULL no default",
            "column \"s\".\"t\".\"total\" exists: numeric NULL",
            "column \"s\".\"t\".\"parent\" exists: integer NULL no default",
            "column \"s\".\"t\".\"at\" exists: timestamp with time zone NOT NULL DEFAULT now()",
            "PrimaryKey unnamed constraint on \"s\".\"t\" (\"id\") exists",
            "Unique constraint \"code_uq\" on \"s\".\"t\" (\"code\") exists",
            "unique btree index \"s\".\"code_uq\" on \"t\" (\"code\") exists",
            "ForeignKey unnamed constraint on \"s\".\"t\" (\"parent\") -> \"s\".\"t\" ON DELETE SetNull ON UPDATE NoAction exists",
            "Check constraint \"t_ck\" on \"s\".\"t\" exists",
            "Unique unnamed constraint on \"s\".\"t\" (\"code\", \"at\") exists",
        ];
        assert_eq!(e, want);
        assert_eq!(
            shown("CREATE TABLE t AS SELECT 1 AS x"),
            vec!["table \"public\".\"t\" exists"]
        );
    }

    #[test]
    fn routines_are_identified_by_their_input_argument_types() {
        let e = shown(
            "CREATE FUNCTION f(a integer, b text DEFAULT 'x', OUT c int, double precision, \"Role\"[], VARIADIC v int[] = '{}') RETURNS int LANGUAGE sql AS 'SELECT 1'",
        );
        assert_eq!(e, vec!["function \"public\".\"f\"(integer, text, double precision, \"Role\"[], integer[]) exists"]);
        assert_eq!(
            shown("DROP FUNCTION IF EXISTS f, g(int)"),
            vec![
                "function \"public\".\"f\"(...) is absent",
                "function \"public\".\"g\"(integer) is absent"
            ]
        );
        assert_eq!(
            shown("DROP PROCEDURE p()"),
            vec!["function \"public\".\"p\"() is absent"]
        );
    }

    #[test]
    fn drops_and_renames() {
        assert_eq!(
            shown("DROP TABLE IF EXISTS a, s.b CASCADE"),
            vec![
                "table \"public\".\"a\" is absent",
                "table \"s\".\"b\" is absent"
            ]
        );
        assert_eq!(
            shown("DROP INDEX CONCURRENTLY IF EXISTS \"s\".\"i\""),
            vec!["index \"s\".\"i\" is absent"]
        );
        assert_eq!(
            shown("DROP TRIGGER tr ON s.t"),
            vec!["trigger \"tr\" on \"s\".\"t\" is absent"]
        );
        assert_eq!(
            shown("DROP MATERIALIZED VIEW mv"),
            vec!["materialized view \"public\".\"mv\" is absent"]
        );
        assert_eq!(
            shown("ALTER MATERIALIZED VIEW mv RENAME TO mv2"),
            vec![
                "materialized view \"public\".\"mv2\" exists",
                "materialized view \"public\".\"mv\" is absent"
            ]
        );
        assert_eq!(
            shown("ALTER TABLE IF EXISTS ONLY t RENAME a TO b"),
            vec![
                "column \"public\".\"t\".\"b\" exists",
                "column \"public\".\"t\".\"a\" is absent"
            ]
        );
        assert_eq!(
            shown("ALTER TYPE s.\"Role\" RENAME TO \"Role_old\""),
            vec![
                "type \"s\".\"Role_old\" exists",
                "type \"s\".\"Role\" is absent"
            ]
        );
        assert_eq!(
            shown("COMMENT ON COLUMN s.t.c IS ''"),
            vec!["comment on \"s\".\"t\".\"c\" is empty"]
        );
        assert_eq!(
            shown("CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA ext VERSION '0.7' CASCADE"),
            vec!["extension \"vector\" exists in schema \"ext\""]
        );
    }

    #[test]
    fn later_statements_carry_earlier_facts_forward() {
        let script = split_script(
            "CREATE TABLE a (x int, y int);
             CREATE INDEX a_x ON a (x);
             CREATE UNIQUE INDEX a_y ON a (y);
             ALTER TABLE a ADD CONSTRAINT a_pk PRIMARY KEY (x);
             ALTER TABLE a RENAME TO b;
             ALTER TABLE b RENAME COLUMN x TO z;
             ALTER TABLE b DROP COLUMN y;
             ALTER INDEX a_pk RENAME TO b_pk;
             ALTER TABLE b ALTER COLUMN z TYPE bigint;",
        );
        let effects = script_effects(&script, "public");
        let after: Vec<Vec<String>> = effects
            .after(script.statements.len())
            .iter()
            .map(|e| match e {
                StatementEffects::Verifiable(v) => v.iter().map(ToString::to_string).collect(),
                StatementEffects::Unverifiable { reason } => vec![format!("? {reason}")],
            })
            .collect();
        assert_eq!(
            after[0],
            vec![
                "table \"public\".\"b\" exists",
                "column \"public\".\"b\".\"z\" exists NOT NULL no default",
            ]
        );
        assert_eq!(
            after[1],
            vec!["btree index \"public\".\"a_x\" on \"b\" (\"z\") exists"]
        );
        assert!(
            after[2][0].starts_with("? "),
            "dropped with its column: {:?}",
            after[2]
        );
        assert_eq!(
            after[3],
            vec![
                "PrimaryKey constraint \"b_pk\" on \"public\".\"b\" (\"z\") exists",
                "unique btree index \"public\".\"b_pk\" on \"b\" (\"z\") exists"
            ]
        );
        // Part-way through, earlier facts describe the catalog at that point.
        let at4 = effects.after(4);
        assert_eq!(
            at4[0].expectations()[0].to_string(),
            "table \"public\".\"a\" exists"
        );
        assert_eq!(at4.len(), 4);
    }

    #[test]
    fn drop_and_add_of_the_same_name_replaces() {
        let e =
            exps("ALTER TABLE t DROP CONSTRAINT t_pkey, ADD CONSTRAINT t_pkey PRIMARY KEY (a, b)");
        assert!(
            e.iter().all(|e| matches!(
                e,
                Expectation::ConstraintExists { replaces: true, .. }
                    | Expectation::IndexExists { replaces: true, .. }
            )),
            "{e:#?}"
        );
        let script = split_script("DROP INDEX i; CREATE INDEX i ON t (b);");
        let effects = script_effects(&script, "public");
        assert!(matches!(
            effects.statements[1].expectations()[0],
            Expectation::IndexExists { replaces: true, .. }
        ));
        assert!(matches!(
            effects.after(2)[0],
            StatementEffects::Unverifiable { .. }
        ));
    }

    #[test]
    fn default_expressions_compare_as_postgres_prints_them() {
        let same = [
            ("'USER'", "'USER'::\"Role\""),
            ("''", "''::text"),
            ("-1", "'-1'::integer"),
            ("ARRAY[]::TEXT[]", "ARRAY[]::text[]"),
            (
                "ARRAY['a', 'b']::VARCHAR(3)[]",
                "ARRAY['a'::character varying(3), 'b'::character varying(3)]",
            ),
            ("'{}'", "'{}'::jsonb"),
            ("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"),
            ("now()", "now()"),
            (
                "(now() AT TIME ZONE 'utc'::text)",
                "(now() AT TIME ZONE 'utc'::text)",
            ),
            (
                "now() + interval '1 hour'",
                "(now() + '01:00:00'::interval)",
            ),
            (
                "'2020-01-01'::timestamp",
                "'2020-01-01 00:00:00'::timestamp without time zone",
            ),
            ("true", "true"),
            ("'true'", "true"),
            ("E'it\\'s'", "'it''s'::text"),
            (
                "nextval('\"User_id_seq\"'::regclass)",
                "nextval('\"User_id_seq\"'::regclass)",
            ),
            ("9.99", "9.99"),
        ];
        for (script, catalog) in same {
            assert_eq!(
                default_tokens(script),
                default_tokens(catalog),
                "{script} vs {catalog}"
            );
        }
        let different = [
            ("1", "2"),
            ("'a'", "'b'"),
            ("now()", "CURRENT_TIMESTAMP"),
            ("\"A\"()", "a()"),
        ];
        for (a, b) in different {
            assert_ne!(default_tokens(a), default_tokens(b), "{a} vs {b}");
        }
    }
}
