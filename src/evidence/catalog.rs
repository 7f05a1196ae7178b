//! The live catalog, read once, and checked against expectations.
//!
//! `load_snapshot` runs five read-only queries, whatever the script's size. They go through
//! `query_typed` (unnamed statements), so they also work through a transaction-mode pooler.

use std::collections::{HashMap, HashSet};

use tokio_postgres::types::Type;
use tokio_postgres::{GenericClient, Row};

use super::effects::{
    default_tokens, excerpt, quote, ConstraintKind, DefaultExpectation, Expectation, RefAction,
    RelationKind, TypeKind, OPAQUE,
};

/// How a type is stored: enough to compare with a canonical `data_type` string.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TypeInfo {
    /// `format_type(oid, typmod)` and `format_type(oid, NULL)`.
    formatted: String,
    unmodified: String,
    /// Schema and name of the type, or of its element type for arrays.
    base_schema: String,
    base_name: String,
}

#[derive(Debug, Clone)]
struct Column {
    ty: TypeInfo,
    not_null: bool,
    default: Option<String>,
    /// `attnum`: the column's place (a view's columns are compared in order).
    position: i32,
}

#[derive(Debug, Clone)]
struct Function {
    args: Vec<TypeInfo>,
    /// `prosrc`
    body: String,
    comment: Option<String>,
}

#[derive(Debug, Clone)]
struct Constraint {
    name: String,
    kind: char,
    columns: Vec<String>,
    ref_schema: Option<String>,
    ref_table: Option<String>,
    ref_columns: Vec<String>,
    on_delete: char,
    on_update: char,
    validated: bool,
}

#[derive(Debug, Clone)]
struct Index {
    table: String,
    unique: bool,
    method: String,
    /// None for expression keys.
    columns: Vec<Option<String>>,
    descending: Vec<bool>,
}

type Key2 = (String, String);
type Key3 = (String, String, String);

/// The parts of the catalog that expectations are checked against, for the loaded schemas.
#[derive(Debug, Clone, Default)]
pub struct CatalogSnapshot {
    /// Every schema of the database; the rest is for `loaded` schemas only.
    schemas: HashSet<String>,
    loaded: HashSet<String>,
    /// (schema, name) -> relkind
    relations: HashMap<Key2, char>,
    columns: HashMap<Key3, Column>,
    /// (schema, table) -> constraints
    constraints: HashMap<Key2, Vec<Constraint>>,
    indexes: HashMap<Key2, Index>,
    /// (schema, name) -> typtype
    types: HashMap<Key2, char>,
    enum_labels: HashSet<Key3>,
    /// extension -> schema
    extensions: HashMap<String, String>,
    /// (schema, name) -> each overload
    functions: HashMap<Key2, Vec<Function>>,
    triggers: HashSet<Key3>,
    /// (schema, relation, column) -> comment
    comments: HashMap<(String, String, Option<String>), String>,
    /// (schema, sequence) -> (table, column)
    sequence_owners: HashMap<Key2, Key2>,
}

/// Whether an expectation holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// The fact holds (for `exists: false`: the object is gone).
    Present,
    /// The fact does not hold: not applied (yet), or undone.
    Absent,
    /// An object of that name exists, but with another shape (type, nullability, default,
    /// uniqueness, columns, kind, ...), or the schema it lives in was not loaded.
    Conflicting { detail: String },
}

const OBJECTS: &str = "
SELECT 'schema', nspname::text, NULL::text, NULL::text, NULL::text FROM pg_namespace
UNION ALL
SELECT 'relation', n.nspname::text, c.relname::text, NULL, c.relkind::text
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'i', 'I', 'f', 'c')
   AND ($2::text[] IS NULL OR c.relname = ANY($2))
UNION ALL
SELECT 'type', n.nspname::text, t.typname::text, NULL, t.typtype::text
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN pg_class c ON c.oid = t.typrelid
 WHERE n.nspname = ANY($1) AND NOT (t.typtype = 'b' AND t.typcategory = 'A')
   AND ($2::text[] IS NULL OR t.typname = ANY($2))
   AND (t.typtype <> 'c' OR c.relkind = 'c')
UNION ALL
SELECT 'label', n.nspname::text, t.typname::text, e.enumlabel::text, NULL
  FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname = ANY($1) AND ($2::text[] IS NULL OR t.typname = ANY($2))
UNION ALL
SELECT 'extension', n.nspname::text, x.extname::text, NULL, NULL
  FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
UNION ALL
SELECT 'trigger', n.nspname::text, c.relname::text, tg.tgname::text, NULL
  FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY($1) AND NOT tg.tgisinternal AND ($2::text[] IS NULL OR c.relname = ANY($2))
