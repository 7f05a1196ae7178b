//! From evidence and cause to a verdict and an action. Pure functions: the rules of DESIGN.md's
//! safety promise live here, in one place, with their tests.

use crate::evidence::catalog::Observed;
use crate::evidence::kind::{StatementKind, StatementTraits};
use crate::evidence::matching::PrefixMatch;
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
const ENVIRONMENT_CAUSES: &[&str] = &[
    "insufficient-privilege",
    "disk-full",
    // issue 9: the server, the URL or the roles refused it, not the script
    "extension-unavailable",
    "server-version-too-old",
    "transaction-pooler",
    "not-owner",
];

pub fn execution_note(execution: Execution) -> &'static str {
    match execution {
        Execution::AllOrNothing => {
            "The deploy ran this script as one transaction: its failure rolled every statement back, so anything \
             present now was made outside this migration (db push, by hand, or an earlier attempt)."
        }
        Execution::StatementByStatement => {
            "The deploy ran the script statement by statement: the statements before the failing one stayed applied."
        }
        Execution::Unknown => {
            "It is not known whether the deploy ran the script as one transaction or statement by statement: every \
             prefix of it is considered, and only what the catalog decides is decided."
        }
    }
}

/// What the match decides, and the number of leading statements that are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    pub reason: String,
    pub applied: Option<usize>,
}

/// The verdict from the matching prefixes. One match decides every statement. Several matches
/// leave the statements between them undetermined: harmless when each of them is inert or
/// guarded DDL whose whole effect is compared (running it again or not at all leaves the same
/// database); otherwise nothing is decided. When harmless, the verdict takes the whole script
/// if the last match is it. Else, when only inert statements (or guarded ones known to do
/// nothing there) lie between, the shortest prefix (heal re-runs from there); when guarded DDL
/// whose object's state before the script is unknown lies between, only what every match
/// agrees on: `partially-applied` without a single `k` when every match is partial, else
/// `unknown`.
pub fn decide_verdict(m: &PrefixMatch, traits: &[StatementTraits], n: usize) -> Decision {
    let undecided = |reason: String| Decision {
        verdict: Verdict::Unknown,
        reason,
        applied: None,
    };
    if n == 0 {
        return undecided(
            "There is nothing to compare with the database: the migration folder, its migration.sql, or any statement in it is missing."
                .to_string(),
        );
    }
    let (Some(&lo), Some(&hi)) = (m.matching.first(), m.matching.last()) else {
        let detail = m
            .closest
            .as_ref()
            .map(|(k, diffs)| {
                let shown: Vec<String> = diffs
                    .iter()
                    .map(|(e, o)| match o {
                        Observed::Conflicting { detail } => format!("{e}: {detail}"),
                        _ => format!("expected {e}, the catalog differs"),
                    })
                    .collect();
                format!(
                    " The closest is {}: {}.",
                    prefix_words(*k, n),
                    shown.join("; ")
                )
            })
            .unwrap_or_default();
        return Decision {
            verdict: Verdict::Conflicting,
            reason: format!(
                "No state the script can leave (none, {}) matches the catalog.{detail}",
                if m.possible.len() > 2 {
                    "some or all of its statements"
                } else {
                    "or all of it"
                }
            ),
            applied: None,
        };
    };
    let harmful: Vec<usize> = (lo..hi)
        .filter(|&i| {
            traits
                .get(i)
                .is_none_or(|t| !(t.rerun_safe() && t.skip_safe()))
        })
        .collect();
    if !harmful.is_empty() {
        return undecided(format!(
            "The catalog matches {}: statement(s) {} cannot be told apart (their effect is not visible in the catalog{}), \
             and re-running or skipping them is not harmless.",
            m.matching
                .iter()
                .map(|&k| prefix_words(k, n))
                .collect::<Vec<_>>()
                .join(", "),
            list(&harmful),
            if harmful.iter().any(|&i| traits.get(i).is_some_and(|t| t.kind == StatementKind::Data)) {
                "; data changes are never visible"
            } else {
                ""
            }
        ));
    }
    // Guarded DDL between the matches whose object may or may not have been there before the
    // script: the catalog cannot say whether it ran. Running it again or skipping it is
    // harmless, but which prefix is the truth is not known: only what every match agrees on is
    // decided. (A `SET`, or a guarded statement known to do nothing where it stands, leaves
    // nothing to tell apart: either prefix is as true as the other.)
    let undetermined: Vec<usize> = (lo..hi)
        .filter(|&i| {
            traits
                .get(i)
                .is_some_and(|t| t.kind != StatementKind::Inert)
                && !m.no_ops.get(i).copied().unwrap_or(false)
        })
        .collect();
    if !undetermined.is_empty() && hi < n {
        let unsure = format!(
            "statement(s) {} only do something when their object is not already as they leave it, and the catalog \
             cannot say whether it was so before the script (running them again is harmless)",
            list(&undetermined)
        );
        if lo == 0 {
            return undecided(format!(
                "The catalog matches {}: #{hi}..#{} did not run, but {unsure}, so whether anything of it ran cannot be told.",
                m.matching
                    .iter()
                    .map(|&k| prefix_words(k, n))
                    .collect::<Vec<_>>()
                    .join(", "),
                n - 1
            ));
        }
        return Decision {
            verdict: Verdict::PartiallyApplied,
            reason: format!(
                "The catalog is as the first {lo} to {hi} of {n} statements leave it: #0..#{} are applied, #{hi}..#{} are not; {unsure}.",
                lo - 1,
                n - 1
            ),
            applied: None,
        };
    }
    let ambiguity = if lo == hi {
        String::new()
    } else {
        format!(
            " (statements {} leave the catalog the same whether or not they ran, and running them again is harmless)",
            list(&(lo..hi).collect::<Vec<_>>())
        )
    };
    let k = if hi == n { hi } else { lo };
    let (verdict, reason) = if k == n {
        (
            Verdict::FullyApplied,
            format!("The catalog is as the whole script leaves it{ambiguity}."),
        )
    } else if k == 0 {
        (
            Verdict::NotApplied,
            format!("The catalog is as it was before the script{ambiguity}."),
        )
    } else {
        (
            Verdict::PartiallyApplied,
            format!(
                "The catalog is as the first {k} of {n} statements leave it: #0..#{} are applied, #{k}..#{} are not{ambiguity}.",
                k - 1,
                n - 1
            ),
        )
    };
    Decision {
        verdict,
        reason,
        applied: Some(k),
    }
}

