//! `heal`: the hook-safe policy. Under Prisma's lock it re-diagnoses, then resolves a failed
//! migration only when the evidence proves it safe:
//! - retry (mark rolled back) only when nothing of it is present AND it failed for a transient
//!   reason or its script changed since;
//! - mark-applied only when every change is present with the script's shape;
//! - complete (only when allowed: off by default) when it stopped part-way for a transient reason
//!   or its script changed since: the missing statements, a re-check of the catalog and the
//!   ledger row go in one transaction.
//!
//! Everything else is refused with the reason and the commands to run. All writes of one heal go
//! in one transaction; a second heal finds nothing to do.

use crate::action::lock;
use crate::action::resolve::{
    lock_timeout, now, plan_applied, plan_rolled_back, write_plan, PlannedChange,
};
use crate::diagnose::{self, Session};
use crate::error::Result;
use crate::ledger;
use crate::project::Options;
use crate::report::{self, Action, FailedMigration, HealAllow, HealDecision, HealOutcome, Verdict};

pub const DEFAULT_ALLOW: &[HealAllow] = &[HealAllow::Retry, HealAllow::MarkApplied];

pub async fn heal(
    options: &Options,
    dry_run: bool,
    allow: Option<&[HealAllow]>,
) -> Result<HealOutcome> {
    let mut session = Session::open(options).await?;
    heal_session(&mut session, options, dry_run, allow).await
}

/// heal on an open session (one schema): `heal()` for one project, `fleet::heal_many` for each
/// of its targets.
pub async fn heal_session(
    session: &mut Session,
    options: &Options,
    dry_run: bool,
    allow: Option<&[HealAllow]>,
) -> Result<HealOutcome> {
    let allow = allow.unwrap_or(DEFAULT_ALLOW);
    crate::action::refuse_pooler(session, options)?;
    let locked = !dry_run && !lock::advisory_lock_disabled();
    if locked {
        lock::acquire(&session.conn.client, lock_timeout(options)).await?;
    }
    let result = heal_locked(session, dry_run, allow).await;
    if locked {
        let _ = lock::release(&session.conn.client).await;
    }
    let (decisions, diagnosis) = result?;
    let mut outcome = HealOutcome {
        dry_run,
        // heal does not baseline (P3005): that records history, and is left to a person.
        blocked: decisions.iter().any(|d| !d.resolved) || diagnosis.needs_baseline,
        locked,
        decisions,
        diagnosis,
        summary: String::new(),
    };
    outcome.summary = report::render_heal(&outcome);
    Ok(outcome)
}

async fn heal_locked(
    session: &mut Session,
    dry_run: bool,
    allow: &[HealAllow],
) -> Result<(Vec<HealDecision>, report::Diagnosis)> {
    let schema = session.spec.schema.clone();
    let rows = ledger::read_rows(&session.conn.client, &schema).await?;
    let diagnosis = diagnose::assemble(session, rows.as_deref()).await?;

    let mut decisions = Vec::new();
    let mut plan: Vec<PlannedChange> = Vec::new();
    // One decision per migration: several failed rows of one migration share their evidence.
    let mut seen = Vec::new();
    for failed in &diagnosis.failed {
        if seen.contains(&failed.name) {
            continue;
        }
        seen.push(failed.name.clone());
        let decision = decide(failed, allow, rows.as_deref(), session)?;
        if let Some(changes) = decision.1 {
            plan.extend(changes);
        }
        decisions.push(decision.0);
    }
    if !dry_run && !plan.is_empty() {
        write_plan(session, &schema, &plan).await?;
    }
    Ok((decisions, diagnosis))
}