UNION ALL
SELECT 'comment', n.nspname::text, c.relname::text, a.attname::text, d.description
  FROM pg_description d
  JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
 WHERE n.nspname = ANY($1) AND (d.objsubid = 0 OR a.attname IS NOT NULL)
   AND ($2::text[] IS NULL OR c.relname = ANY($2))
UNION ALL
SELECT 'owner', n.nspname::text, s.relname::text, t.relname::text, a.attname::text
  FROM (SELECT c.oid FROM pg_class c JOIN pg_namespace cn ON cn.oid = c.relnamespace
         WHERE cn.nspname = ANY($1) AND ($2::text[] IS NULL OR c.relname = ANY($2))
        UNION
        SELECT r.objid FROM pg_class c JOIN pg_namespace cn ON cn.oid = c.relnamespace
          JOIN pg_depend r ON r.refclassid = 'pg_class'::regclass AND r.refobjid = c.oid
         WHERE cn.nspname = ANY($1) AND c.relname = ANY($2) AND r.classid = 'pg_class'::regclass) named
  JOIN pg_class s ON s.oid = named.oid AND s.relkind = 'S'
  JOIN pg_namespace n ON n.oid = s.relnamespace
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
  JOIN pg_class t ON t.oid = d.refobjid
  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
 WHERE d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND n.nspname = ANY($1)";

/// The element type of an array, else the type itself (`t` is the type's pg_type row).
const BASE_TYPE: &str = "JOIN pg_type bt ON bt.oid = CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN t.typelem ELSE t.oid END
  JOIN pg_namespace bn ON bn.oid = bt.typnamespace";

/// Defaults are deparsed without their relation (`pg_get_expr(adbin, 0)`): with it, PostgreSQL
/// takes a lock on the table, which queues behind a migration waiting to ALTER that table, and
/// diagnose would hang exactly when it is needed. Only generated columns refer to other columns.
fn columns_sql() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, a.attname::text,
       format_type(a.atttypid, a.atttypmod), format_type(a.atttypid, NULL), bn.nspname::text, bt.typname::text,
       a.attnotnull,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, 0) ELSE pg_get_expr(d.adbin, d.adrelid) END,
       a.attnum::int4
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_type t ON t.oid = a.atttypid
  {BASE_TYPE}
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE n.nspname = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND ($2::text[] IS NULL OR c.relname = ANY($2))"
    )
}

const CONSTRAINTS: &str = "
SELECT n.nspname::text, c.relname::text, con.conname::text, con.contype::text,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord),
       rn.nspname::text, rc.relname::text,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord),
       con.confdeltype::text, con.confupdtype::text, con.convalidated
  FROM pg_constraint con
  JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class rc ON rc.oid = con.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
 WHERE n.nspname = ANY($1) AND ($2::text[] IS NULL OR c.relname = ANY($2))";

/// Sequence owners and indexes are read from the named objects (the name index of pg_class in
/// the loaded schemas), then by oid: joining every sequence or index of the schema first cost
/// tens of milliseconds at a few thousand tables. An index is always in its table's schema, and
/// a sequence in its owning table's (ALTER SEQUENCE ... OWNED BY requires it), so restricting
/// the named tables to the loaded schemas loses nothing.
const INDEXES: &str = "
SELECT n.nspname::text, ic.relname::text, tc.relname::text, i.indisunique, am.amname::text,
       ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, ord)
               LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num AND k.num <> 0
              WHERE k.ord <= i.indnkeyatts ORDER BY k.ord),
       ARRAY(SELECT (o.opt & 1) = 1 FROM unnest(i.indoption::int2[]) WITH ORDINALITY o(opt, ord)
              WHERE o.ord <= i.indnkeyatts ORDER BY o.ord)
  FROM (SELECT c.oid FROM pg_class c JOIN pg_namespace cn ON cn.oid = c.relnamespace
         WHERE cn.nspname = ANY($1) AND ($2::text[] IS NULL OR c.relname = ANY($2))
           AND c.relkind IN ('i', 'I')
        UNION
        SELECT x.indexrelid FROM pg_class c JOIN pg_namespace cn ON cn.oid = c.relnamespace
          JOIN pg_index x ON x.indrelid = c.oid
         WHERE cn.nspname = ANY($1) AND c.relname = ANY($2)) named
  JOIN pg_index i ON i.indexrelid = named.oid
  JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = ic.relnamespace JOIN pg_am am ON am.oid = ic.relam
 WHERE n.nspname = ANY($1)";

