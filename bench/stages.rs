//! Where the time of one `diagnose()` goes, stage by stage, measured on the core without Node:
//!
//!   cargo run --release --no-default-features --example stages -- URL PROJECT_DIR [ITERATIONS]
//!
//! Each stage runs ITERATIONS times on its own (after one warm-up), medians in milliseconds, one
//! line per stage as `stage<TAB>ms` (bench/bench.js reads them). The whole pipeline is measured
//! too, so the sum of the parts can be compared with it.

use std::time::Instant;

use prisma_migrate_doctor::connection::{self, ConnectionSpec};
use prisma_migrate_doctor::diagnose::{self, Session};
use prisma_migrate_doctor::evidence::{catalog, effects, split};
use prisma_migrate_doctor::{evidence, ledger, local, project, Options};

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

async fn time<T, F, Fut>(iterations: usize, mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    drop(f().await);
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        drop(f().await);
        samples.push(t.elapsed().as_secs_f64() * 1e3);
    }
    median(samples)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(url), Some(dir)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: stages URL PROJECT_DIR [ITERATIONS]");
        std::process::exit(2);
    };
    let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20);
    let options = Options {
        url: Some(url.clone()),
        cwd: Some(dir.into()),
        ..Options::default()
    };
    let project = project::discover(&options)?;
    let spec = ConnectionSpec::parse(&project.url)?;
    let session = Session::open(&options).await?;
    let rows = ledger::read_rows(&session.conn.client, &spec.schema)
        .await?
        .unwrap_or_default();
    let failed: Vec<Option<String>> = ledger::classify(&session.local, &rows)
        .failed_rows
        .iter()
        .map(|&i| {
            session
                .local
                .get(&rows[i].migration_name)
                .and_then(|m| m.script_text())
        })
        .collect();

    let mut out: Vec<(&str, f64)> = Vec::new();
    out.push((
        "discover project (schema, .env, URL)",
        time(n, || async { project::discover(&options) }).await,
    ));
    out.push((
        "read migrations folder",
        time(n, || async {
            local::read_migrations_dir(&project.migrations_dir)
        })
        .await,
    ));
    out.push((
        "  of which SHA-256 of every migration.sql (done while reading)",
        time(n, || async {
            session
                .local
                .migrations
                .iter()
                .filter_map(|m| m.script.as_deref().map(local::checksum))
                .count()
        })
        .await,
    ));
    out.push((
        "connect (TCP, SCRAM auth, search_path)",
        time(n, || async { connection::connect(&spec, None).await }).await,
    ));
    out.push((
        "query: read the ledger",
        time(n, || async {
            ledger::read_rows(&session.conn.client, &spec.schema).await
        })
        .await,
    ));
    out.push((
        "classify ledger against the folder",
        time(n, || async { ledger::classify(&session.local, &rows) }).await,
    ));
    out.push((
        "evidence (split, effects, catalog queries, judge)",
        time(n, || async {
            evidence::assess(&session.conn.client, &failed, &[], &spec.schema).await
        })
        .await,
    ));
    // The evidence's database part alone: the catalog queries for the names the failed scripts
    // mention (what `evidence::assess` sends), on the open connection and on a new backend.
    let (schemas, names) = {
        let effects: Vec<effects::ScriptEffects> = failed
            .iter()
            .flatten()
            .map(|sql| effects::script_effects(&split::split_script(sql), &spec.schema))
            .collect();
        let all = || {
            effects.iter().flat_map(|e| {
                e.statements
                    .iter()
                    .flat_map(effects::StatementEffects::expectations)
            })
        };
        (
            catalog::schemas_named(all(), &spec.schema),
            catalog::names_named(all()),
        )
    };
    out.push((
        "  of which the catalog queries (5, pipelined)",
        time(n, || async {
            catalog::load_scoped(&session.conn.client, &schemas, Some(&names)).await
        })
        .await,
    ));
    let mut cold_catalog = Vec::with_capacity(n);
    for _ in 0..n {
        let conn = connection::connect(&spec, None).await?;
        let t = Instant::now();
        drop(catalog::load_scoped(&conn.client, &schemas, Some(&names)).await?);
        cold_catalog.push(t.elapsed().as_secs_f64() * 1e3);
    }
    out.push((
        "  of which the catalog queries, new backend",
        median(cold_catalog),
    ));
    // A new connection is a new server backend with empty catalog caches: what one diagnose
    // meets. Timed without the connect itself.
    let mut cold = Vec::with_capacity(n);
    let mut cold_ledger = Vec::with_capacity(n);
    for _ in 0..n {
        let conn = connection::connect(&spec, None).await?;
        let t = Instant::now();
        drop(ledger::read_rows(&conn.client, &spec.schema).await?);
        cold_ledger.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        drop(evidence::assess(&conn.client, &failed, &[], &spec.schema).await?);
        cold.push(t.elapsed().as_secs_f64() * 1e3);
    }
    out.push(("query: read the ledger, new backend", median(cold_ledger)));
    out.push(("evidence, new backend (cold catalog caches)", median(cold)));
    out.push((
        "query: migration lock holder",
        time(n, || async {
            prisma_migrate_doctor::action::lock::holder(&session.conn.client).await
        })
        .await,
    ));
    out.push((
        "assemble (classify, evidence, cause, verdict, report)",
        time(n, || async {
            diagnose::assemble(&session, Some(&rows)).await
        })
        .await,
    ));
    out.push((
        "open: read the folder while connecting",
        time(n, || async { Session::open(&options).await }).await,
    ));
    let mut cold_assemble = Vec::with_capacity(n);
    for _ in 0..n {
        let fresh = Session::open(&options).await?;
        let rows = ledger::read_rows(&fresh.conn.client, &spec.schema).await?;
        let t = Instant::now();
        drop(diagnose::assemble(&fresh, rows.as_deref()).await?);
        cold_assemble.push(t.elapsed().as_secs_f64() * 1e3);
    }
    out.push(("assemble, new backend", median(cold_assemble)));
    // What the warm engine call is compared with: the same work on a connection already open.
    out.push((
        "diagnose on an open connection (read folder, ledger, assemble)",
        time(n, || async {
            let local = local::read_migrations_dir(&project.migrations_dir);
            let rows = ledger::read_rows(&session.conn.client, &spec.schema).await;
            let d = diagnose::assemble(&session, rows.ok().flatten().as_deref()).await;
            (local.is_ok(), d.is_ok())
        })
        .await,
    ));
    out.push((
        "whole diagnose (core, no Node)",
        time(n, || async { diagnose::diagnose(&options).await }).await,
    ));
    for (stage, ms) in out {
        println!("{stage}\t{ms:.3}");
    }
    Ok(())
}
