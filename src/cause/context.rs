//! What the cause stage needs to know beyond the logs and the script: the server (its version,
//! whether it is CockroachDB), the URL (a pooler, a known provider), the live catalog (extensions
//! and where they are installed, objects that depend on a column the script changes, owners), and
//! the earlier attempts of the same migration in the ledger.
//!
//! [`gather`] reads the catalog once per diagnosis, with a few read-only queries scoped to what
//! the failed migrations' errors name; a query that fails (an old server, CockroachDB without some
//! catalog view) leaves its part unknown, it never fails the diagnosis.

use tokio_postgres::types::Type;
use tokio_postgres::Client;

use super::logs::{extract_database_error, extract_detail, extract_sqlstate, infer_sqlstate};
use super::script::analyze_script;
use super::text::{contains_ci, find_ci, first_quoted, quoted_after};

/// An installed extension and the schema holding its objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledExtension {
    pub name: String,
    pub schema: String,
    pub version: String,
}

/// An object that depends on a column a migration alters or drops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependant {
    /// `view`, `materialized view` or `index`.
    pub kind: String,
    pub schema: String,
    pub name: String,
    /// 1: depends on the column itself; 2: on a depth-1 dependant; ...
    pub depth: i32,
    /// `pg_get_viewdef` / `pg_get_indexdef`: what re-creates it.
    pub definition: String,
    /// The column (`table.column`) it depends on.
    pub on_column: String,
}

/// A type or function found in a schema by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedObject {
    /// `type` or `function`.
    pub kind: String,
    pub name: String,
    pub schema: String,
}

/// Who owns an object named by `must be owner of ...`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owner {
    pub kind: String,
    pub name: String,
    pub owner: String,
}

/// The owner of a schema and whether the current role may create in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaPrivilege {
    pub schema: String,
    pub owner: String,
    pub can_create: bool,
}

/// An earlier ledger row of the same migration (rolled back or failed before this one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierAttempt {
    pub row_id: String,
    pub started_at: String,
    pub rolled_back: bool,
    /// Its database message, when its logs carry one.
    pub message: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CauseContext {
    /// Major PostgreSQL version of the server diagnosed (`server_version_num`).
    pub server_major: Option<u32>,
    /// `version()` (or `server_version` when that is all there is).
    pub server_version: Option<String>,
    /// The server is CockroachDB (from `version()`).
    pub cockroach: bool,
    pub current_user: Option<String>,
    /// The schema the session's search_path is set to (`?schema=`, default public).
    pub schema: String,
    /// The URL's host (never the password) and port.
    pub host: Option<String>,
    pub port: Option<u16>,
    /// Why the URL looks like a transaction-mode pooler, when it does.
    pub pooler: Option<String>,
    /// Installed extensions; `None`: not read.
    pub extensions: Option<Vec<InstalledExtension>>,
    /// Extensions the server can install; `None`: not read.
    pub available_extensions: Option<Vec<String>>,
    /// Types and functions named by errors, wherever they exist.
    pub named: Vec<NamedObject>,
    /// Objects depending on the columns the failed scripts alter or drop.
    pub dependants: Vec<Dependant>,
    pub owners: Vec<Owner>,
    pub schema_privileges: Vec<SchemaPrivilege>,
}

impl CauseContext {
    /// The hosted provider the URL points at, when its host name says so.
    pub fn provider(&self) -> Option<&'static str> {
        let host = self.host.as_deref()?.to_ascii_lowercase();
        let has = |s: &str| host.contains(s);
        Some(if has("supabase.co") || has("supabase.com") {
            "Supabase"
        } else if has("neon.tech") {
            "Neon"
        } else if has("render.com") {
            "Render"
        } else if has("rlwy.net") || has("railway") {
            "Railway"
        } else if has("rds.amazonaws.com") {
            "AWS RDS"
        } else if has("cockroachlabs.cloud") {
            "CockroachDB Cloud"
        } else if has("db.prisma.io") || has("prisma-data.net") {
            "Prisma Postgres"
        } else if has("ondigitalocean.com") {
            "DigitalOcean"
        } else {
            return None;
        })
    }

    /// The extension `name` as installed, when it is.
    pub fn installed(&self, name: &str) -> Option<&InstalledExtension> {
        self.extensions
            .as_ref()?
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
    }

    /// `Some(false)` when the server's list of installable extensions was read and lacks `name`.
    pub fn available(&self, name: &str) -> Option<bool> {
        let list = self.available_extensions.as_ref()?;
        Some(list.iter().any(|e| e.eq_ignore_ascii_case(name)))
    }

    /// Schemas the session resolves unqualified names in (Prisma sets `search_path` to `?schema=`).
    pub fn on_search_path(&self, schema: &str) -> bool {
        schema == self.schema || schema == "pg_catalog"
    }
}

