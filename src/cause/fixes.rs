//! The words of each cause: title, explanation (one paragraph) and the numbered fix.

use super::context::{CauseContext, Dependant};
use super::rules::Specifics;
use super::script::{render_name, NotNullDef, ScriptFacts, UniqueDef};
use super::text::{contains_ci, qi};
use super::{CauseCode, LogShape};

pub(super) struct Ctx<'a> {
    pub(super) name: &'a str,
    pub(super) msg: &'a str,
    pub(super) sqlstate: Option<&'a str>,
    pub(super) sqlstate_found: bool,
    pub(super) detail: Option<&'a str>,
    pub(super) facts: &'a ScriptFacts,
    pub(super) shape: LogShape,
    pub(super) object: Option<&'a str>,
    pub(super) unique: Option<&'a UniqueDef>,
    pub(super) not_null: Option<&'a NotNullDef>,
    pub(super) foreign_lock: Option<&'a str>,
    pub(super) context: &'a CauseContext,
    pub(super) specifics: &'a Specifics,
}

impl Ctx<'_> {
    fn file(&self) -> String {
        format!("prisma/migrations/{}/migration.sql", self.name)
    }
    fn rolled_back(&self) -> String {
        format!("npx prisma migrate resolve --rolled-back {}", self.name)
    }
    fn error_quote(&self) -> String {
        if self.msg.is_empty() {
            String::from("The logs carry no database message.")
        } else {
            let code = self
                .sqlstate
                .map(|s| {
                    if self.sqlstate_found {
                        format!(" (SQLSTATE {s})")
                    } else {
                        format!(" (SQLSTATE {s}, inferred from the message)")
                    }
                })
                .unwrap_or_default();
            format!(
                "The database reported: {}{}.",
                self.msg.trim_end_matches([' ', ':', '.']),
                code
            )
        }
    }
    fn redeploy(&self) -> String {
        format!("`{}`, then `npx prisma migrate deploy`", self.rolled_back())
    }
    /// The role migrations connect as, when the session knows it.
    fn role(&self) -> String {
        self.context
            .current_user
            .as_deref()
            .map(qi)
            .unwrap_or_else(|| "<migration role>".to_string())
    }
    /// " on Supabase" / "" from the URL.
    fn provider_note(&self) -> String {
        self.context
            .provider()
            .map(|p| format!(" (the URL points at {p})"))
            .unwrap_or_default()
    }
}

/// `"schema"."name"`, or `"name"` in the session's schema.
fn qualified(schema: &str, name: &str, session: &str) -> String {
    if schema == session {
        qi(name)
    } else {
        format!("{}.{}", qi(schema), qi(name))
    }
}

/// The DROP before and the CREATE after the statement that changes the column: dependants
/// deepest first, re-created in the reverse order, from their live definitions.
fn drop_and_recreate(deps: &[Dependant], session: &str) -> (String, String) {
    let mut order: Vec<&Dependant> = deps.iter().collect();
    order.sort_by(|a, b| b.depth.cmp(&a.depth).then(a.name.cmp(&b.name)));
    let drops: Vec<String> = order
        .iter()
        .map(|d| {
            let n = qualified(&d.schema, &d.name, session);
            match d.kind.as_str() {
                "materialized view" => format!("DROP MATERIALIZED VIEW {n};"),
                "index" => format!("DROP INDEX {n};"),
                _ => format!("DROP VIEW {n};"),
            }
        })
        .collect();
    let creates: Vec<String> = order
        .iter()
        .rev()
        .map(|d| {
            let n = qualified(&d.schema, &d.name, session);
            // pg_get_viewdef is pretty-printed over lines: one line per statement in the fix.
            let def = d
                .definition
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let def = def.trim_end_matches(';');
            match d.kind.as_str() {
                "materialized view" => format!("CREATE MATERIALIZED VIEW {n} AS {def};"),
                "index" => format!("{def};"),
                _ => format!("CREATE VIEW {n} AS {def};"),
            }
        })
        .collect();
    (drops.join(" "), creates.join("\n     "))
}

fn version_alternative(feature: &str) -> &'static str {
    if feature.starts_with("ALTER TYPE") {
        "put each `ALTER TYPE ... ADD VALUE` in a migration of its own (a migration.sql with only that statement runs outside a transaction block), in a folder that sorts before the migrations that use the new value"
    } else if feature == "NULLS NOT DISTINCT" {
        "replace the constraint with a unique index over `COALESCE(column, <value that never occurs>)`, or partial unique indexes (`WHERE column IS NULL` / `IS NOT NULL`)"
    } else if feature == "MERGE" {
        "use `INSERT ... ON CONFLICT ... DO UPDATE` or `UPDATE ... FROM`"
    } else if feature == "CREATE OR REPLACE TRIGGER" {
        "use `DROP TRIGGER IF EXISTS ...;` followed by `CREATE TRIGGER ...`"
    } else if feature.starts_with("uuidv7") || feature.starts_with("uuidv4") {
        "let Prisma generate the id (`@default(uuid(7))`), or use an extension such as pg_uuidv7"
    } else {
        "rewrite the statement with what the server has"
    }
}