fn functions_sql() -> String {
    format!(
        "SELECT n.nspname::text, p.proname::text,
       coalesce(a.fmt, '{{}}'), coalesce(a.sch, '{{}}'), coalesce(a.nam, '{{}}'), p.prosrc,
       obj_description(p.oid, 'pg_proc')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  LEFT JOIN LATERAL (
    SELECT array_agg(format_type(t.oid, NULL) ORDER BY k.ord) AS fmt,
           array_agg(bn.nspname::text ORDER BY k.ord) AS sch,
           array_agg(bt.typname::text ORDER BY k.ord) AS nam
      FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY k(typ, ord)
      JOIN pg_type t ON t.oid = k.typ
      {BASE_TYPE}
  ) a ON true
 WHERE n.nspname = ANY($1) AND ($2::text[] IS NULL OR p.proname = ANY($2))"
    )
}

/// Reads what is needed to evaluate expectations about `schemas` (every schema they name; see
/// `schemas_named`) in five read-only queries.
pub async fn load_snapshot(
    client: &impl GenericClient,
    schemas: &[String],
) -> Result<CatalogSnapshot, tokio_postgres::Error> {
    load_scoped(client, schemas, None).await
}

/// Like `load_snapshot`, but only the objects named in `names` (see `names_named`): on a large
/// database the expectations of one failed migration touch a handful of its thousands of objects.
pub async fn load_scoped(
    client: &impl GenericClient,
    schemas: &[String],
    names: Option<&[String]>,
) -> Result<CatalogSnapshot, tokio_postgres::Error> {
    let param = schemas.to_vec();
    let names: Option<Vec<String>> = names.map(<[String]>::to_vec);
    let query = |sql: String| {
        let (param, names) = (param.clone(), names.clone());
        async move {
            client
                .query_typed(
                    &sql,
                    &[(&param, Type::TEXT_ARRAY), (&names, Type::TEXT_ARRAY)],
                )
                .await
        }
    };
    // Sent together: tokio-postgres pipelines them on the one connection (one round trip).
    let (objects, columns, constraints, indexes, functions) = tokio::try_join!(
        query(OBJECTS.to_string()),
        query(columns_sql()),
        query(CONSTRAINTS.to_string()),
        query(INDEXES.to_string()),
        query(functions_sql()),
    )?;
    let mut snap = CatalogSnapshot {
        loaded: schemas.iter().cloned().collect(),
        ..Default::default()
    };

    for row in objects {
        let text = |k: usize| row.get::<_, Option<String>>(k).unwrap_or_default();
        let first = |k: usize| text(k).chars().next().unwrap_or(' ');
        let (schema, name, extra) = (text(1), text(2), text(3));
        match text(0).as_str() {
            "schema" => {
                snap.schemas.insert(schema);
            }
            "relation" => {
                snap.relations.insert((schema, name), first(4));
            }
            "type" => {
                snap.types.insert((schema, name), first(4));
            }
            "label" => {
                snap.enum_labels.insert((schema, name, extra));
            }
            "extension" => {
                snap.extensions.insert(name, schema);
            }
            "trigger" => {
                snap.triggers.insert((schema, name, extra));
            }
            "comment" => {
                let column = row.get::<_, Option<String>>(3);
                snap.comments.insert((schema, name, column), text(4));
            }
            "owner" => {
                snap.sequence_owners
                    .insert((schema, name), (extra, text(4)));
            }
            _ => {}
        }
    }
    for row in columns {
        let ty = type_info(&row, 3);
        let column = Column {
            ty,
            not_null: row.get(7),
            default: row.get(8),
            position: row.get(9),
        };
        snap.columns
            .insert((row.get(0), row.get(1), row.get(2)), column);
    }
    for row in constraints {
        let code = |k: usize| {
            row.get::<_, Option<String>>(k)
                .and_then(|s| s.chars().next())
                .unwrap_or(' ')
        };
        let c = Constraint {
            name: row.get(2),
            kind: code(3),
            columns: row.get(4),
            ref_schema: row.get(5),
            ref_table: row.get(6),
            ref_columns: row.get(7),
            on_delete: code(8),
            on_update: code(9),
            validated: row.get(10),
        };
        snap.constraints
            .entry((row.get(0), row.get(1)))
            .or_default()
            .push(c);
    }
    for row in indexes {
        let index = Index {
            table: row.get(2),
            unique: row.get(3),
            method: row.get(4),
            columns: row.get(5),
            descending: row.get(6),
        };
        snap.indexes.insert((row.get(0), row.get(1)), index);
    }
    for row in functions {
        let (fmt, sch, nam): (Vec<String>, Vec<String>, Vec<String>) =
            (row.get(2), row.get(3), row.get(4));
        let args = fmt
            .into_iter()
            .zip(sch.into_iter().zip(nam))
            .map(|(formatted, (base_schema, base_name))| TypeInfo {
                unmodified: formatted.clone(),
                formatted,
                base_schema,
                base_name,
            })
            .collect();
        let body = row.get::<_, Option<String>>(5).unwrap_or_default();
        snap.functions
            .entry((row.get(0), row.get(1)))
            .or_default()
            .push(Function {
                args,
                body,
                comment: row.get::<_, Option<String>>(6).filter(|c| !c.is_empty()),
            });
    }
    Ok(snap)
}

