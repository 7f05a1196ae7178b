//! `resolve`: exactly what `prisma migrate resolve --applied | --rolled-back` does, same checks,
//! same errors, same rows; under Prisma's advisory lock, re-reading the ledger after taking it,
//! writing in one transaction.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};

use crate::action::lock;
use crate::diagnose::Session;
use crate::error::{DoctorError, ErrorCode, Result};
use crate::ledger::{self, LedgerRow};
use crate::local::LocalMigration;
use crate::project::Options;
use crate::report::{self, LedgerChange, LedgerChangeKind, ResolveAs, ResolveOutcome};

/// One write of the plan; `InsertApplied` carries the full row so dry runs show it exactly.
#[derive(Debug, Clone, PartialEq)]
pub enum PlannedChange {
    CreateTable,
    /// heal's `complete`: a missing statement of the migration, run inside the ledger transaction.
    RunStatement {
        migration_name: String,
        sql: String,
    },
    /// Before committing, the whole script must be present in the catalog (else roll back).
    VerifyPresent {
        migration_name: String,
        script: String,
    },
    MarkRolledBack {
        id: String,
        migration_name: String,
    },
    InsertApplied(LedgerRow),
}

impl PlannedChange {
    /// What the change looks like in a report; checks are not reported.
    pub fn to_report(&self, migration: &str) -> Option<LedgerChange> {
        Some(match self {
            PlannedChange::CreateTable => LedgerChange {
                kind: LedgerChangeKind::CreateTable,
                migration_name: migration.to_string(),
                row_id: None,
                checksum: None,
                sql: None,
            },
            PlannedChange::RunStatement {
                migration_name,
                sql,
            } => LedgerChange {
                kind: LedgerChangeKind::RunStatement,
                migration_name: migration_name.clone(),
                row_id: None,
                checksum: None,
                sql: Some(sql.clone()),
            },
            PlannedChange::VerifyPresent { .. } => return None,
            PlannedChange::MarkRolledBack { id, migration_name } => LedgerChange {
                kind: LedgerChangeKind::MarkRolledBack,
                migration_name: migration_name.clone(),
                row_id: Some(id.clone()),
                checksum: None,
                sql: None,
            },
            PlannedChange::InsertApplied(row) => LedgerChange {
                kind: LedgerChangeKind::InsertApplied,
                migration_name: row.migration_name.clone(),
                row_id: Some(row.id.clone()),
                checksum: Some(row.checksum.clone()),
                sql: None,
            },
        })
    }
}

/// Prisma's name check: a migration name is a folder name.
pub fn validate_migration_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(DoctorError::invalid_arg(
            "The migration name is empty. Pass the whole folder name, e.g. 20201207184859_initial_migration.",
        ));
    }
    if name.contains('/') || name.contains('\\') || name == "." || name == ".." {
        return Err(DoctorError::invalid_arg(format!(
            "`{name}` is not a migration name: pass the folder name only, e.g. 20201207184859_initial_migration."
        )));
    }
    Ok(())
}

pub fn migration_not_found(name: &str) -> DoctorError {
    DoctorError::new(
        ErrorCode::P3017,
        format!(
            "The migration {name} could not be found. Please make sure that the migration exists, and that you included \
             the whole name of the directory. (example: \"20201207184859_initial_migration\")"
        ),
    )
}

/// `resolve --applied` as Prisma: P3008 when a row of it is finished; otherwise roll back its
/// failed rows and insert a finished row with the local script's checksum.
pub fn plan_applied(
    rows: Option<&[LedgerRow]>,
    local: &LocalMigration,
    now: DateTime<Utc>,
) -> Result<Vec<PlannedChange>> {
    let name = &local.name;
    let checksum = local.checksum().ok_or_else(|| {
        DoctorError::config(format!(
            "`{}` has no migration.sql, so there is no script to record as applied.",
            local.dir.display()
        ))
    })?;
    let mut plan = Vec::new();
    match rows {
        None => plan.push(PlannedChange::CreateTable),
        Some(rows) => {
            let mine: Vec<&LedgerRow> = rows.iter().filter(|r| &r.migration_name == name).collect();
            if mine.iter().any(|r| r.finished_at.is_some()) {
                return Err(DoctorError::new(
                    ErrorCode::P3008,
                    format!(
                        "The migration `{name}` is already recorded as applied in the database."
                    ),
                ));
            }
            plan.extend(mine.iter().filter(|r| r.is_failed()).map(|r| {
                PlannedChange::MarkRolledBack {
                    id: r.id.clone(),
                    migration_name: name.clone(),
                }
            }));
        }
    }
    plan.push(PlannedChange::InsertApplied(LedgerRow {
        id: uuid::Uuid::new_v4().to_string(),
        checksum,
        finished_at: Some(now),
        migration_name: name.clone(),
        logs: Some(String::new()),
        rolled_back_at: None,
        started_at: now,
        applied_steps_count: 0,
    }));
    Ok(plan)
}