/// The match narrowed by the statement the logs name as the failing one (`failing`), and what
/// the verdict's reason should add. Statement by statement, the deploy stopped right before it:
/// among several matching prefixes that one is the truth (unless changed by hand since). When
/// the catalog does not show the state it leaves, the catalog decides and the note says that
/// the two disagree.
pub fn pin_to_failing(
    m: &PrefixMatch,
    n: usize,
    failing: Option<usize>,
    execution: Execution,
) -> (PrefixMatch, Option<String>) {
    let Some(f) = failing.filter(|_| execution == Execution::StatementByStatement) else {
        return (m.clone(), None);
    };
    if m.matching.len() > 1 && m.matching.contains(&f) {
        let note = format!(
            " The catalog alone matches {}; the logs name statement #{f} as the one that failed, so the first {f} ran.",
            m.matching
                .iter()
                .map(|&k| prefix_words(k, n))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let pinned = PrefixMatch {
            matching: vec![f],
            ..m.clone()
        };
        return (pinned, Some(note));
    }
    let note = (!m.matching.contains(&f)).then(|| {
        format!(
            " The logs name statement #{f} as the one that failed, but the catalog does not show the state the first {f} statement(s) leave: it was changed since the failure, or the logs are from another run."
        )
    });
    (m.clone(), note)
}

fn prefix_words(k: usize, n: usize) -> String {
    match k {
        0 => "none of the script".to_string(),
        k if k == n => "all of the script".to_string(),
        k => format!("the first {k} statement(s)"),
    }
}

fn list(indexes: &[usize]) -> String {
    indexes
        .iter()
        .map(|i| format!("#{i}"))
        .collect::<Vec<_>>()
        .join(", ")
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
                    // undetermined ones (guarded: harmless to run again) included
                    .filter(|s| matches!(s.effect, Effect::Absent | Effect::Unknown))
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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::evidence::kind::{StatementKind, StatementTraits};

    fn tr(kind: StatementKind, guarded: bool) -> StatementTraits {
        StatementTraits {
            kind,
            guarded,
            has_uncompared_parts: false,
            idempotent: false,
        }
    }

    fn m(possible: Vec<usize>, matching: Vec<usize>) -> PrefixMatch {
        PrefixMatch {
            possible,
            matching,
            closest: None,
            no_ops: Vec::new(),
        }
    }

    #[test]
    fn one_match_decides() {
        let ddl = [tr(StatementKind::Modelled, false); 3];
        let d = decide_verdict(&m((0..=3).collect(), vec![0]), &ddl, 3);
        assert_eq!((d.verdict, d.applied), (Verdict::NotApplied, Some(0)));
        let d = decide_verdict(&m((0..=3).collect(), vec![3]), &ddl, 3);
        assert_eq!((d.verdict, d.applied), (Verdict::FullyApplied, Some(3)));
        let d = decide_verdict(&m((0..=3).collect(), vec![2]), &ddl, 3);
        assert_eq!((d.verdict, d.applied), (Verdict::PartiallyApplied, Some(2)));
        let d = decide_verdict(&m((0..=3).collect(), vec![]), &ddl, 3);
        assert_eq!((d.verdict, d.applied), (Verdict::Conflicting, None));
        let d = decide_verdict(&m(vec![], vec![]), &[], 0);
        assert_eq!(d.verdict, Verdict::Unknown);
    }

    #[test]
    fn undetermined_statements_decide_only_when_harmless() {
        // SET lock_timeout; CREATE TABLE; CREATE INDEX: the SET is invisible but inert.
        let t = [
            tr(StatementKind::Inert, false),
            tr(StatementKind::Modelled, false),
            tr(StatementKind::Modelled, false),
        ];
        let d = decide_verdict(&m((0..=3).collect(), vec![0, 1]), &t, 3);
        assert_eq!((d.verdict, d.applied), (Verdict::NotApplied, Some(0)));
        let d = decide_verdict(&m((0..=3).collect(), vec![1, 2]), &t, 3);
        assert_eq!(
            d.verdict,
            Verdict::Unknown,
            "an unguarded CREATE between matches"
        );
        // ADD COLUMN; UPDATE; SET NOT NULL stopped after the ADD COLUMN or after the UPDATE.
        let t = [
            tr(StatementKind::Modelled, false),
            tr(StatementKind::Data, false),
            tr(StatementKind::Modelled, false),
        ];
        let d = decide_verdict(&m((0..=3).collect(), vec![1, 2]), &t, 3);
        assert_eq!(d.verdict, Verdict::Unknown);
        assert!(d.reason.contains("#1"), "{}", d.reason);
        // A guarded statement whose effect was already there, at the end: fully applied.
        let t = [
            tr(StatementKind::Modelled, false),
            tr(StatementKind::Modelled, true),
        ];
        let d = decide_verdict(&m((0..=2).collect(), vec![1, 2]), &t, 2);
        assert_eq!((d.verdict, d.applied), (Verdict::FullyApplied, Some(2)));
        // A guarded statement whose object may have been there before, between "nothing" and
        // a partial prefix: only what every match agrees on is decided.
        let t = [
            tr(StatementKind::Modelled, true),
            tr(StatementKind::Modelled, false),
        ];
        let d = decide_verdict(&m((0..=2).collect(), vec![0, 1]), &t, 2);
        assert_eq!((d.verdict, d.applied), (Verdict::Unknown, None));
        assert!(d.reason.contains("#0"), "{}", d.reason);
        // ... known to do nothing where it stands: interchangeable, "nothing ran" decided.
        let mut known = m((0..=2).collect(), vec![0, 1]);
        known.no_ops = vec![true, false];
        let d = decide_verdict(&known, &t, 2);
        assert_eq!((d.verdict, d.applied), (Verdict::NotApplied, Some(0)));
        // ... between two partial prefixes: partially applied, without a single k.
        let t = [
            tr(StatementKind::Modelled, false),
            tr(StatementKind::Modelled, true),
            tr(StatementKind::Modelled, false),
        ];
        let d = decide_verdict(&m((0..=3).collect(), vec![1, 2]), &t, 3);
        assert_eq!((d.verdict, d.applied), (Verdict::PartiallyApplied, None));
        // Only data statements: nothing visible, nothing decided, whatever the model.
        let t = [tr(StatementKind::Data, false); 2];
        let d = decide_verdict(&m(vec![0, 2], vec![0, 2]), &t, 2);
        assert_eq!(d.verdict, Verdict::Unknown);
    }

    #[test]
    fn the_failing_statement_in_the_logs_pins_the_prefix() {
        // ADD COLUMN; UPDATE; SET NOT NULL: the catalog cannot tell whether the UPDATE ran.
        let t = [
            tr(StatementKind::Modelled, false),
            tr(StatementKind::Data, false),
            tr(StatementKind::Modelled, false),
        ];
        let both = m((0..=3).collect(), vec![1, 2]);
        assert_eq!(decide_verdict(&both, &t, 3).verdict, Verdict::Unknown);
        // Statement by statement, the logs say #2 failed: the UPDATE ran.
        let (pinned, note) = pin_to_failing(&both, 3, Some(2), Execution::StatementByStatement);
        let d = decide_verdict(&pinned, &t, 3);
        assert_eq!((d.verdict, d.applied), (Verdict::PartiallyApplied, Some(2)));
        assert!(note.is_some_and(|n| n.contains("#2")));
        // One transaction: a failure leaves nothing, the logs do not pin a prefix.
        let (same, note) = pin_to_failing(&both, 3, Some(2), Execution::AllOrNothing);
        assert_eq!((same, note), (both.clone(), None));
        // The catalog does not show the state the logs imply: it decides, and says so.
        let (same, note) = pin_to_failing(&both, 3, Some(0), Execution::StatementByStatement);
        assert_eq!(same, both);
        assert!(note.is_some_and(|n| n.contains("changed since")));
    }

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