/// The URL and server facts known before any catalog read.
pub struct Connection<'a> {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub schema: &'a str,
    pub pooler: Option<String>,
    /// `SHOW server_version` as read when connecting.
    pub server_version: &'a str,
}

/// One failed migration's logs and script.
pub struct Failure<'a> {
    pub logs: &'a str,
    pub script: Option<&'a str>,
}

/// The table (possibly schema-qualified) and column a lookup is about.
struct ColumnLookup {
    schema: String,
    table: String,
    column: String,
}

/// Reads what the failures' errors need from the live catalog. Read-only; errors leave parts unknown.
pub async fn gather(
    client: &Client,
    conn: Connection<'_>,
    failures: &[Failure<'_>],
) -> CauseContext {
    let mut ctx = CauseContext {
        schema: conn.schema.to_string(),
        host: conn.host,
        port: conn.port,
        pooler: conn.pooler,
        server_version: (!conn.server_version.is_empty()).then(|| conn.server_version.to_string()),
        server_major: super::knowledge::major_version(conn.server_version),
        ..Default::default()
    };
    if failures.is_empty() {
        return ctx;
    }
    if let Ok(rows) = client
        .simple_query("SELECT current_setting('server_version_num', true), version(), current_user")
        .await
    {
        for m in rows {
            if let tokio_postgres::SimpleQueryMessage::Row(r) = m {
                if let Some(major) = r.get(0).and_then(super::knowledge::major_version) {
                    ctx.server_major = Some(major);
                }
                if let Some(v) = r.get(1) {
                    ctx.cockroach = contains_ci(v, "CockroachDB");
                    ctx.server_version = Some(v.to_string());
                }
                ctx.current_user = r.get(2).map(str::to_string);
            }
        }
    }

    let mut want_extensions = false;
    let mut names: Vec<(&'static str, String)> = Vec::new();
    let mut columns: Vec<ColumnLookup> = Vec::new();
    let mut owned: Vec<(String, String)> = Vec::new();
    let mut schemas: Vec<String> = Vec::new();
    for f in failures {
        let msg = extract_database_error(f.logs).unwrap_or_default();
        let detail = extract_detail(f.logs).unwrap_or_default();
        let ss = extract_sqlstate(f.logs).or_else(|| infer_sqlstate(&msg).map(str::to_string));
        let ss = ss.as_deref().unwrap_or("");
        if contains_ci(&msg, "does not exist") || contains_ci(&msg, "extension") || ss == "58P01" {
            want_extensions = true;
            if let Some(t) = quoted_after(&msg, "type ") {
                names.push(("type", t));
            }
            if let Some(r) = msg.strip_prefix("function ") {
                if let Some(n) = r.split('(').next() {
                    names.push(("function", n.trim().to_string()));
                }
            }
        }
        let dependency_error = ss == "2BP01"
            || (ss == "0A000" && contains_ci(&msg, "cannot alter type of a column"))
            || (ss == "42883" && contains_ci(&msg, "operator does not exist"));
        if dependency_error {
            if let Some(script) = f.script {
                let facts = analyze_script(script);
                for c in facts.retyped.iter().chain(facts.dropped_columns.iter()) {
                    let (schema, table) = split_table(&c.table, conn.schema);
                    columns.push(ColumnLookup {
                        schema,
                        table,
                        column: c.column.clone(),
                    });
                }
            }
            // cannot drop column c of table t because other objects depend on it
            if let Some(i) = find_ci(&msg, "cannot drop column ") {
                let rest = &msg[i + "cannot drop column ".len()..];
                let mut words = rest.split_whitespace();
                if let (Some(c), Some("of"), Some("table"), Some(t)) =
                    (words.next(), words.next(), words.next(), words.next())
                {
                    let c = c.trim_matches('"').to_string();
                    let t: Vec<String> = t
                        .trim_matches('"')
                        .split('.')
                        .map(|s| s.trim_matches('"').to_string())
                        .collect();
                    let (schema, table) = split_table(&t, conn.schema);
                    columns.push(ColumnLookup {
                        schema,
                        table,
                        column: c,
                    });
                }
            }
            let _ = &detail;
        }
        if let Some(i) = find_ci(&msg, "must be owner of ") {
            let rest = msg[i + "must be owner of ".len()..].trim();
            let (kind, name) = owner_target(rest);
            owned.push((kind, name));
        }
        if let Some(s) = quoted_after(&msg, "permission denied for schema ").or_else(|| {
            find_ci(&msg, "permission denied for schema ").map(|i| {
                msg[i + "permission denied for schema ".len()..]
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
        }) {
            if !s.is_empty() {
                schemas.push(s);
            }
        }
    }

    if want_extensions {
        if let Ok(rows) = client
            .simple_query(
                "SELECT e.extname, n.nspname, e.extversion FROM pg_extension e \
                 JOIN pg_namespace n ON n.oid = e.extnamespace ORDER BY 1",
            )
            .await
        {
            ctx.extensions = Some(
                rows.iter()
                    .filter_map(|m| match m {
                        tokio_postgres::SimpleQueryMessage::Row(r) => Some(InstalledExtension {
                            name: r.get(0)?.to_string(),
                            schema: r.get(1)?.to_string(),
                            version: r.get(2).unwrap_or("").to_string(),
                        }),
                        _ => None,
                    })
                    .collect(),
            );
        }
        if let Ok(rows) = client
            .simple_query("SELECT name FROM pg_available_extensions ORDER BY 1")
            .await
        {
            let list: Vec<String> = rows
                .iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
                    _ => None,
                })
                .collect();
            // CockroachDB and some proxies answer with an empty list: that proves nothing.
            if !list.is_empty() {
                ctx.available_extensions = Some(list);
            }
        }
    }
    for (kind, name) in names {
        let bare = name.rsplit('.').next().unwrap_or(&name).to_string();
        let lookup = if kind == "type" {
            "SELECT n.nspname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE t.typname = $1 ORDER BY 1"
        } else {
            "SELECT DISTINCT n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE p.proname = $1 ORDER BY 1"
        };
        if let Ok(rows) = client.query_typed(lookup, &[(&bare, Type::TEXT)]).await {
            for r in rows {
                if let Ok(schema) = r.try_get::<_, String>(0) {
                    ctx.named.push(NamedObject {
                        kind: kind.to_string(),
                        name: bare.clone(),
                        schema,
                    });
                }
            }
        }
    }
    for c in &columns {
        if let Ok(rows) = client
            .query_typed(
                DEPENDANTS,
                &[
                    (&c.schema, Type::TEXT),
                    (&c.table, Type::TEXT),
                    (&c.column, Type::TEXT),
                ],
            )
            .await
        {
            for r in rows {
                let get = |i: usize| r.try_get::<_, String>(i).unwrap_or_default();
                let kind = match get(2).as_str() {
                    "v" => "view",
                    "m" => "materialized view",
                    "i" => "index",
                    _ => "relation",
                }
                .to_string();
                let d = Dependant {
                    kind,
                    schema: get(0),
                    name: get(1),
                    depth: r.try_get::<_, i32>(3).unwrap_or(1),
                    definition: get(4),
                    on_column: format!("{}.{}", c.table, c.column),
                };
                if !ctx
                    .dependants
                    .iter()
                    .any(|x| x.schema == d.schema && x.name == d.name)
                {
                    ctx.dependants.push(d);
                }
            }
        }
    }
    for (kind, name) in owned {
        let parts: Vec<&str> = name.split('.').collect();
        let (schema, bare) = match parts.as_slice() {
            [s, n] => (s.to_string(), n.to_string()),
            _ => (conn.schema.to_string(), name.clone()),
        };
        let sql = match kind.as_str() {
            "schema" => "SELECT pg_get_userbyid(nspowner)::text FROM pg_namespace WHERE nspname = $2 AND $1 = $1",
            "type" => {
                "SELECT pg_get_userbyid(t.typowner)::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                 WHERE n.nspname = $1 AND t.typname = $2"
            }
            "extension" => "SELECT pg_get_userbyid(extowner)::text FROM pg_extension WHERE extname = $2 AND $1 = $1",
            "function" | "procedure" => {
                "SELECT pg_get_userbyid(p.proowner)::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
                 WHERE n.nspname = $1 AND p.proname = $2 LIMIT 1"
            }
            "database" => "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = $2 AND $1 = $1",
            _ => {
                "SELECT pg_get_userbyid(c.relowner)::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = $1 AND c.relname = $2"
            }
        };
        if let Ok(rows) = client
            .query_typed(sql, &[(&schema, Type::TEXT), (&bare, Type::TEXT)])
            .await
        {
            if let Some(owner) = rows.first().and_then(|r| r.try_get::<_, String>(0).ok()) {
                ctx.owners.push(Owner {
                    kind: kind.clone(),
                    name: name.clone(),
                    owner,
                });
            }
        }
    }
    for s in schemas {
        if let Ok(rows) = client
            .query_typed(
                "SELECT pg_get_userbyid(n.nspowner)::text, has_schema_privilege(n.oid, 'CREATE') \
                 FROM pg_namespace n WHERE n.nspname = $1",
                &[(&s, Type::TEXT)],
            )
            .await
        {
            if let Some(r) = rows.first() {
                ctx.schema_privileges.push(SchemaPrivilege {
                    schema: s.clone(),
                    owner: r.try_get::<_, String>(0).unwrap_or_default(),
                    can_create: r.try_get::<_, bool>(1).unwrap_or(false),
                });
            }
        }
    }
    ctx
}

/// `["public","Task"]` -> ("public", "Task"); `["Task"]` -> (session schema, "Task").
fn split_table(parts: &[String], default_schema: &str) -> (String, String) {
    match parts {
        [s, t] => (s.clone(), t.clone()),
        [.., t] => (default_schema.to_string(), t.clone()),
        [] => (default_schema.to_string(), String::new()),
    }
}

/// `table event` -> ("table", "event"); `materialized view m` -> ("materialized view", "m");
/// `relation "x"` -> ("relation", "x").
pub(super) fn owner_target(rest: &str) -> (String, String) {
    let rest = rest.trim().trim_end_matches('.');
    for kind in [
        "materialized view",
        "foreign table",
        "table",
        "relation",
        "view",
        "index",
        "sequence",
        "type",
        "schema",
        "extension",
        "function",
        "procedure",
        "database",
    ] {
        if rest.len() > kind.len()
            && rest[..kind.len()].eq_ignore_ascii_case(kind)
            && rest.as_bytes()[kind.len()] == b' '
        {
            let name = rest[kind.len() + 1..].trim();
            let name = first_quoted(name)
                .unwrap_or_else(|| name.split('(').next().unwrap_or(name).trim().to_string());
            return (kind.to_string(), name);
        }
    }
    (String::from("relation"), rest.to_string())
}

/// Views and materialized views built on a column (and views built on those, any depth), and
/// partial or expression indexes whose predicate or expression uses it.
const DEPENDANTS: &str = "
WITH RECURSIVE col AS (
    SELECT c.oid AS relid, a.attnum
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND NOT a.attisdropped
     WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3
), deps(oid, depth, path) AS (
    SELECT r.ev_class, 1, ARRAY[r.ev_class]
      FROM pg_depend d
      JOIN pg_rewrite r ON r.oid = d.objid
      JOIN col ON d.refobjid = col.relid AND d.refobjsubid = col.attnum
     WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
       AND r.ev_class <> col.relid
    UNION ALL
    SELECT r.ev_class, deps.depth + 1, deps.path || r.ev_class
      FROM deps
      JOIN pg_depend d ON d.refobjid = deps.oid AND d.classid = 'pg_rewrite'::regclass
                      AND d.refclassid = 'pg_class'::regclass
      JOIN pg_rewrite r ON r.oid = d.objid
     WHERE r.ev_class <> deps.oid AND NOT r.ev_class = ANY(deps.path) AND deps.depth < 20
)
SELECT n.nspname::text, c.relname::text, c.relkind::text, max(deps.depth)::int4,
       pg_get_viewdef(c.oid, true)
  FROM deps JOIN pg_class c ON c.oid = deps.oid JOIN pg_namespace n ON n.oid = c.relnamespace
 GROUP BY n.nspname, c.relname, c.relkind, c.oid
UNION ALL
SELECT n.nspname::text, ic.relname::text, 'i', 1, pg_get_indexdef(i.indexrelid)
  FROM col
  JOIN pg_index i ON i.indrelid = col.relid
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = ic.relnamespace
 WHERE (i.indpred IS NOT NULL OR i.indexprs IS NOT NULL)
   AND EXISTS (SELECT 1 FROM pg_depend d
                WHERE d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid
                  AND d.refobjid = col.relid AND d.refobjsubid = col.attnum)
 ORDER BY 4 DESC, 1, 2";

/// The earlier ledger rows of the same migration as `current` (`(id, started_at, rolled_back, logs)`).
pub fn earlier_attempts<'a>(
    current_id: &str,
    current_started: &str,
    same_name: impl Iterator<Item = (&'a str, String, bool, Option<&'a str>)>,
) -> Vec<EarlierAttempt> {
    same_name
        .filter(|(id, started, _, _)| *id != current_id && started.as_str() <= current_started)
        .map(|(id, started, rolled_back, logs)| EarlierAttempt {
            row_id: id.to_string(),
            started_at: started,
            rolled_back,
            message: logs.and_then(extract_database_error),
        })
        .collect()
}