fn decide(
    failed: &FailedMigration,
    allow: &[HealAllow],
    rows: Option<&[ledger::LedgerRow]>,
    session: &Session,
) -> Result<(HealDecision, Option<Vec<PlannedChange>>)> {
    let refuse = |reason: String| HealDecision {
        migration: failed.name.clone(),
        action: failed.action,
        resolved: false,
        reason,
        commands: failed.commands.clone(),
        changes: Vec::new(),
    };
    let permission = match failed.action {
        Action::Retry => HealAllow::Retry,
        Action::MarkApplied => HealAllow::MarkApplied,
        Action::Complete => HealAllow::Complete,
        Action::Revert => {
            return Ok((
                refuse(format!(
                    "{} heal never drops what a migration created: revert by hand once the data is safe.",
                    failed.action_reason
                )),
                None,
            ))
        }
        Action::FixScript | Action::FixData | Action::Manual => {
            return Ok((refuse(failed.action_reason.clone()), None))
        }
    };
    if !allow.contains(&permission) {
        return Ok((
            refuse(format!(
                "{} (not allowed: `{}` is not in allow).",
                failed.action_reason,
                permission.as_str()
            )),
            None,
        ));
    }
    let local = || {
        session
            .local
            .get(&failed.name)
            .ok_or_else(|| crate::action::resolve::migration_not_found(&failed.name))
    };
    let changes = match failed.action {
        Action::Retry => plan_rolled_back(rows, &failed.name)?,
        Action::MarkApplied => plan_applied(rows, local()?, now())?,
        _ => {
            let local = local()?;
            match plan_complete(failed, local.script_text()) {
                Ok(mut run) => {
                    run.extend(plan_applied(rows, local, now())?);
                    run
                }
                Err(why) => return Ok((refuse(format!("{} {why}", failed.action_reason)), None)),
            }
        }
    };
    let decision = HealDecision {
        migration: failed.name.clone(),
        action: failed.action,
        resolved: true,
        reason: failed.action_reason.clone(),
        commands: Vec::new(),
        changes: changes
            .iter()
            .filter_map(|c| c.to_report(&failed.name))
            .collect(),
    };
    Ok((decision, Some(changes)))
}

/// `complete` runs the statements after the applied prefix only when that is sure to finish
/// what the migration started: the prefix decided by the evidence, the rest runnable in a
/// transaction, and a reason to expect it to succeed now (a transient failure, or a script
/// fixed since). The catalog is checked again, against the whole script's state, before the
/// transaction commits.
fn plan_complete(
    failed: &FailedMigration,
    script: Option<String>,
) -> std::result::Result<Vec<PlannedChange>, String> {
    let script = script.ok_or("The migration has no migration.sql.")?;
    if !(failed.cause.transient || failed.script_changed == Some(true)) {
        return Err(format!(
            "It failed for a deterministic reason ({}) and the script is unchanged: its missing statements would fail again.",
            failed.cause.title
        ));
    }
    if failed.statements.iter().any(|s| s.transaction_control) {
        return Err("The script has its own transaction control; complete it by hand.".to_string());
    }
    // Partially applied over a range of matching prefixes: the statements between them are
    // harmless to run again (the verdict decides only then), so completing from the first
    // match finishes the script whichever of them is the truth.
    let applied = failed.applied_statements.or_else(|| {
        (failed.verdict == Verdict::PartiallyApplied)
            .then(|| failed.matching_prefixes.first().copied())
            .flatten()
    });
    let Some(applied) = applied else {
        return Err("The evidence does not decide which statements ran.".to_string());
    };
    let rest = failed
        .statements
        .get(applied as usize..)
        .ok_or("The evidence does not decide which statements ran.")?;
    if let Some(s) = rest.iter().find(|s| s.non_transactional.is_some()) {
        return Err(format!(
            "Statement #{} cannot run inside a transaction.",
            s.index
        ));
    }
    let mut plan: Vec<PlannedChange> = rest
        .iter()
        .map(|s| PlannedChange::RunStatement {
            migration_name: failed.name.clone(),
            sql: s.sql.clone(),
        })
        .collect();
    plan.push(PlannedChange::VerifyPresent {
        migration_name: failed.name.clone(),
        script,
    });
    Ok(plan)
}