pub(super) fn texts(code: CauseCode, c: &Ctx) -> (String, String, String) {
    let obj = c.object.unwrap_or("");
    let name = c.name;
    let file = c.file();
    let eq = c.error_quote();
    match code {
        CauseCode::ForeignDialect => {
            let markers = if c.facts.foreign.is_empty() {
                String::new()
            } else {
                format!(" The script contains {}.", c.facts.foreign.join(", "))
            };
            let lock = c
                .foreign_lock
                .map(|p| format!(" migration_lock.toml says provider = \"{p}\": the migration history was generated for another database."))
                .unwrap_or_default();
            (
                "Migration SQL was written for another database (SQLite/MySQL), not PostgreSQL".into(),
                format!("{eq} The migration `{name}` uses another database's SQL dialect, typically because the migrations were generated while the datasource provider was sqlite or mysql and the project later switched to postgresql.{markers}{lock} PostgreSQL will reject this script on every attempt."),
                format!(
                    "1. Rewrite {file} for PostgreSQL (DATETIME -> TIMESTAMP(3), INTEGER PRIMARY KEY AUTOINCREMENT -> SERIAL PRIMARY KEY, AUTO_INCREMENT -> SERIAL / GENERATED BY DEFAULT AS IDENTITY, TINYINT(1) -> BOOLEAN, LONGTEXT -> TEXT, backticks -> double quotes, drop PRAGMA / ENGINE=... / CHARACTER SET clauses), or regenerate it: `npx prisma migrate diff --from-empty --to-schema-datamodel prisma/schema.prisma --script > {file}` (use --from-migrations/--shadow-database-url instead of --from-empty when earlier migrations exist; Prisma 7: `--to-schema prisma/schema.prisma`).\n2. If the whole history was generated for another provider, set `provider = \"postgresql\"` in prisma/migrations/migration_lock.toml and recreate the history for PostgreSQL (move prisma/migrations away, `npx prisma migrate dev --name init` against a development database, then baseline production with `npx prisma migrate resolve --applied <new init migration>` only for objects that already exist).\n3. {}.",
                    c.redeploy()
                ),
            )
        }
        CauseCode::ObjectAlreadyExists => (
            format!("Object already exists{}", if obj.is_empty() { String::new() } else { format!(": {obj}") }),
            format!("{eq} The migration `{name}` creates something the database already has: usually the schema was changed outside Migrate (`prisma db push`, a manual change, another branch's migration, or a restored dump) or the migration ran partly before."),
            format!(
                "1. Compare the database with the migration: `npx prisma migrate diff --from-url \"$DATABASE_URL\" --to-migrations prisma/migrations --script` (Prisma 7: `--from-config-datasource`), and inspect {} in psql (`\\d`).\n2. If EVERY object the migration creates already exists with exactly the shape the script defines, record it as applied: `npx prisma migrate resolve --applied {name}`.\n3. Otherwise make the script match reality (drop the statements for objects that exist, or use CREATE ... IF NOT EXISTS / ADD COLUMN IF NOT EXISTS), or drop the conflicting object if it holds nothing you need, then {}.",
                if obj.is_empty() { "the conflicting object".to_string() } else { qi(obj.split('.').next().unwrap_or(obj)) },
                c.redeploy()
            ),
        ),
        CauseCode::DuplicateRowsBlockUnique => {
            let u = c.unique.cloned().unwrap_or_default();
            let table = if u.table.is_empty() { "\"<table>\"".to_string() } else { render_name(&u.table) };
            let cols: Vec<String> = if u.columns.is_empty() { vec!["\"<column>\"".into()] } else { u.columns.iter().map(|s| qi(s)).collect() };
            let group: Vec<String> = (1..=cols.len()).map(|i| i.to_string()).collect();
            let query = format!("SELECT {}, count(*) FROM {table} GROUP BY {} HAVING count(*) > 1;", cols.join(", "), group.join(", "));
            let what = if u.primary { "primary key" } else { "unique index" };
            let detail = c.detail.map(|d| format!(" First duplicate: {d}")).unwrap_or_default();
            (
                format!("Existing duplicate rows block the {what}{}", if obj.is_empty() { String::new() } else { format!(" {obj}") }),
                format!("{eq} The migration `{name}` adds a {what} ({} on {table} ({})), but rows already in the table share the same value(s), so PostgreSQL cannot build it. This is usually a schema change that made a field `@unique` (or `@@unique`/`@id`) after duplicates were written.{detail}", if obj.is_empty() { "unnamed" } else { obj }, cols.join(", ")),
                format!(
                    "1. List the duplicates: `{query}`\n2. Resolve them: delete or merge the duplicate rows, or change the values so they are unique (or drop the uniqueness from schema.prisma and regenerate the migration).\n3. {}.",
                    c.redeploy()
                ),
            )
        }
        CauseCode::NotNullWithoutDefault => {
            let (table, col, add) = match c.not_null {
                Some(n) => (render_name(&n.table), qi(&n.column), n.add_column),
                None => ("\"<table>\"".into(), "\"<column>\"".into(), true),
            };
            let how = if add { "adds a required (NOT NULL) column without a default" } else { "makes a column required (SET NOT NULL)" };
            (
                format!("Required column without default over existing rows{}", if obj.is_empty() { String::new() } else { format!(": {obj}") }),
                format!("{eq} The migration `{name}` {how} to a table that already has rows; those rows have no value for it, so PostgreSQL rejects the NOT NULL constraint. This is Prisma's \"Added the required column ... without a default value\" case."),
                format!(
                    "1. Edit {file}: either give the column a default in schema.prisma (`@default(...)`) and regenerate, or split it: `ALTER TABLE {table} ADD COLUMN {col} <type>;` (nullable), `UPDATE {table} SET {col} = <value> WHERE {col} IS NULL;` (backfill), then `ALTER TABLE {table} ALTER COLUMN {col} SET NOT NULL;`. Find the rows concerned with `SELECT count(*) FROM {table} WHERE {col} IS NULL;`{}.\n2. {}.",
                    if add { " (after the column exists)" } else { "" },
                    c.redeploy()
                ),
            )
        }
        CauseCode::ForeignKeyViolation => {
            let detail = c.detail.map(|d| format!(" {d}")).unwrap_or_default();
            (
                format!("Foreign key violated by existing rows{}", if obj.is_empty() { String::new() } else { format!(": {obj}") }),
                format!("{eq} The migration `{name}` adds (or writes under) a foreign key{} but existing rows reference rows that do not exist (orphans).{detail}", if obj.is_empty() { String::new() } else { format!(" {obj}") }),
                format!(
                    "1. Find the orphans: `SELECT c.* FROM \"<child table>\" c LEFT JOIN \"<parent table>\" p ON p.\"<key>\" = c.\"<fk column>\" WHERE c.\"<fk column>\" IS NOT NULL AND p.\"<key>\" IS NULL;` (tables and columns as in the ADD CONSTRAINT ... FOREIGN KEY statement of {file}).\n2. Delete them, set the column to NULL, or insert the missing parent rows.\n3. {}.",
                    c.redeploy()
                ),
            )
        }
        CauseCode::CheckViolation => (
            format!("Check constraint violated by existing rows{}", if obj.is_empty() { String::new() } else { format!(": {obj}") }),
            format!("{eq} The migration `{name}` adds a CHECK (or exclusion) constraint that rows already in the table do not satisfy."),
            format!(
                "1. Find the rows: `SELECT * FROM \"<table>\" WHERE NOT (<check expression>);` (expression as in {file}).\n2. Fix or delete them, or add the constraint `NOT VALID` and validate later.\n3. {}.",
                c.redeploy()
            ),
        ),
        CauseCode::InsufficientPrivilege => {
            let schema_create = contains_ci(c.msg, "permission denied for schema");
            let pg15 = if schema_create {
                let server = c.context.server_major.map(|v| format!(" (this server is PostgreSQL {v})")).unwrap_or_default();
                let owner = c
                    .specifics
                    .schema_privilege
                    .as_ref()
                    .map(|p| format!(" Schema \"{}\" is owned by {}, and the role used here {} create in it.", p.schema, qi(&p.owner), if p.can_create { "may now" } else { "may not" }))
                    .unwrap_or_default();
                format!(" Since PostgreSQL 15 the CREATE privilege on schema public is no longer granted to every role: only the database owner and roles granted CREATE may create tables there{server}.{owner}")
            } else {
                String::new()
            };
            (
                "The database user lacks a privilege the migration needs".into(),
                format!("{eq} The role Prisma connects with may not create or alter this object (schema CREATE privilege, table ownership, CREATE EXTENSION, ...). Managed platforms often hand out a restricted application role.{pg15}"),
                format!(
                    "1. Grant what is missing as the schema's owner or a superuser, e.g. `GRANT USAGE, CREATE ON SCHEMA public TO {role};`, or make the role the database owner (`ALTER DATABASE <database> OWNER TO {role};`, which on PostgreSQL 15+ also covers schema public), or run migrations as the owner role: point `directUrl` (Prisma 5/6) or the migrate datasource URL (Prisma 7) at it.\n2. {}.",
                    c.redeploy(),
                    role = c.role()
                ),
            )
        }
        CauseCode::LockTimeout => (
            "Timed out waiting for a lock (transient)".into(),
            format!("{eq} Another session held a lock on a table the migration alters (typically a long transaction or the running application), and the migration gave up waiting. Retrying when the table is quiet is expected to work."),
            format!(
                "1. Look for blockers: `SELECT pid, state, xact_start, query FROM pg_stat_activity WHERE state <> 'idle' ORDER BY xact_start;`\n2. {} at a quieter time (stop workers/cron jobs first, or raise lock_timeout for the migration role: `ALTER ROLE <role> SET lock_timeout = '30s';`).",
                c.redeploy()
            ),
        ),
        CauseCode::StatementTimeout => (
            "Statement timed out (transient)".into(),
            format!("{eq} A statement of the migration ran longer than statement_timeout (or was cancelled), e.g. an index build or table rewrite on a large table. The same statement can succeed with more time."),
            format!(
                "1. Raise the limit for the migration: `ALTER ROLE <role> SET statement_timeout = 0;` (or add `SET statement_timeout = 0;` at the top of {file}), or run the migration through a direct (non-pooled) connection without the platform's limit.\n2. {}.",
                c.redeploy()
            ),
        ),
        CauseCode::Deadlock => (
            "Deadlock with another session (transient)".into(),
            format!("{eq} The migration and another session locked the same rows/tables in opposite order and PostgreSQL aborted the migration to break the cycle.{} Retrying when the application is quiet is expected to work.", if c.sqlstate.is_none() { " (quaint's `Transaction write conflict` stands for 40P01 deadlock or 40001 serialization failure; a migration runs at READ COMMITTED, where it is a deadlock.)" } else { "" }),
            format!("1. {} while the application is idle (scale workers down or deploy during low traffic).", c.redeploy()),
        ),
        CauseCode::SerializationFailure => (
            "Serialization failure (transient)".into(),
            format!("{eq} A concurrent transaction changed data the migration read under REPEATABLE READ/SERIALIZABLE isolation. Retrying is expected to work."),
            format!("1. {} (at a quieter time if it repeats).", c.redeploy()),
        ),
        CauseCode::ConnectionLost => (
            "Connection lost during the migration (transient)".into(),
            format!("{eq} The connection to PostgreSQL was closed while the migration ran (server restart or failover, an administrator or pooler terminating the session, a network drop, or too many connections). The script itself may be fine."),
            format!(
                "1. Make sure the server is up and migrations use a direct connection (not a transaction-mode pooler such as PgBouncer / Supabase port 6543 / Neon -pooler: set `directUrl`).\n2. {}.",
                c.redeploy()
            ),
        ),
        CauseCode::ConcurrentlyInTransaction => (
            "Statement cannot run inside a transaction block".into(),
            format!("{eq} The migration `{name}` contains a statement that PostgreSQL refuses inside a transaction (CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, VACUUM, ...). Prisma runs a migration as one transaction (the native engine sends the whole script as one implicit transaction), so such a statement fails unless it is alone."),
            format!(
                "1. Move the CONCURRENTLY statement into its own migration (a new folder under prisma/migrations containing only that one statement, no BEGIN/COMMIT), or drop CONCURRENTLY from {file}.\n2. {}.",
                c.redeploy()
            ),
        ),
        CauseCode::EnumValueUsedInSameTransaction => (
            "New enum value used in the same transaction that adds it".into(),
            format!("{eq} `ALTER TYPE ... ADD VALUE` and a statement using the new value{} are in the same migration; PostgreSQL only allows a new enum value to be used after the transaction that added it commits, and Prisma runs a migration as one transaction.", if obj.is_empty() { String::new() } else { format!(" of enum {obj}") }),
            format!(
                "1. Split {file}: put `ALTER TYPE ... ADD VALUE` in its own migration (a folder that sorts before this one), and keep the statements that use the value here.\n2. {}.",
                c.redeploy()
            ),
        ),
        CauseCode::UndefinedObject => {
            let ext = contains_ci(c.msg, "uuid_generate_v")
                || contains_ci(c.msg, "gen_random_uuid")
                || contains_ci(c.msg, "extension")
                || contains_ci(c.msg, "citext")
                || contains_ci(c.msg, "postgis")
                || contains_ci(c.msg, "vector");
            let hint = if ext {
                "create the extension first (`CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";` at the top of the migration, or `extensions = [...]` with the postgresqlExtensions preview feature), or use gen_random_uuid() (built in since PostgreSQL 13)"
            } else if contains_ci(c.msg, "schema") {
                "create the schema first (`CREATE SCHEMA IF NOT EXISTS ...;`) or list it in the datasource's `schemas`"
            } else {
                "an earlier migration that creates it was not applied here (check `npx prisma migrate status`), the object was dropped or renamed outside Migrate, or the name's case differs (unquoted names are folded to lower case)"
            };
            (
                format!("Referenced object does not exist{}", if obj.is_empty() { String::new() } else { format!(": {obj}") }),
                format!(
                    "{eq} The migration `{name}` refers to a table, column, type, function or schema the database does not have.{}",
                    if c.specifics.named_elsewhere.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " An object of that name exists in schema {}, which is not on the search_path the migration runs with (\"{}\"): qualify the name in the script.",
                            c.specifics.named_elsewhere.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", "),
                            c.context.schema
                        )
                    }
                ),
                format!(
                    "1. Find out why it is missing: {hint}.\n2. Fix {file} (or create the missing object in an earlier migration).\n3. {}.",
                    c.redeploy()
                ),
            )
        }
        CauseCode::DependentObjects => {
            let deps = &c.specifics.dependants;
            if deps.is_empty() {
                (
                    format!("Other objects depend on {}", if obj.is_empty() { "the object being changed" } else { obj }),
                    format!("{eq} The migration `{name}` drops or changes an object that other objects (columns, views, rules, indexes, constraints, functions) still depend on.{} Views, rules and partial indexes made by hand are not in schema.prisma, so Prisma neither drops nor re-creates them.", c.detail.map(|d| format!(" {}.", d.trim_end_matches('.'))).unwrap_or_default()),
                    format!(
                        "1. In {file}, drop the dependants before the statement that changes the object and re-create them after it (the DETAIL line names them; `\\d+ <view>` in psql shows a view's definition), or use DROP ... CASCADE if losing them is intended.\n2. {}.",
                        c.redeploy()
                    ),
                )
            } else {
                let listed: Vec<String> = deps
                    .iter()
                    .map(|d| format!("{} {} (on {}{})", d.kind, qualified(&d.schema, &d.name, &c.context.schema), d.on_column, if d.depth > 1 { format!(", through {} level(s) of views", d.depth - 1) } else { String::new() }))
                    .collect();
                let (drops, creates) = drop_and_recreate(deps, &c.context.schema);
                (
                    format!("{} object(s) built on the changed column block the migration", deps.len()),
                    format!("{eq} The migration `{name}` changes or drops a column that these objects in the live database are built on: {}. PostgreSQL refuses to change a column under a view, rule or index predicate; Prisma does not know these objects (they are not in schema.prisma), so it neither drops nor re-creates them.", listed.join("; ")),
                    format!(
                        "1. In {file}, before the statement that changes the column, drop them, deepest first: `{drops}`\n2. After it, re-create them in the reverse order (definitions as the live catalog has them; adjust them to the new column type):\n     {creates}\n3. {}.",
                        c.redeploy()
                    ),
                )
            }
        }
        CauseCode::SyntaxError => {
            let split = contains_ci(c.msg, "dollar-quoted") && c.shape == LogShape::DriverAdapter;
            let extra = if split {
                " The driver-adapter engine splits scripts on `;`, which breaks `$$ ... $$` bodies (functions, DO blocks, triggers): the same script works with the native Prisma CLI."
            } else {
                ""
            };
            (
                "SQL syntax error in the migration".into(),
                format!("{eq} PostgreSQL cannot parse a statement of the migration `{name}` (often a hand-edited migration.sql).{extra}"),
                format!(
                    "1. Fix the statement in {file}{}; check it with `npx prisma db execute --file {file}` against a scratch database.\n2. {}.",
                    if split { " (or deploy this migration with the native Prisma CLI, which sends the script unsplit)" } else { "" },
                    c.redeploy()
                ),
            )
        }
        CauseCode::DataException => {
            let dup = c.sqlstate == Some("23505");
            let nn = c.sqlstate == Some("23502");
            let what = if dup {
                "The migration writes a row whose key already exists (a data conflict, not a schema problem)."
            } else if nn {
                "The migration writes a NULL into a NOT NULL column."
            } else if contains_ci(c.msg, "unknown variant") {
                "The driver adapter reported an error kind the schema engine does not understand (adapter/engine version skew), so the original PostgreSQL message was lost; the kind says what happened: a value could not be converted."
            } else {
                "A value in the table cannot be converted or computed as the migration asks (invalid input for the new type, value too long, out of range, division by zero, ...)."
            };
            (
                if dup { format!("Duplicate key written by the migration{}", if obj.is_empty() { String::new() } else { format!(" ({obj})") }) } else { "Data does not fit the migration".into() },
                format!("{eq} {what}"),
                format!(
                    "1. Find the offending rows (e.g. for a type change: `SELECT * FROM \"<table>\" WHERE \"<column>\" !~ '<pattern>'`; for a length change: `WHERE length(\"<column>\") > <n>`{}).\n2. Clean the data, or change {file} to convert it (ALTER COLUMN ... TYPE ... USING <expression>, INSERT ... ON CONFLICT DO NOTHING, ...).\n3. {}.",
                    if dup { "; for a duplicate key: look up the existing row with the key from the logs" } else { "" },
                    c.redeploy()
                ),
            )
        }
        CauseCode::DiskFull => (
            "Database server out of disk space".into(),
            format!("{eq} PostgreSQL could not write (disk full); the migration may succeed once space is available, but it will fail the same way until then."),
            format!("1. Free or add disk space on the database server (check `SELECT pg_size_pretty(pg_database_size(current_database()));`).\n2. {}.", c.redeploy()),
        ),
        CauseCode::Interrupted => (
            "The migration was interrupted before Prisma recorded an error".into(),
            format!("The failed row of `{name}` has no error text: Prisma writes one when a script fails, so the process running the migration stopped before it could (a deploy or pre-deploy timeout, an out-of-memory kill, a restart), or it is still running. When the connection dropped, PostgreSQL rolled back the statement that was running; whatever committed before stays: the evidence below says what is in the database.{}", c.context.pooler.as_ref().map(|r| format!(" The URL goes through a transaction-mode pooler ({r}): there Prisma can also lose the session between the script and the write that records its end, which leaves a row like this one.")).unwrap_or_default()),
            format!(
                "1. Make sure no deploy is running now (`prisma-migrate-doctor diagnose` reports a `deploy-in-progress` finding while another session holds Prisma's lock).\n2. {}.\n3. If the platform killed it for taking too long, raise its deploy timeout or run the migration outside the start command.",
                c.redeploy()
            ),
        ),
        CauseCode::ExtensionMissing => {
            let ext = c.specifics.extension.as_deref().unwrap_or("<extension>");
            let sp = c.specifics;
            let builtin = match (sp.feature.as_deref(), sp.version_needed) {
                (Some(f), Some(v)) => format!(
                    " {f} is built into PostgreSQL {v} and later; before {v} it comes from `{ext}`: the server that ran the migration was older than {v}{}.",
                    if sp.upgraded_since { format!(", and this server is PostgreSQL {} now (upgraded since), so the unchanged script runs here", sp.server_major.unwrap_or(v)) } else { String::new() }
                ),
                _ => String::new(),
            };
            let now = c
                .context
                .installed(ext)
                .map(|e| format!(" The extension is installed now (schema \"{}\"): it was created after the migration failed.", e.schema))
                .unwrap_or_default();
            (
                format!("Extension `{ext}` is not created in this database"),
                format!("{eq} The migration `{name}` uses {} from the PostgreSQL extension `{ext}`, which the database did not have when it ran: no earlier migration creates it (a fresh database, a shadow database or a new environment shows this first).{}{builtin}{now}", if obj.is_empty() { "a type or function".to_string() } else { format!("`{}`", c.specifics.named_object.as_deref().unwrap_or(obj)) }, c.provider_note()),
                format!(
                    "1. Create the extension before the statement that uses it: add `CREATE EXTENSION IF NOT EXISTS \"{ext}\";` at the top of {file} (or of an earlier migration), or declare it in schema.prisma (`previewFeatures = [\"postgresqlExtensions\"]` in the generator, `extensions = [{}]` in the datasource) and let `npx prisma migrate dev` generate it. Creating an extension needs a superuser or, on PostgreSQL 13+, a trusted extension and CREATE on the database; managed platforms enable extensions from their dashboard.{}\n2. {}.",
                    if ext.contains('-') { format!("{}(map: \"{ext}\")", ext.replace('-', "_")) } else { ext.to_string() },
                    match ext {
                        "pgcrypto" => " Or upgrade the server to PostgreSQL 13+, where gen_random_uuid() is built in.",
                        "uuid-ossp" => " Or replace uuid_generate_v4() with gen_random_uuid(), built in since PostgreSQL 13.",
                        _ => "",
                    },
                    c.redeploy()
                ),
            )
        }
        CauseCode::ExtensionUnavailable => {
            let ext = c.specifics.extension.as_deref().unwrap_or("<extension>");
            (
                format!("Extension `{ext}` is not available on this server"),
                format!("{eq} The server has no `{ext}` extension to install (its files are not on the database server: the provider does not offer it, or the package is not installed), so CREATE EXTENSION cannot succeed and no edit of the script makes it work on this server.{}", c.provider_note()),
                format!(
                    "1. Get a server that has it: install the package on a self-hosted server (e.g. `postgresql-<major>-pgvector`, `postgresql-<major>-postgis-3`), use an image that ships it (e.g. `pgvector/pgvector`, `postgis/postgis`), or a provider/plan that offers it; check with `SELECT name, default_version FROM pg_available_extensions WHERE name = '{ext}';`.\n2. Or drop the dependency on it from {file} and schema.prisma.\n3. {}.",
                    c.redeploy()
                ),
            )
        }
        CauseCode::ExtensionInOtherSchema => {
            let ext = c.specifics.extension.as_deref().unwrap_or("<extension>");
            let schema = c.specifics.extension_schema.as_deref().unwrap_or("extensions");
            let thing = c.specifics.named_object.as_deref().unwrap_or("the type or function");
            (
                format!("Extension `{ext}` is installed in schema \"{schema}\", outside the migration's search_path"),
                format!("{eq} The extension `{ext}` is installed in this database, in schema \"{schema}\", but Prisma runs migrations with search_path set to \"{}\" (the URL's ?schema=), so the unqualified {thing} is not found. Supabase installs extensions into `extensions`.{}", c.context.schema, c.provider_note()),
                format!(
                    "1. Qualify the names in {file} with the schema: e.g. `{}.{}`, and in schema.prisma `Unsupported(\"{schema}.{}\")` / `dbgenerated(\"{schema}.<function>()\")`; declare the extension with its schema (`extensions = [{}(schema: \"{schema}\")]` with the postgresqlExtensions preview feature) so Prisma generates qualified names.\n2. Or move the extension onto the search_path, when nothing else relies on its schema: `ALTER EXTENSION \"{ext}\" SET SCHEMA {};`.\n3. {}.",
                    qi(schema), thing, thing, ext.replace('-', "_"), qi(&c.context.schema), c.redeploy()
                ),
            )
        }
        CauseCode::ServerVersionTooOld => {
            let sp = c.specifics;
            let feature = sp.feature.as_deref().unwrap_or("The statement");
            let needed = sp.version_needed.unwrap_or(0);
            let server = match (sp.upgraded_since, c.context.server_major) {
                (true, Some(v)) => format!("; the server that ran the migration was older, and this server is PostgreSQL {v} now: it was upgraded since"),
                (false, Some(v)) => format!(", and this server is PostgreSQL {v}"),
                _ => ", and the server that ran the migration is older".to_string(),
            };
            let fix = if sp.upgraded_since {
                format!("1. This server supports it now: the unchanged script runs. {}.", c.redeploy())
            } else {
                format!(
                    "1. Upgrade the server to PostgreSQL {needed} or later, or rewrite {file} for the server you have: {}.\n2. {}.",
                    version_alternative(feature),
                    c.redeploy()
                )
            };
            (
                format!("{feature} needs PostgreSQL {needed}"),
                format!("{eq} {feature} needs PostgreSQL {needed} or later{server}.{}", if feature.starts_with("ALTER TYPE") { " Before 12, ALTER TYPE ... ADD VALUE refuses to run inside a transaction block, and the native Prisma engine sends a migration's statements as one (its message is not about using the new value)." } else { "" }),
                fix,
            )
        }
        CauseCode::TransactionPooler => {
            let url = match &c.context.pooler {
                Some(r) => format!(" The URL used here goes through one too ({r})."),
                None => " The URL used here is direct: the deploy that failed used another one (typically the pooled `url` where `directUrl` should be used, or a DATABASE_URL of the deploy environment pointing at the pooler).".to_string(),
            };
            (
                "Prisma Migrate ran through a transaction-mode connection pooler".into(),
                format!("{eq} Prisma Migrate prepares statements on one server connection, and a pooler in transaction mode (PgBouncer, Supabase's port 6543, Neon's `-pooler` hosts) hands the next statement to another connection, where that prepared statement does not exist (or one of the same name does). Migrate needs a direct session: its advisory lock and its statements must stay on one connection.{url}"),
                format!(
                    "1. Give Migrate the direct connection: `directUrl = env(\"DIRECT_URL\")` in the datasource block (Prisma 5/6) or datasource.url in prisma.config.ts (Prisma 7), with the direct host (Supabase: port 5432, the direct host or the session pooler; Neon: the host without `-pooler`); keep `?pgbouncer=true` on the application's pooled URL only.\n2. Check what the failed attempt applied (the evidence below), then {} with the direct URL.",
                    c.redeploy()
                ),
            )
        }
        CauseCode::AbortedTransaction => {
            let own = if c.facts.own_transaction {
                " The script has its own BEGIN/COMMIT, so its statements ran one by one inside that transaction and Prisma recorded the last error, not the first."
            } else {
                ""
            };
            (
                "The real error is hidden: the transaction was already aborted (25P02)".into(),
                format!("{eq} An earlier statement in the same transaction failed, and PostgreSQL refused everything after it; the logs carry only this follow-up error, so the cause of the failure is not in them.{own}"),
                format!(
                    "1. Find the first error: in the database server's log at the time of the failure (failing statements are logged with their error by default), or by running the script by hand against a copy of the database: `psql \"$DIRECT_URL\" -v ON_ERROR_STOP=1 -c 'BEGIN' -f {file} -c 'ROLLBACK'` stops at the first error and rolls back (only on a scratch copy if the script has its own COMMIT).\n2. Fix that cause (run `prisma-migrate-doctor diagnose` again with the real error in hand), then {}.",
                    c.redeploy()
                ),
            )
        }
        CauseCode::NotOwner => {
            let o = c.specifics.owner.clone().unwrap_or_default();
            let kind = if o.kind.is_empty() { "relation".to_string() } else { o.kind.clone() };
            let owner = if o.owner.is_empty() { "another role".to_string() } else { qi(&o.owner) };
            let alter = match kind.as_str() {
                "relation" | "table" | "foreign table" => "TABLE",
                "materialized view" => "MATERIALIZED VIEW",
                other => match other {
                    "view" => "VIEW",
                    "index" => "INDEX",
                    "sequence" => "SEQUENCE",
                    "type" => "TYPE",
                    "schema" => "SCHEMA",
                    "function" => "FUNCTION",
                    "procedure" => "PROCEDURE",
                    "database" => "DATABASE",
                    _ => "EXTENSION",
                },
            };
            let target = if o.name.is_empty() { "<object>".to_string() } else { o.name.split('.').map(qi).collect::<Vec<_>>().join(".") };
            let hand_over = if kind == "extension" {
                format!("1. The extension belongs to {owner} (often the provider): remove the statement that alters or drops it from {file}, or have its owner run it.")
            } else {
                format!("1. As {owner} or a superuser, hand it to the migration role: `ALTER {alter} {target} OWNER TO {};` (or `GRANT {owner} TO {};` to let the migration role act as its owner), or run migrations as {owner} (point `directUrl` / the migrate datasource URL at that role).", c.role(), c.role())
            };
            (
                format!("The migration role does not own {kind} {}", if o.name.is_empty() { obj.to_string() } else { o.name.clone() }),
                format!("{eq} Altering or dropping an object needs its owner's rights: {kind} {target} is owned by {owner}{}. Objects created from a provider's dashboard or SQL editor, by another role, or restored from a dump as another user end up owned by someone else than the migration role.{}", c.context.current_user.as_deref().map(|u| format!(", and this session connects as {}", qi(u))).unwrap_or_default(), c.provider_note()),
                format!("{hand_over}\n2. {}.", c.redeploy()),
            )
        }
        CauseCode::CockroachSchemaChange => {
            let why = c.specifics.cockroach_evidence.unwrap_or("the message is CockroachDB's");
            let dropping = contains_ci(c.msg, "being dropped");
            let what = if dropping {
                format!("The migration drops `{obj}` and adds it again in the same migration; CockroachDB runs the drop as a background job that has not finished when the re-add runs, so the same script fails the same way on every attempt.")
            } else if contains_ci(c.msg, "declarative schema changer") {
                "The statement is only implemented in CockroachDB's declarative schema changer, which does not run it inside a multi-statement transaction like the one Prisma sends.".to_string()
            } else {
                "CockroachDB runs schema changes as background jobs and does not support this combination of statements in one transaction.".to_string()
            };
            (
                "CockroachDB cannot run this schema change within one migration".into(),
                format!("{eq} The server is CockroachDB ({why}). {what}"),
                format!(
                    "1. Split {file}: {} \n2. {}.",
                    if dropping { format!("the DROP of `{obj}` in one migration and the statement that re-creates it in the next (a new folder that sorts after it); or change the column in place with `ALTER TABLE ... ALTER COLUMN ... TYPE` where CockroachDB supports it.") } else { "put the schema-change statement in a migration of its own, so it runs as a single statement.".to_string() },
                    c.redeploy()
                ),
            )
        }
        CauseCode::CockroachSchemaChangeInProgress => (
            "A CockroachDB schema change was still running (transient)".into(),
            format!("{eq} The server is CockroachDB ({}). `{obj}` is being dropped by a background schema-change job of an earlier change that had not finished; it finishes on its own, and a retry after it succeeds.", c.specifics.cockroach_evidence.unwrap_or("the message is CockroachDB's")),
            format!(
                "1. Wait for the running job: `SELECT job_id, status, description FROM [SHOW JOBS] WHERE status = 'running';`\n2. {}.",
                c.redeploy()
            ),
        ),
        CauseCode::PartialEarlierRun => {
            let attempts: Vec<String> = c
                .specifics
                .earlier
                .iter()
                .map(|a| format!("row {} started {}{}{}", a.row_id, a.started_at, a.message.as_deref().map(|m| format!(" failed with: {}", m.trim_end_matches('.'))).unwrap_or_else(|| " left no error".to_string()), if a.rolled_back { ", then was marked rolled back" } else { "" }))
                .collect();
            let verb = if contains_ci(c.msg, "does not exist") { "drops" } else { "creates" };
            (
                format!("Left over by an earlier attempt of this migration: {obj}"),
                format!("{eq} The migration `{name}` itself {verb} `{obj}`, and the ledger holds an earlier attempt of it: {}. That attempt ran statement by statement (Prisma 7's native engine, a driver adapter, CockroachDB, or a script with its own COMMIT), so what it did before it failed stayed in the database, and this attempt trips over it.", attempts.join("; ")),
                format!(
                    "1. The evidence below says which statements of the migration are in the database. If every one is: `npx prisma migrate resolve --applied {name}`. If some are: run the missing ones by hand, then resolve --applied; or undo what the earlier attempt left (e.g. `{obj}`) and {}.\n2. Make the script safe to re-run (CREATE ... IF NOT EXISTS, DROP ... IF EXISTS, ADD COLUMN IF NOT EXISTS) so the next partial failure can simply be retried.",
                    c.redeploy()
                ),
            )
        }
        CauseCode::TypeChangeNeedsUsing => (
            format!("Column type change needs a USING clause{}", if obj.is_empty() { String::new() } else { format!(": {obj}") }),
            format!("{eq} PostgreSQL has no automatic cast from the column's current type to the new one (text to an enum or a number, one enum to another, ...), or the column's DEFAULT cannot be cast; Prisma generates a plain `ALTER COLUMN ... TYPE`, which then fails on every attempt."),
            format!(
                "1. Edit {file}: `ALTER TABLE \"<table>\" ALTER COLUMN {} TYPE <new type> USING ({}::text::<new type>);` (for a DEFAULT: `ALTER COLUMN ... DROP DEFAULT` before and `SET DEFAULT ...` after), and check the existing values convert: `SELECT DISTINCT {} FROM \"<table>\";`.\n2. {}.",
                if obj.is_empty() { "\"<column>\"".to_string() } else { qi(obj) },
                if obj.is_empty() { "\"<column>\"".to_string() } else { qi(obj) },
                if obj.is_empty() { "\"<column>\"".to_string() } else { qi(obj) },
                c.redeploy()
            ),
        ),
        CauseCode::Unknown => (
            "Unrecognised migration error".into(),
            format!("{eq} The error could not be matched to a known cause; read the full logs of `{name}` in _prisma_migrations."),
            format!(
                "1. Read the error: `SELECT logs FROM \"_prisma_migrations\" WHERE migration_name = '{name}';` and fix {file} or the database accordingly.\n2. {}.",
                c.redeploy()
            ),
        ),
    }
}
