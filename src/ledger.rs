//! `_prisma_migrations`: reading it, classifying it exactly as Prisma does, and the few writes
//! `prisma migrate resolve` makes. All statements are unnamed (query_typed / simple_query) so
//! they also run through PgBouncer in transaction mode.

use chrono::{DateTime, Utc};
use futures_core::Stream;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{GenericClient, Row};

use crate::error::{DoctorError, Result};
use crate::local::LocalMigrations;

#[derive(Debug, Clone, PartialEq)]
pub struct LedgerRow {
    pub id: String,
    pub checksum: String,
    pub finished_at: Option<DateTime<Utc>>,
    pub migration_name: String,
    pub logs: Option<String>,
    pub rolled_back_at: Option<DateTime<Utc>>,
    pub started_at: DateTime<Utc>,
    pub applied_steps_count: i32,
}

impl LedgerRow {
    /// Prisma's definition: not finished and not rolled back.
    pub fn is_failed(&self) -> bool {
        self.finished_at.is_none() && self.rolled_back_at.is_none()
    }
}

/// The ledger's fully qualified name in the connection's schema.
pub fn table_name(schema: &str) -> String {
    format!("{}.\"_prisma_migrations\"", quote_ident(schema))
}

pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `None` when the ledger does not exist (Prisma: `hasMigrationsTable: false`).
pub async fn read_rows(
    client: &impl GenericClient,
    schema: &str,
) -> Result<Option<Vec<LedgerRow>>> {
    let exists = client
        .query_typed(
            "SELECT to_regclass(format('%I.%I', $1::text, '_prisma_migrations')) IS NOT NULL",
            &[(&schema, Type::TEXT)],
        )
        .await
        .map_err(|e| DoctorError::database("looking for the migrations table", e))?;
    let exists: bool = exists.first().map(|r| r.get(0)).unwrap_or(false);
    if !exists {
        return Ok(None);
    }
    let sql = format!(
        "SELECT id::text, checksum::text, finished_at, migration_name::text, logs, rolled_back_at, started_at, applied_steps_count \
         FROM {} ORDER BY started_at ASC",
        table_name(schema)
    );
    // Decoded as the rows arrive: a ledger of thousands of rows is never held twice (the
    // protocol's rows and ours), which matters for the peak memory of a prestart hook.
    let stream = client
        .query_typed_raw(&sql, std::iter::empty::<(&(dyn ToSql + Sync), Type)>())
        .await
        .map_err(|e| DoctorError::database("reading the migrations table", e))?;
    let mut stream = std::pin::pin!(stream);
    let mut out = Vec::new();
    while let Some(row) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
        let row = row.map_err(|e| DoctorError::database("reading the migrations table", e))?;
        out.push(decode_row(&row)?);
    }
    out.shrink_to_fit();
    Ok(Some(out))
}

fn decode_row(row: &Row) -> Result<LedgerRow> {
    let field = |name: &str, e| DoctorError::database(&format!("reading `{name}`"), e);
    Ok(LedgerRow {
        id: row.try_get(0).map_err(|e| field("id", e))?,
        checksum: row.try_get(1).map_err(|e| field("checksum", e))?,
        finished_at: row.try_get(2).map_err(|e| field("finished_at", e))?,
        migration_name: row.try_get(3).map_err(|e| field("migration_name", e))?,
        logs: row.try_get(4).map_err(|e| field("logs", e))?,
        rolled_back_at: row.try_get(5).map_err(|e| field("rolled_back_at", e))?,
        started_at: row.try_get(6).map_err(|e| field("started_at", e))?,
        applied_steps_count: row
            .try_get(7)
            .map_err(|e| field("applied_steps_count", e))?,
    })
}

/// Schemas of this database that hold a `_prisma_migrations` table (a forgotten `?schema=`).
pub async fn schemas_with_ledger(client: &impl GenericClient) -> Result<Vec<String>> {
    let rows = client
        .query_typed(
            "SELECT n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relname = '_prisma_migrations' AND c.relkind IN ('r', 'p') ORDER BY 1",
            &[],
        )
        .await
        .map_err(|e| DoctorError::database("looking for migrations tables in other schemas", e))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The ledger against the migrations folder, classified as `prisma migrate status` and
/// `prisma migrate deploy` do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Classification {
    /// Indices into the rows, `started_at` order; one migration may fail more than once.
    pub failed_rows: Vec<usize>,
    /// Local migrations whose first live (not rolled back) row has another checksum.
    pub edited: Vec<String>,
    /// Local migrations deploy would apply: no row of that name that is not rolled back.
    pub unapplied: Vec<String>,
    /// Names of live rows with no local folder, first-seen order, no repeats.
    pub missing_locally: Vec<String>,
    /// Local migrations recorded as finished and not rolled back.
    pub applied: Vec<String>,
}

