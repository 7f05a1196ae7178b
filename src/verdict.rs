//! From evidence and cause to a verdict and an action. Pure functions: the rules of DESIGN.md's
//! safety promise live here, in one place, with their tests.

use crate::report::{Action, CauseInfo, Effect, Execution, StatementEvidence, Verdict};

/// Cause codes where the data, not the script, is what blocks the migration.
const DATA_CAUSES: &[&str] = &[
    "duplicate-rows-block-unique",
    "not-null-without-default",
    "foreign-key-violation",
    "check-violation",
    "data-exception",
];

/// Cause codes where the database setup, not the script or the data, refused the migration.
const ENVIRONMENT_CAUSES: &[&str] = &["insufficient-privilege", "disk-full"];

/// Which engine ran the script, read from the shape of `logs`: the native engine stores its P3018
/// text; driver adapters store "external connector error" and run statements one by one. A script
/// with its own COMMIT persists what precedes the COMMIT either way.
pub fn detect_execution(logs: &str, has_transaction_control: bool) -> Execution {
    if has_transaction_control || logs.contains("external connector error") {
        Execution::StatementByStatement
    } else if logs.contains("Database error code:") || logs.contains("A migration failed to apply")
    {
        Execution::AllOrNothing
    } else {
        Execution::Unknown
    }
}

pub fn execution_note(execution: Execution) -> &'static str {
    match execution {
        Execution::AllOrNothing => {
            "The native Prisma engine ran this script as one transaction: its failure rolled every statement back, so \
             anything present now was made outside this migration (db push, by hand, or an earlier attempt)."
        }
        Execution::StatementByStatement => {
            "The script ran statement by statement (a driver adapter, or the script's own transaction control): the \
             statements before the failing one may have stayed applied."
        }
        Execution::Unknown => "The logs do not say which engine ran the script; the live catalog decides.",
    }
}

pub fn decide_verdict(all: &[StatementEvidence], execution: Execution) -> (Verdict, String) {
    // BEGIN/COMMIT change nothing themselves: they only decide what persisted (see `execution`).
    let statements: Vec<StatementEvidence> = all
        .iter()
        .filter(|s| !s.transaction_control)
        .cloned()
        .collect();
    let statements = statements.as_slice();
    if statements.is_empty() {
        return (
            Verdict::Unknown,
            "There is nothing to compare with the database: the migration folder, its migration.sql, or any statement in it is missing."
                .to_string(),
        );
    }
    let conflicting: Vec<u32> = indexes(statements, |s| s.effect == Effect::Conflicting);
    if !conflicting.is_empty() {
        return (
            Verdict::Conflicting,
            format!(
                "Statement(s) {} create objects that exist with another shape.",
                list(&conflicting)
            ),
        );
    }
    // `IF NOT EXISTS` statements that are present say nothing about this migration.
    let decisive = |s: &&StatementEvidence| !(s.idempotent && s.effect == Effect::Present);
    let present = statements
        .iter()
        .filter(decisive)
        .filter(|s| s.effect == Effect::Present)
        .count();
    let absent = statements
        .iter()
        .filter(|s| s.effect == Effect::Absent)
        .count();
    let unverifiable: Vec<u32> = indexes(statements, |s| s.effect == Effect::Unverifiable);

    match (present, absent) {
        (0, 0) => (
            Verdict::Unknown,
            format!(
                "None of the {} statement(s) can be checked against the catalog.",
                statements.len()
            ),
        ),
        (0, _) if unverifiable.is_empty() || execution == Execution::AllOrNothing => (
            Verdict::NotApplied,
            if unverifiable.is_empty() {
                "Every change of the script is absent from the database.".to_string()
            } else {
                format!(
                    "Every checkable change is absent; statement(s) {} cannot be checked but ran in the same rolled-back \
                     transaction.",
                    list(&unverifiable)
                )
            },
        ),
        (0, _) => (
            Verdict::Unknown,
            format!(
                "Every checkable change is absent, but statement(s) {} cannot be checked and may have run on their own.",
                list(&unverifiable)
            ),
        ),
        (_, 0) if unverifiable.is_empty() => (
            Verdict::FullyApplied,
            "Every change of the script is present in the database, with the script's shape.".to_string(),
        ),
        (_, 0) => (
            Verdict::Unknown,
            format!(
                "Every checkable change is present, but statement(s) {} cannot be checked.",
                list(&unverifiable)
            ),
        ),
        _ => (
            Verdict::PartiallyApplied,
            format!(
                "Statement(s) {} are in the database, statement(s) {} are not.",
                list(&indexes(statements, |s| s.effect == Effect::Present && !s.idempotent)),
                list(&indexes(statements, |s| s.effect == Effect::Absent))
            ),
        ),
    }
}