/// `resolve --rolled-back` as Prisma: P3011 when never applied, P3012 when every row is
/// finished; rows already rolled back make it a successful no-op.
pub fn plan_rolled_back(rows: Option<&[LedgerRow]>, name: &str) -> Result<Vec<PlannedChange>> {
    let never_applied = || {
        DoctorError::new(
            ErrorCode::P3011,
            format!(
                "Migration `{name}` cannot be rolled back because it was never applied to the database. Hint: did you pass in \
                 the whole migration name? (example: \"20201207184859_initial_migration\")"
            ),
        )
    };
    let rows = rows.ok_or_else(never_applied)?;
    let mine: Vec<&LedgerRow> = rows.iter().filter(|r| r.migration_name == name).collect();
    if mine.is_empty() {
        return Err(never_applied());
    }
    if mine.iter().all(|r| r.finished_at.is_some()) {
        return Err(DoctorError::new(
            ErrorCode::P3012,
            format!(
                "Migration `{name}` cannot be rolled back because it is not in a failed state."
            ),
        ));
    }
    Ok(mine
        .iter()
        .filter(|r| r.is_failed())
        .map(|r| PlannedChange::MarkRolledBack {
            id: r.id.clone(),
            migration_name: name.to_string(),
        })
        .collect())
}

/// Timestamps as PostgreSQL stores them (microseconds), so the outcome equals the row.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub fn lock_timeout(options: &Options) -> Duration {
    options
        .lock_timeout_ms
        .map(|ms| Duration::from_millis(u64::from(ms)))
        .unwrap_or(lock::DEFAULT_LOCK_TIMEOUT)
}

pub async fn resolve(
    options: &Options,
    migration: &str,
    resolve_as: ResolveAs,
    dry_run: bool,
) -> Result<ResolveOutcome> {
    validate_migration_name(migration)?;
    let prepared = crate::diagnose::prepare(options)?;
    // Checks Prisma makes before touching the database.
    if resolve_as == ResolveAs::Applied {
        prepared.local.check_provider()?;
        if prepared.local.get(migration).is_none() {
            return Err(migration_not_found(migration));
        }
    }
    let mut session = Session::connect(prepared, options).await?;
    if !dry_run {
        crate::action::refuse_pooler(&session, options)?;
    }
    let locked = !dry_run && !lock::advisory_lock_disabled();
    if locked {
        lock::acquire(&session.conn.client, lock_timeout(options)).await?;
    }
    let result = resolve_locked(&mut session, migration, resolve_as, dry_run).await;
    if locked {
        // Closing the session releases the lock anyway; an explicit unlock keeps it short.
        let _ = lock::release(&session.conn.client).await;
    }
    let changes = result?;
    let mut outcome = ResolveOutcome {
        migration: migration.to_string(),
        r#as: resolve_as,
        dry_run,
        changes: changes
            .iter()
            .filter_map(|c| c.to_report(migration))
            .collect(),
        locked,
        summary: String::new(),
    };
    outcome.summary = report::render_resolve(&outcome);
    Ok(outcome)
}

/// Re-reads the ledger (another deploy may have run while we waited), plans, and writes.
async fn resolve_locked(
    session: &mut Session,
    migration: &str,
    resolve_as: ResolveAs,
    dry_run: bool,
) -> Result<Vec<PlannedChange>> {
    let schema = session.spec.schema.clone();
    let rows = ledger::read_rows(&session.conn.client, &schema).await?;
    let plan = match resolve_as {
        ResolveAs::Applied => {
            let local = session
                .local
                .get(migration)
                .ok_or_else(|| migration_not_found(migration))?;
            plan_applied(rows.as_deref(), local, now())?
        }
        ResolveAs::RolledBack => plan_rolled_back(rows.as_deref(), migration)?,
    };
    if !dry_run && !plan.is_empty() {
        write_plan(session, &schema, &plan).await?;
    }
    Ok(plan)
}