fn type_info(row: &Row, at: usize) -> TypeInfo {
    TypeInfo {
        formatted: row.get(at),
        unmodified: row.get(at + 1),
        base_schema: row.get(at + 2),
        base_name: row.get(at + 3),
    }
}

/// Every object name the expectations mention (relations, indexes, constraints' tables and the
/// tables their foreign keys reference, types, functions): all `load_scoped` needs to read.
pub fn names_named<'a>(expectations: impl IntoIterator<Item = &'a Expectation>) -> Vec<String> {
    use Expectation::*;
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    for e in expectations {
        match e {
            SchemaExists { .. } | ExtensionExists { .. } => {}
            TableExists { name, .. }
            | ViewExists { name, .. }
            | MaterializedViewExists { name, .. }
            | SequenceExists { name, .. }
            | TypeExists { name, .. }
            | FunctionExists { name, .. }
            | FunctionBody { name, .. }
            | FunctionComment { name, .. }
            | RelationColumns { name, .. } => add(name),
            SequenceOwnedBy { name, owner, .. } => {
                add(name);
                if let Some((table, _)) = owner {
                    add(table);
                }
            }
            ColumnExists { table, .. }
            | ColumnType { table, .. }
            | ColumnNotNull { table, .. }
            | ColumnDefault { table, .. }
            | TriggerExists { table, .. } => add(table),
            ConstraintValidated { table, name, .. } => {
                add(table);
                add(name);
            }
            ConstraintExists {
                table,
                name,
                foreign_key,
                ..
            } => {
                add(table);
                if let Some(name) = name {
                    add(name);
                }
                if let Some(fk) = foreign_key {
                    add(&fk.ref_table);
                }
            }
            IndexExists { name, table, .. } => {
                add(name);
                if let Some(table) = table {
                    add(table);
                }
            }
            EnumValueExists { type_name, .. } | EnumValuesExactly { type_name, .. } => {
                add(type_name)
            }
            CommentEquals { relation, .. } => add(relation),
        }
    }
    out
}

/// Every schema the expectations name, the default one first (what `load_snapshot` needs).
pub fn schemas_named<'a>(
    expectations: impl IntoIterator<Item = &'a Expectation>,
    default_schema: &str,
) -> Vec<String> {
    let mut out = vec![default_schema.to_string()];
    for e in expectations {
        let mut add = |s: &str| {
            if !out.iter().any(|o| o == s) {
                out.push(s.to_string());
            }
        };
        if let Some(s) = e.schema() {
            add(s);
        }
        match e {
            Expectation::SchemaExists { name, .. } => add(name),
            Expectation::ConstraintExists {
                foreign_key: Some(fk),
                ..
            } => add(&fk.ref_schema),
            _ => {}
        }
    }
    out
}

/// The overload of `schema.name` with exactly these argument types.
fn overload<'s>(
    snap: &'s CatalogSnapshot,
    schema: &str,
    name: &str,
    arg_types: &[String],
) -> Option<&'s Function> {
    snap.functions
        .get(&(schema.to_string(), name.to_string()))
        .and_then(|o| o.iter().find(|f| same_args(arg_types, &f.args)))
}

fn same_args(want: &[String], got: &[TypeInfo]) -> bool {
    want.len() == got.len() && want.iter().zip(got).all(|(w, a)| type_matches(w, a))
}

/// Whether a stored type is the canonical `expected` one (see `Expectation`).
fn type_matches(expected: &str, t: &TypeInfo) -> bool {
    if t.base_schema == "pg_catalog" {
        return expected == t.formatted;
    }
    // User-defined: compare by name (qualified or not), then modifiers and array-ness as printed.
    let array = if t.formatted.ends_with("[]") {
        "[]"
    } else {
        ""
    };
    let formatted = t.formatted.trim_end_matches("[]");
    let unmodified = t.unmodified.trim_end_matches("[]");
    let mods: String = formatted
        .strip_prefix(unmodified)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let qualified = format!("{}.{}", quote(&t.base_schema), quote(&t.base_name));
    [quote(&t.base_name), qualified].iter().any(|name| {
        expected
            .strip_prefix(name.as_str())
            .is_some_and(|rest| rest.eq_ignore_ascii_case(&format!("{mods}{array}")))
    })
}

/// `column_type`: the column's `format_type()` spelling.
fn default_matches(expected: &DefaultExpectation, actual: Option<&str>, column_type: &str) -> bool {
    match (expected, actual) {
        (DefaultExpectation::Absent, a) => a.is_none(),
        (DefaultExpectation::Nextval, Some(a)) => a.starts_with("nextval("),
        (DefaultExpectation::Expr(e), Some(a)) => {
            let (want, got) = (default_tokens(e), default_tokens(a));
            want == got || same_constant(&want, &got, column_type)
        }
        (_, None) => false,
    }
}