/// The action the evidence supports. `script_changed` is None when the folder is gone.
pub fn choose_action(
    verdict: Verdict,
    cause: &CauseInfo,
    script_changed: Option<bool>,
) -> (Action, String) {
    let Some(changed) = script_changed else {
        return (
            Action::Manual,
            "The migration folder is gone, so deploy will never run it again: check that nothing of it is needed, then \
             mark it rolled back."
                .to_string(),
        );
    };
    match verdict {
        Verdict::NotApplied if changed => (
            Action::Retry,
            "Nothing of it is in the database and migration.sql changed since it failed: mark it rolled back and the \
             next deploy runs the new script."
                .to_string(),
        ),
        Verdict::NotApplied if cause.transient => (
            Action::Retry,
            format!(
                "Nothing of it is in the database and it failed for a transient reason ({}): a retry of the same \
                 script can succeed.",
                cause.title
            ),
        ),
        Verdict::NotApplied if ENVIRONMENT_CAUSES.contains(&cause.code.as_str()) => (
            Action::Manual,
            format!(
                "Nothing of it is in the database, but the database itself refused it ({}): fix that, then mark it \
                 rolled back so deploy runs it again.",
                cause.title
            ),
        ),
        Verdict::NotApplied if DATA_CAUSES.contains(&cause.code.as_str()) => (
            Action::FixData,
            "Nothing of it is in the database, but the data blocks it: retrying the same script fails the same way."
                .to_string(),
        ),
        Verdict::NotApplied => (
            Action::FixScript,
            "Nothing of it is in the database, but the script fails deterministically: retrying it unchanged fails the \
             same way."
                .to_string(),
        ),
        Verdict::FullyApplied => (
            Action::MarkApplied,
            "Every change is already in the database with the right shape: record it as applied.".to_string(),
        ),
        Verdict::PartiallyApplied if DATA_CAUSES.contains(&cause.code.as_str()) => (
            Action::FixData,
            "Part of it is in the database and the data blocks the rest: fix the data, then run the missing statements \
             and mark it applied."
                .to_string(),
        ),
        Verdict::PartiallyApplied => (
            Action::Complete,
            "Part of it is in the database: run the missing statements, then mark it applied (or revert the present \
             ones and mark it rolled back)."
                .to_string(),
        ),
        Verdict::Conflicting => (
            Action::Manual,
            "Objects exist with another shape than the migration creates: decide which shape is right before resolving."
                .to_string(),
        ),
        Verdict::Unknown => (
            Action::Manual,
            "The evidence cannot tell what the migration did: inspect the statements that cannot be checked.".to_string(),
        ),
    }
}

/// The exact commands, in order, for an action.
pub fn commands_for(
    action: Action,
    name: &str,
    statements: &[StatementEvidence],
    cause: &CauseInfo,
    folder_exists: bool,
) -> Vec<String> {
    let script = format!("prisma/migrations/{name}/migration.sql");
    let rolled_back = format!("npx prisma migrate resolve --rolled-back {name}");
    let applied = format!("npx prisma migrate resolve --applied {name}");
    let deploy = "npx prisma migrate deploy".to_string();
    match action {
        Action::Retry => vec![rolled_back, deploy],
        Action::MarkApplied => vec![applied],
        Action::FixScript => vec![
            format!("# fix {script} first: {}", first_step(&cause.fix)),
            rolled_back,
            deploy,
        ],
        Action::FixData => vec![
            format!("# fix the data first: {}", first_step(&cause.fix)),
            rolled_back,
            deploy,
        ],
        Action::Complete => {
            let mut out = vec![
                "# run the missing statements (npx prisma db execute --stdin), fixed first if they failed:"
                    .to_string(),
            ];
            out.extend(
                statements
                    .iter()
                    .filter(|s| s.effect == Effect::Absent)
                    .map(|s| format!("{};", s.sql.trim())),
            );
            out.push(applied);
            out
        }
        Action::Revert => vec![
            format!("# undo the statements of {name} that are present, then:"),
            rolled_back,
            deploy,
        ],
        Action::Manual => {
            let mut out = Vec::new();
            if !cause.fix.is_empty() {
                out.push(format!("# {}", first_step(&cause.fix)));
            }
            if folder_exists {
                out.push(format!(
                    "# inspect {name} (statements and database), then one of:"
                ));
                out.push(rolled_back);
                out.push(applied);
            } else {
                out.push("# its folder is gone, so deploy will not re-run it; once nothing of it is needed:".to_string());
                out.push(rolled_back);
            }
            out
        }
    }
}

/// The first step of a cause's fix, without its "1. " numbering, cut to one readable line (the
/// whole fix is in `cause.fix`).
fn first_step(fix: &str) -> String {
    const MAX: usize = 120;
    let line = fix.lines().next().unwrap_or("").trim();
    let line = line.strip_prefix("1. ").unwrap_or(line);
    if line.chars().count() <= MAX {
        return line.to_string();
    }
    let cut: String = line.chars().take(MAX).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut} … (see the fix)")
}