pub fn classify(local: &LocalMigrations, rows: &[LedgerRow]) -> Classification {
    use std::collections::{HashMap, HashSet};
    // The engine (checked against the 8.x schema engine) disregards rolled-back rows everywhere
    // but in deploy's re-apply rule, which is the same thing: a rolled-back row does not count.
    // Rows are grouped by name once (histories of thousands, ledgers of thousands).
    let mut live: HashMap<&str, Vec<&LedgerRow>> = HashMap::with_capacity(rows.len());
    for row in rows.iter().filter(|r| r.rolled_back_at.is_none()) {
        live.entry(row.migration_name.as_str())
            .or_default()
            .push(row);
    }
    let mut c = Classification::default();
    for migration in &local.migrations {
        match live.get(migration.name.as_str()) {
            None => c.unapplied.push(migration.name.clone()),
            Some(by_name) => {
                if !migration.matches_checksum(&by_name[0].checksum) {
                    c.edited.push(migration.name.clone());
                }
                if by_name.iter().any(|r| r.finished_at.is_some()) {
                    c.applied.push(migration.name.clone());
                }
            }
        }
    }
    let local_names: HashSet<&str> = local.migrations.iter().map(|m| m.name.as_str()).collect();
    let mut missing: HashSet<&str> = HashSet::new();
    for (index, row) in rows.iter().enumerate() {
        if row.is_failed() {
            c.failed_rows.push(index);
        }
        if row.rolled_back_at.is_none()
            && !local_names.contains(row.migration_name.as_str())
            && missing.insert(row.migration_name.as_str())
        {
            c.missing_locally.push(row.migration_name.clone());
        }
    }
    c
}

/// Prisma's ledger DDL, used when `resolve --applied` finds no ledger.
pub async fn create_table(client: &impl GenericClient, schema: &str) -> Result<()> {
    let sql = format!(
        "CREATE SCHEMA IF NOT EXISTS {schema_q};\n\
         CREATE TABLE {table} (\n\
             \"id\"                    VARCHAR(36) PRIMARY KEY NOT NULL,\n\
             \"checksum\"              VARCHAR(64) NOT NULL,\n\
             \"finished_at\"           TIMESTAMPTZ,\n\
             \"migration_name\"        VARCHAR(255) NOT NULL,\n\
             \"logs\"                  TEXT,\n\
             \"rolled_back_at\"        TIMESTAMPTZ,\n\
             \"started_at\"            TIMESTAMPTZ NOT NULL DEFAULT now(),\n\
             \"applied_steps_count\"   INTEGER NOT NULL DEFAULT 0\n\
         );",
        schema_q = quote_ident(schema),
        table = table_name(schema)
    );
    client
        .batch_execute(&sql)
        .await
        .map_err(|e| DoctorError::database("creating the migrations table", e))
}

pub async fn mark_rolled_back(
    client: &impl GenericClient,
    schema: &str,
    id: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let sql = format!(
        "UPDATE {} SET rolled_back_at = $1 WHERE id = $2",
        table_name(schema)
    );
    client
        .query_typed(&sql, &[(&at, Type::TIMESTAMPTZ), (&id, Type::TEXT)])
        .await
        .map_err(|e| DoctorError::database("marking a migration rolled back", e))?;
    Ok(())
}

/// The row `prisma migrate resolve --applied` inserts: logs '', steps 0, started = finished.
pub async fn insert_applied(
    client: &impl GenericClient,
    schema: &str,
    row: &LedgerRow,
) -> Result<()> {
    let sql = format!(
        "INSERT INTO {} (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) \
         VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)",
        table_name(schema)
    );
    client
        .query_typed(
            &sql,
            &[
                (&row.id, Type::TEXT),
                (&row.checksum, Type::TEXT),
                (&row.finished_at, Type::TIMESTAMPTZ),
                (&row.migration_name, Type::TEXT),
                (&row.logs, Type::TEXT),
                (&row.started_at, Type::TIMESTAMPTZ),
                (&row.applied_steps_count, Type::INT4),
            ],
        )
        .await
        .map_err(|e| DoctorError::database("recording the migration as applied", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::{checksum, LocalMigration};
    use chrono::TimeZone;

    fn local(names: &[(&str, &str)]) -> LocalMigrations {
        LocalMigrations {
            dir: "/m".into(),
            migrations: names
                .iter()
                .map(|(n, s)| {
                    LocalMigration::new(
                        n.to_string(),
                        format!("/m/{n}").into(),
                        Some(s.as_bytes().to_vec()),
                    )
                })
                .collect(),
            lock_provider: None,
        }
    }

    fn row(name: &str, script: &str, minute: u32, finished: bool, rolled_back: bool) -> LedgerRow {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, minute, 0).unwrap();
        LedgerRow {
            id: format!("id-{name}-{minute}"),
            checksum: checksum(script.as_bytes()),
            finished_at: finished.then_some(t),
            migration_name: name.into(),
            logs: None,
            rolled_back_at: rolled_back.then_some(t),
            started_at: t,
            applied_steps_count: finished as i32,
        }
    }

    #[test]
    fn classifies_like_prisma() {
        let l = local(&[("1_a", "A"), ("2_b", "B2"), ("3_c", "C"), ("4_d", "D")]);
        let rows = vec![
            row("1_a", "A", 0, true, false),
            row("2_b", "B0", 0, false, true), // an earlier rolled-back attempt does not count
            row("2_b", "B", 1, false, false), // failed, then the script was edited
            row("2_b", "B", 2, false, false), // failed twice
            row("3_c", "C", 3, false, true),  // rolled back only: deploy re-applies it
            row("0_gone", "X", 4, true, false), // not on disk any more
            row("0_old", "X", 5, false, true), // rolled back and deleted: forgotten
        ];
        let c = classify(&l, &rows);
        assert_eq!(c.failed_rows, vec![2, 3]);
        assert_eq!(c.edited, vec!["2_b"]);
        assert_eq!(c.unapplied, vec!["3_c", "4_d"]);
        assert_eq!(c.missing_locally, vec!["0_gone"]);
        assert_eq!(c.applied, vec!["1_a"]);
    }

    #[test]
    fn quotes_identifiers() {
        assert_eq!(
            table_name("we\"ird"),
            "\"we\"\"ird\".\"_prisma_migrations\""
        );
    }
}