/// PostgreSQL stores a constant default as the column's type prints it, not as written: a
/// json(b) value with its keys reordered and spaces changed, a date/time literal cast (and
/// without the offset a `timestamp` ignores). Two lone constants are the same default when
/// they are the same value of that type (date/time values are not compared, as for casts).
fn same_constant(want: &[String], got: &[String], column_type: &str) -> bool {
    let lone = |t: &[String]| match t {
        [one] if one.starts_with('\'') && one.ends_with('\'') && one.len() >= 2 => {
            Some(one.clone())
        }
        _ => None,
    };
    let (Some(w), Some(g)) = (lone(want), lone(got)) else {
        return false;
    };
    let unquoted = |t: &str| t[1..t.len() - 1].to_string();
    let base = column_type.trim_end_matches("[]");
    if base == "json" || base == "jsonb" {
        return match (
            serde_json::from_str::<serde_json::Value>(&unquoted(&w)),
            serde_json::from_str::<serde_json::Value>(&unquoted(&g)),
        ) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
    }
    let datetime = ["timestamp", "date", "time", "interval"]
        .iter()
        .any(|t| base.starts_with(t));
    datetime && (w == OPAQUE || g == OPAQUE)
}

fn describe_default(d: Option<&str>) -> String {
    d.map_or_else(|| "no default".to_string(), |d| format!("DEFAULT {d}"))
}

/// `pg_constraint.contype` and `confdeltype` codes.
const CONSTRAINT_CODES: [(ConstraintKind, char); 5] = [
    (ConstraintKind::PrimaryKey, 'p'),
    (ConstraintKind::Unique, 'u'),
    (ConstraintKind::ForeignKey, 'f'),
    (ConstraintKind::Check, 'c'),
    (ConstraintKind::Exclusion, 'x'),
];
const ACTION_CODES: [(RefAction, char); 5] = [
    (RefAction::NoAction, 'a'),
    (RefAction::Restrict, 'r'),
    (RefAction::Cascade, 'c'),
    (RefAction::SetNull, 'n'),
    (RefAction::SetDefault, 'd'),
];

fn code_of<T: PartialEq + Copy>(table: &[(T, char)], value: T) -> char {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map_or(' ', |(_, c)| *c)
}

/// The name of a catalog code, for messages (`'u'` -> `Unique`).
fn name_of<T: std::fmt::Debug>(table: &[(T, char)], code: char) -> String {
    table
        .iter()
        .find(|(_, c)| *c == code)
        .map_or_else(|| format!("'{code}'"), |(v, _)| format!("{v:?}"))
}

fn typtype_name(t: char) -> &'static str {
    match t {
        'e' => "enum",
        'c' => "composite",
        'd' => "domain",
        'r' => "range",
        'm' => "multirange",
        'p' => "pseudo",
        _ => "base",
    }
}

fn relkinds(kind: RelationKind) -> &'static [char] {
    match kind {
        RelationKind::Table => &['r', 'p'],
        RelationKind::View => &['v'],
        RelationKind::MaterializedView => &['m'],
        RelationKind::Sequence => &['S'],
    }
}

fn relkind_name(k: char) -> &'static str {
    match k {
        'r' | 'p' => "a table",
        'v' => "a view",
        'm' => "a materialized view",
        'S' => "a sequence",
        'i' | 'I' => "an index",
        'f' => "a foreign table",
        'c' => "a composite type",
        _ => "another kind of relation",
    }
}

fn presence(holds: bool) -> Observed {
    if holds {
        Observed::Present
    } else {
        Observed::Absent
    }
}

fn conflicting(detail: impl Into<String>) -> Observed {
    Observed::Conflicting {
        detail: detail.into(),
    }
}

/// For an existence fact: Present/Absent from `found`, or the shape differences when it exists.
fn existence(
    exists: bool,
    found: bool,
    differences: impl FnOnce() -> Vec<String>,
    replaces: bool,
) -> Observed {
    match (exists, found) {
        (false, found) => presence(!found),
        (true, false) => Observed::Absent,
        (true, true) => {
            let diff = differences();
            if diff.is_empty() {
                Observed::Present
            } else if replaces {
                // The script drops and re-creates it: the old shape is the "not applied" state.
                Observed::Absent
            } else {
                conflicting(diff.join("; "))
            }
        }
    }
}