fn indexes(
    statements: &[StatementEvidence],
    pred: impl Fn(&StatementEvidence) -> bool,
) -> Vec<u32> {
    statements
        .iter()
        .filter(|s| pred(s))
        .map(|s| s.index)
        .collect()
}

fn list(indexes: &[u32]) -> String {
    indexes
        .iter()
        .map(|i| format!("#{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(index: u32, effect: Effect) -> StatementEvidence {
        StatementEvidence {
            index,
            sql: format!("stmt {index}"),
            effect,
            detail: None,
            idempotent: false,
            transaction_control: false,
            non_transactional: None,
        }
    }

    fn cause(code: &str, transient: bool) -> CauseInfo {
        CauseInfo {
            code: code.into(),
            title: code.into(),
            explanation: String::new(),
            fix: "1. Do the fix.\n2. Then more.".into(),
            transient,
            object: None,
        }
    }

    #[test]
    fn verdicts() {
        use Effect::*;
        let v = |e: &[Effect], x| {
            decide_verdict(
                &e.iter()
                    .enumerate()
                    .map(|(i, e)| st(i as u32, *e))
                    .collect::<Vec<_>>(),
                x,
            )
            .0
        };
        assert_eq!(
            v(&[Absent, Absent], Execution::Unknown),
            Verdict::NotApplied
        );
        assert_eq!(
            v(&[Present, Present], Execution::Unknown),
            Verdict::FullyApplied
        );
        assert_eq!(
            v(&[Present, Absent], Execution::Unknown),
            Verdict::PartiallyApplied
        );
        assert_eq!(
            v(&[Present, Conflicting], Execution::Unknown),
            Verdict::Conflicting
        );
        assert_eq!(v(&[Unverifiable], Execution::Unknown), Verdict::Unknown);
        assert_eq!(
            v(&[Absent, Unverifiable], Execution::AllOrNothing),
            Verdict::NotApplied
        );
        assert_eq!(
            v(&[Absent, Unverifiable], Execution::StatementByStatement),
            Verdict::Unknown
        );
        assert_eq!(
            v(&[Present, Unverifiable], Execution::Unknown),
            Verdict::Unknown
        );
        assert_eq!(v(&[], Execution::Unknown), Verdict::Unknown);
    }

    #[test]
    fn transaction_control_is_not_evidence() {
        let mut begin = st(0, Effect::Unverifiable);
        begin.transaction_control = true;
        let (verdict, _) = decide_verdict(
            &[begin, st(1, Effect::Present), st(2, Effect::Absent)],
            Execution::Unknown,
        );
        assert_eq!(verdict, Verdict::PartiallyApplied);
    }

    #[test]
    fn idempotent_present_statements_prove_nothing() {
        let mut schema = st(0, Effect::Present);
        schema.idempotent = true;
        let (verdict, _) = decide_verdict(&[schema, st(1, Effect::Absent)], Execution::Unknown);
        assert_eq!(verdict, Verdict::NotApplied);
    }

    #[test]
    fn retry_only_when_nothing_is_present_and_transient_or_changed() {
        let det = cause("foreign-dialect", false);
        let tr = cause("lock-timeout", true);
        let a = |v, c: &CauseInfo, ch| choose_action(v, c, ch).0;
        assert_eq!(a(Verdict::NotApplied, &det, Some(false)), Action::FixScript);
        assert_eq!(a(Verdict::NotApplied, &det, Some(true)), Action::Retry);
        assert_eq!(a(Verdict::NotApplied, &tr, Some(false)), Action::Retry);
        assert_eq!(
            a(
                Verdict::NotApplied,
                &cause("duplicate-rows-block-unique", false),
                Some(false)
            ),
            Action::FixData
        );
        assert_eq!(
            a(Verdict::PartiallyApplied, &tr, Some(false)),
            Action::Complete
        );
        assert_eq!(
            a(Verdict::FullyApplied, &det, Some(false)),
            Action::MarkApplied
        );
        assert_eq!(a(Verdict::Conflicting, &tr, Some(true)), Action::Manual);
        assert_eq!(a(Verdict::NotApplied, &tr, None), Action::Manual);
    }

    #[test]
    fn execution_from_log_shapes() {
        assert_eq!(
            detect_execution("external connector error\nError querying", false),
            Execution::StatementByStatement
        );
        assert_eq!(
            detect_execution("Database error code: 42704", false),
            Execution::AllOrNothing
        );
        assert_eq!(
            detect_execution("Database error code: 42704", true),
            Execution::StatementByStatement
        );
        assert_eq!(detect_execution("", false), Execution::Unknown);
    }

    #[test]
    fn complete_lists_the_missing_statements() {
        let cmds = commands_for(
            Action::Complete,
            "m",
            &[st(0, Effect::Present), st(1, Effect::Absent)],
            &cause("x", false),
            true,
        );
        assert_eq!(cmds[1], "stmt 1;");
        assert_eq!(
            cmds.last().map(String::as_str),
            Some("npx prisma migrate resolve --applied m")
        );
    }
}
