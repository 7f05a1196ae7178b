//! Prisma's migration lock: the session advisory lock 72707369, taken by deploy and resolve.
//! We take the same one so we never race a `prisma migrate deploy` on another machine.

use std::time::Duration;

use tokio_postgres::Client;

use crate::error::{DoctorError, ErrorCode, Result};

pub const PRISMA_ADVISORY_LOCK_ID: i64 = 72707369;
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_millis(10_000);

/// Prisma skips the lock when PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK is set to anything but "" or "0".
pub fn advisory_lock_disabled() -> bool {
    std::env::var("PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Waits up to `timeout` for the lock, then fails with P1002 as Prisma does. The server-side
/// `lock_timeout` makes the wait end on the server too, so no stray backend keeps waiting.
pub async fn acquire(client: &Client, timeout: Duration) -> Result<()> {
    let ms = timeout.as_millis().max(1);
    let attempt = async {
        client
            .batch_execute(&format!("SET lock_timeout = {ms}"))
            .await?;
        let result = client
            .simple_query(&format!(
                "SELECT pg_advisory_lock({PRISMA_ADVISORY_LOCK_ID})"
            ))
            .await;
        client.batch_execute("RESET lock_timeout").await?;
        result.map(|_| ())
    };
    let timed_out = || {
        DoctorError::new(
            ErrorCode::P1002,
            format!(
                "Timed out trying to acquire a postgres advisory lock (SELECT pg_advisory_lock({PRISMA_ADVISORY_LOCK_ID})). \
                 Elapsed: {ms}ms. Another `prisma migrate` (or prisma-migrate-doctor) holds it: wait for it to finish, or \
                 raise lockTimeoutMs (CLI: --lock-timeout)."
            ),
        )
    };
    match tokio::time::timeout(timeout + Duration::from_secs(5), attempt).await {
        Err(_) => Err(timed_out()),
        Ok(Err(e))
            if e.as_db_error()
                .is_some_and(|db| db.code().code() == "55P03") =>
        {
            Err(timed_out().with_source(e))
        }
        Ok(Err(e)) => Err(DoctorError::database("taking Prisma's advisory lock", e)),
        Ok(Ok(())) => Ok(()),
    }
}

pub async fn release(client: &Client) -> Result<()> {
    client
        .simple_query(&format!(
            "SELECT pg_advisory_unlock({PRISMA_ADVISORY_LOCK_ID})"
        ))
        .await
        .map(|_| ())
        .map_err(|e| DoctorError::database("releasing Prisma's advisory lock", e))
}

/// Another session holding Prisma's migration lock in this database: a deploy or resolve that
/// is running right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    pub pid: i32,
    pub application_name: String,
    pub since: String,
}

pub async fn holder(client: &impl tokio_postgres::GenericClient) -> Result<Option<LockHolder>> {
    // A bigint advisory key is stored as classid (high half), objid (low half), objsubid 1.
    let rows = client
        .query_typed(
            "SELECT l.pid, coalesce(a.application_name, ''), coalesce(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), '')
               FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
              WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                AND l.classid = ($1::bigint >> 32)::oid AND l.objid = ($1::bigint & 4294967295)::oid
                AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND l.pid <> pg_backend_pid()
              LIMIT 1",
            &[(&PRISMA_ADVISORY_LOCK_ID, tokio_postgres::types::Type::INT8)],
        )
        .await
        .map_err(|e| DoctorError::database("looking for a running migration", e))?;
    Ok(rows.first().map(|r| LockHolder {
        pid: r.get(0),
        application_name: r.get(1),
        since: r.get(2),
    }))
}