/// Checks one expectation against the snapshot.
pub fn observe(exp: &Expectation, snap: &CatalogSnapshot) -> Observed {
    use Expectation::*;
    // Extensions are database-wide; everything else is only known for the loaded schemas.
    if let Some(schema) = exp
        .schema()
        .filter(|_| !matches!(exp, ExtensionExists { .. }))
    {
        if snap.schemas.contains(schema) && !snap.loaded.contains(schema) {
            return conflicting(format!(
                "schema {} was not loaded into the snapshot",
                quote(schema)
            ));
        }
    }
    let key2 = |s: &str, n: &str| (s.to_string(), n.to_string());
    let key3 = |s: &str, t: &str, n: &str| (s.to_string(), t.to_string(), n.to_string());
    match exp {
        SchemaExists { name, exists } => presence(snap.schemas.contains(name) == *exists),
        ExtensionExists {
            name,
            schema,
            exists,
        } => {
            let found = snap.extensions.get(name);
            existence(
                *exists,
                found.is_some(),
                || match (schema, found) {
                    (Some(want), Some(got)) if want != got => {
                        vec![format!("installed in schema {}", quote(got))]
                    }
                    _ => vec![],
                },
                false,
            )
        }
        TableExists { .. }
        | ViewExists { .. }
        | MaterializedViewExists { .. }
        | SequenceExists { .. } => {
            let Some((kind, schema, name, exists)) = exp.as_relation() else {
                return Observed::Absent;
            };
            match snap.relations.get(&key2(schema, name)) {
                Some(k) if relkinds(kind).contains(k) => presence(exists),
                Some(k) if exists => {
                    conflicting(format!("{} is {}", quote(name), relkind_name(*k)))
                }
                _ => presence(!exists),
            }
        }
        SequenceOwnedBy {
            schema,
            name,
            owner,
        } => {
            let actual = snap.sequence_owners.get(&key2(schema, name));
            let holds =
                snap.relations.get(&key2(schema, name)) == Some(&'S') && actual == owner.as_ref();
            presence(holds)
        }
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
            let found = snap.columns.get(&key3(schema, table, column));
            existence(
                *exists,
                found.is_some(),
                || {
                    let Some(col) = found else { return vec![] };
                    let mut diff = Vec::new();
                    if let Some(t) = data_type.as_deref().filter(|t| !type_matches(t, &col.ty)) {
                        diff.push(format!("type is {} (expected {t})", col.ty.formatted));
                    }
                    if let Some(n) = not_null.filter(|n| *n != col.not_null) {
                        diff.push(if n {
                            "nullable (expected NOT NULL)".into()
                        } else {
                            "NOT NULL (expected nullable)".into()
                        });
                    }
                    if let Some(d) = default
                        .as_ref()
                        .filter(|d| !default_matches(d, col.default.as_deref(), &col.ty.formatted))
                    {
                        diff.push(format!(
                            "{} (expected {})",
                            describe_default(col.default.as_deref()),
                            d
                        ));
                    }
                    diff
                },
                *replaces,
            )
        }
        ColumnType {
            schema,
            table,
            column,
            data_type,
        } => {
            let col = snap.columns.get(&key3(schema, table, column));
            presence(col.is_some_and(|c| type_matches(data_type, &c.ty)))
        }
        ColumnNotNull {
            schema,
            table,
            column,
            not_null,
        } => {
            let col = snap.columns.get(&key3(schema, table, column));
            presence(col.is_some_and(|c| c.not_null == *not_null))
        }
        ColumnDefault {
            schema,
            table,
            column,
            default,
        } => {
            let col = snap.columns.get(&key3(schema, table, column));
            presence(
                col.is_some_and(|c| {
                    default_matches(default, c.default.as_deref(), &c.ty.formatted)
                }),
            )
        }
        ConstraintValidated {
            schema,
            table,
            name,
            validated,
        } => {
            let found = snap
                .constraints
                .get(&key2(schema, table))
                .and_then(|on_table| on_table.iter().find(|c| &c.name == name));
            match found {
                None => Observed::Absent,
                Some(c) if c.validated == *validated => Observed::Present,
                // not validated yet, or no longer NOT VALID: a state, not another shape
                Some(_) => Observed::Absent,
            }
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
            let on_table = snap
                .constraints
                .get(&key2(schema, table))
                .map(Vec::as_slice)
                .unwrap_or_default();
            let shape = |c: &Constraint| {
                let mut diff = Vec::new();
                if let Some(k) = kind.filter(|k| code_of(&CONSTRAINT_CODES, *k) != c.kind) {
                    let got = name_of(&CONSTRAINT_CODES, c.kind);
                    diff.push(format!("is a {got} constraint (expected {k:?})"));
                }
                if let Some(cols) = columns.as_ref().filter(|cols| **cols != c.columns) {
                    diff.push(format!(
                        "columns are ({}) (expected ({}))",
                        c.columns.join(", "),
                        cols.join(", ")
                    ));
                }
                if let Some(fk) = foreign_key {
                    let target = (c.ref_schema.as_deref(), c.ref_table.as_deref());
                    if target != (Some(fk.ref_schema.as_str()), Some(fk.ref_table.as_str())) {
                        diff.push("references another table".to_string());
                    }
                    if fk.ref_columns.as_ref().is_some_and(|r| *r != c.ref_columns) {
                        diff.push(format!("references columns ({})", c.ref_columns.join(", ")));
                    }
                    if code_of(&ACTION_CODES, fk.on_delete) != c.on_delete
                        || code_of(&ACTION_CODES, fk.on_update) != c.on_update
                    {
                        diff.push(format!(
                            "ON DELETE {} ON UPDATE {} (expected {:?}/{:?})",
                            name_of(&ACTION_CODES, c.on_delete),
                            name_of(&ACTION_CODES, c.on_update),
                            fk.on_delete,
                            fk.on_update
                        ));
                    }
                }
                diff
            };
            match name {
                Some(n) => {
                    let found = on_table.iter().find(|c| &c.name == n);
                    existence(
                        *exists,
                        found.is_some(),
                        || found.map(shape).unwrap_or_default(),
                        *replaces,
                    )
                }
                // Unnamed: any constraint of that shape.
                None => presence(on_table.iter().any(|c| shape(c).is_empty()) == *exists),
            }
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
            let found = snap.indexes.get(&key2(schema, name));
            if found.is_none() {
                if let Some(k) = snap.relations.get(&key2(schema, name)).filter(|_| *exists) {
                    return conflicting(format!("{} is {}", quote(name), relkind_name(*k)));
                }
            }
            existence(
                *exists,
                found.is_some(),
                || {
                    let Some(ix) = found else { return vec![] };
                    let mut diff = Vec::new();
                    if let Some(t) = table.as_ref().filter(|t| **t != ix.table) {
                        diff.push(format!(
                            "is on table {} (expected {})",
                            quote(&ix.table),
                            quote(t)
                        ));
                    }
                    if let Some(u) = unique.filter(|u| *u != ix.unique) {
                        diff.push(if u {
                            "is not unique".into()
                        } else {
                            "is unique".into()
                        });
                    }
                    if let Some(m) = method
                        .as_ref()
                        .filter(|m| !m.eq_ignore_ascii_case(&ix.method))
                    {
                        diff.push(format!("uses {} (expected {m})", ix.method));
                    }
                    let actual: Vec<String> = ix
                        .columns
                        .iter()
                        .map(|c| c.clone().unwrap_or_else(|| "(expression)".into()))
                        .collect();
                    if let Some(cols) = columns.as_ref().filter(|cols| **cols != actual) {
                        diff.push(format!(
                            "columns are ({}) (expected ({}))",
                            actual.join(", "),
                            cols.join(", ")
                        ));
                    } else if let Some(d) = descending.as_ref().filter(|d| **d != ix.descending) {
                        diff.push(format!(
                            "sort order differs (descending: {:?}, expected {d:?})",
                            ix.descending
                        ));
                    }
                    diff
                },
                *replaces,
            )
        }
        TypeExists {
            schema,
            name,
            kind,
            exists,
        } => {
            let found = snap.types.get(&key2(schema, name));
            existence(
                *exists,
                found.is_some(),
                || {
                    let want = kind.map(|k| match k {
                        TypeKind::Enum => 'e',
                        TypeKind::Composite => 'c',
                        TypeKind::Domain => 'd',
                        TypeKind::Range => 'r',
                    });
                    match (want, found) {
                        (Some(w), Some(got)) if w != *got => {
                            vec![format!(
                                "is a {} type (expected {kind:?})",
                                typtype_name(*got)
                            )]
                        }
                        _ => vec![],
                    }
                },
                false,
            )
        }
        EnumValueExists {
            schema,
            type_name,
            value,
            exists,
        } => presence(snap.enum_labels.contains(&key3(schema, type_name, value)) == *exists),
        EnumValuesExactly {
            schema,
            type_name,
            values,
        } => {
            let mut found: Vec<&str> = snap
                .enum_labels
                .iter()
                .filter(|(s, t, _)| s == schema && t == type_name)
                .map(|(_, _, v)| v.as_str())
                .collect();
            if found.is_empty() {
                return Observed::Absent;
            }
            found.sort_unstable();
            let mut want: Vec<&str> = values.iter().map(String::as_str).collect();
            want.sort_unstable();
            if found == want {
                Observed::Present
            } else {
                conflicting(format!(
                    "enum {} has the values {}",
                    quote(type_name),
                    found
                        .iter()
                        .map(|v| format!("'{v}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        }
        FunctionExists {
            schema,
            name,
            arg_types,
            exists,
        } => {
            let overloads = snap
                .functions
                .get(&key2(schema, name))
                .map(Vec::as_slice)
                .unwrap_or_default();
            let found = overloads.iter().any(|f| match arg_types {
                None => true,
                Some(want) => same_args(want, &f.args),
            });
            presence(found == *exists)
        }
        FunctionBody {
            schema,
            name,
            arg_types,
            body,
        } => match overload(snap, schema, name, arg_types) {
            None => Observed::Absent,
            Some(f) if f.body == *body => Observed::Present,
            Some(f) => conflicting(format!(
                "function {}({}) has another body: `{}`",
                quote(name),
                arg_types.join(", "),
                excerpt(&f.body, 60)
            )),
        },
        FunctionComment {
            schema,
            name,
            arg_types,
            comment,
        } => match overload(snap, schema, name, arg_types) {
            Some(f) => presence(f.comment == *comment),
            None => Observed::Absent,
        },
        RelationColumns {
            kind,
            schema,
            name,
            columns,
        } => {
            if !snap
                .relations
                .get(&key2(schema, name))
                .is_some_and(|k| relkinds(*kind).contains(k))
            {
                return Observed::Absent;
            }
            let mut found: Vec<(i32, &str)> = snap
                .columns
                .iter()
                .filter(|((s, r, _), _)| s == schema && r == name)
                .map(|((_, _, c), col)| (col.position, c.as_str()))
                .collect();
            found.sort_unstable();
            if found
                .iter()
                .map(|(_, c)| *c)
                .eq(columns.iter().map(String::as_str))
            {
                Observed::Present
            } else {
                conflicting(format!(
                    "{} has the columns {}",
                    quote(name),
                    found
                        .iter()
                        .map(|(_, c)| quote(c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        }
        TriggerExists {
            schema,
            table,
            name,
            exists,
        } => presence(snap.triggers.contains(&key3(schema, table, name)) == *exists),
        CommentEquals {
            schema,
            relation,
            column,
            comment,
        } => {
            let actual = snap
                .comments
                .get(&(schema.clone(), relation.clone(), column.clone()));
            let exists = match column {
                Some(c) => snap.columns.contains_key(&key3(schema, relation, c)),
                None => snap.relations.contains_key(&key2(schema, relation)),
            };
            presence(exists && actual == comment.as_ref())
        }
    }
}

/// One verdict for a statement from its expectations: Conflicting if any is, else Absent if any
/// is, else Present.
pub fn summarize(observations: &[Observed]) -> Observed {
    observations
        .iter()
        .find(|o| matches!(o, Observed::Conflicting { .. }))
        .or_else(|| observations.iter().find(|o| **o == Observed::Absent))
        .cloned()
        .unwrap_or(Observed::Present)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(formatted: &str, unmodified: &str, base_schema: &str, base_name: &str) -> TypeInfo {
        TypeInfo {
            formatted: formatted.into(),
            unmodified: unmodified.into(),
            base_schema: base_schema.into(),
            base_name: base_name.into(),
        }
    }

    #[test]
    fn builtin_types_compare_by_format_type() {
        let t = ty(
            "timestamp(3) without time zone",
            "timestamp without time zone",
            "pg_catalog",
            "timestamp",
        );
        assert!(type_matches("timestamp(3) without time zone", &t));
        assert!(!type_matches("timestamp(6) without time zone", &t));
        let arr = ty(
            "character varying(191)[]",
            "character varying[]",
            "pg_catalog",
            "varchar",
        );
        assert!(type_matches("character varying(191)[]", &arr));
        assert!(!type_matches("character varying(191)", &arr));
    }

    #[test]
    fn user_types_compare_by_name_modifiers_and_arrayness() {
        // format_type qualifies a type that is not on the search_path: the name still matches.
        let role = ty("auth.\"Role\"[]", "auth.\"Role\"[]", "auth", "Role");
        assert!(type_matches("\"Role\"[]", &role));
        assert!(type_matches("\"auth\".\"Role\"[]", &role));
        assert!(!type_matches("\"public\".\"Role\"[]", &role));
        assert!(!type_matches("\"Role\"", &role));
        assert!(!type_matches("\"role\"[]", &role));
        let vector = ty("vector(1536)", "vector", "public", "vector");
        assert!(type_matches("\"vector\"(1536)", &vector));
        assert!(!type_matches("\"vector\"(3)", &vector));
        let geo = ty("geometry(Point,4326)", "geometry", "public", "geometry");
        assert!(type_matches("\"geometry\"(POINT,4326)", &geo));
    }

    #[test]
    fn statement_summary() {
        let c = Observed::Conflicting { detail: "x".into() };
        assert_eq!(summarize(&[]), Observed::Present);
        assert_eq!(
            summarize(&[Observed::Present, Observed::Absent]),
            Observed::Absent
        );
        assert_eq!(
            summarize(&[Observed::Absent, c.clone(), Observed::Present]),
            c
        );
    }
}