pub async fn write_plan(session: &mut Session, schema: &str, plan: &[PlannedChange]) -> Result<()> {
    let tx = session
        .conn
        .client
        .transaction()
        .await
        .map_err(|e| DoctorError::database("starting the ledger transaction", e))?;
    for change in plan {
        match change {
            PlannedChange::CreateTable => ledger::create_table(&tx, schema).await?,
            PlannedChange::MarkRolledBack { id, .. } => {
                ledger::mark_rolled_back(&tx, schema, id, now()).await?
            }
            PlannedChange::InsertApplied(row) => ledger::insert_applied(&tx, schema, row).await?,
            PlannedChange::RunStatement { migration_name, sql } => {
                tx.batch_execute(sql).await.map_err(|e| {
                    DoctorError::new(
                        ErrorCode::Unsafe,
                        format!(
                            "Completing `{migration_name}` failed on `{}`: {}. Rolled back: nothing was written.",
                            sql.lines().next().unwrap_or(""),
                            crate::error::describe_pg_error(&e)
                        ),
                    )
                    .with_source(e)
                })?
            }
            PlannedChange::VerifyPresent { migration_name, script } => {
                let assessed = crate::evidence::assess(&tx, std::slice::from_ref(&Some(script.clone())), &[], schema).await?;
                // The catalog must now be exactly as the whole script leaves it.
                let missing: Vec<String> = assessed
                    .iter()
                    .flat_map(|a| {
                        a.scan
                            .differences
                            .get(a.statement_count())
                            .map(|(_, kept)| kept.iter().map(|(e, _)| e.to_string()).collect::<Vec<_>>())
                            .unwrap_or_default()
                    })
                    .collect();
                if !missing.is_empty() {
                    return Err(DoctorError::new(
                        ErrorCode::Unsafe,
                        format!(
                            "After running its missing statements, the catalog is still not as `{migration_name}` leaves it \
                             ({}). Rolled back: nothing was written.",
                            missing.join(", ")
                        ),
                    ));
                }
            }
        }
    }
    tx.commit()
        .await
        .map_err(|e| DoctorError::database("committing the ledger transaction", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::checksum;

    fn local(name: &str) -> LocalMigration {
        LocalMigration::new(
            name.into(),
            format!("/m/{name}").into(),
            Some(b"CREATE TABLE t (id int);".to_vec()),
        )
    }

    fn row(name: &str, finished: bool, rolled_back: bool) -> LedgerRow {
        let t = now();
        LedgerRow {
            id: uuid::Uuid::new_v4().to_string(),
            checksum: "x".repeat(64),
            finished_at: finished.then_some(t),
            migration_name: name.into(),
            logs: Some("boom".into()),
            rolled_back_at: rolled_back.then_some(t),
            started_at: t,
            applied_steps_count: 0,
        }
    }

    #[test]
    fn applied_rolls_back_failed_rows_and_inserts_a_finished_row() {
        let rows = vec![
            row("a", false, false),
            row("a", false, true),
            row("b", false, false),
        ];
        let plan = plan_applied(Some(&rows), &local("a"), now()).unwrap();
        assert_eq!(plan.len(), 2);
        assert_eq!(
            plan[0],
            PlannedChange::MarkRolledBack {
                id: rows[0].id.clone(),
                migration_name: "a".into()
            }
        );
        let PlannedChange::InsertApplied(new) = &plan[1] else {
            panic!("{plan:?}")
        };
        assert_eq!(new.checksum, checksum(b"CREATE TABLE t (id int);"));
        assert_eq!(new.logs.as_deref(), Some(""));
        assert_eq!(new.applied_steps_count, 0);
        assert_eq!(new.started_at, new.finished_at.unwrap());
    }

    #[test]
    fn applied_errors_like_prisma() {
        let rows = vec![row("a", true, false)];
        assert_eq!(
            plan_applied(Some(&rows), &local("a"), now())
                .unwrap_err()
                .code,
            ErrorCode::P3008
        );
        let plan = plan_applied(None, &local("a"), now()).unwrap();
        assert_eq!(plan[0], PlannedChange::CreateTable);
    }

    #[test]
    fn rolled_back_errors_like_prisma() {
        assert_eq!(
            plan_rolled_back(Some(&[]), "a").unwrap_err().code,
            ErrorCode::P3011
        );
        assert_eq!(
            plan_rolled_back(None, "a").unwrap_err().code,
            ErrorCode::P3011
        );
        let finished = vec![row("a", true, false)];
        assert_eq!(
            plan_rolled_back(Some(&finished), "a").unwrap_err().code,
            ErrorCode::P3012
        );
        let already = vec![row("a", false, true)];
        assert_eq!(plan_rolled_back(Some(&already), "a").unwrap(), vec![]);
        let failed = vec![row("a", true, true), row("a", false, false)];
        assert_eq!(plan_rolled_back(Some(&failed), "a").unwrap().len(), 1);
    }

    #[test]
    fn names_are_folder_names() {
        assert_eq!(
            validate_migration_name("").unwrap_err().code,
            ErrorCode::InvalidArg
        );
        assert_eq!(
            validate_migration_name("../x").unwrap_err().code,
            ErrorCode::InvalidArg
        );
        assert!(validate_migration_name("20240101_init").is_ok());
    }
}
