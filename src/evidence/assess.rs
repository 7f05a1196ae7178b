//! The evidence stage as the pipeline uses it: every failed script split, its expected effects
//! derived, the live catalog read ONCE for all of them, each statement judged.

use tokio_postgres::GenericClient;

use super::catalog::{self, Observed};
use super::effects::{self, StatementEffects};
use super::kind::{self, StatementKind, StatementTraits};
use super::matching::{self, PrefixMatch, PrefixScan};
use super::replay::Replay;
use super::split::{self, Statement};
use crate::error::{DoctorError, Result};
use crate::report::{Effect, Execution, StatementEvidence};

/// One failed migration's script held against the live catalog: each statement judged alone,
/// and every prefix of the script replayed and matched.
#[derive(Debug, Clone, Default)]
pub struct Assessed {
    /// Per statement, judged alone against the catalog (the details of the report).
    pub own: Vec<StatementEvidence>,
    pub traits: Vec<StatementTraits>,
    pub scan: PrefixScan,
    pub has_transaction_control: bool,
}

impl Assessed {
    pub fn statement_count(&self) -> usize {
        self.own.len()
    }
}

/// `scripts[i]` is the local migration.sql of the i-th failed migration (None: folder gone).
pub async fn assess(
    client: &impl GenericClient,
    scripts: &[Option<String>],
    default_schema: &str,
) -> Result<Vec<Assessed>> {
    let prepared: Vec<Option<(split::SplitScript, effects::ScriptEffects)>> = scripts
        .iter()
        .map(|s| {
            s.as_deref().map(|sql| {
                let split = split::split_script(sql);
                let effects = effects::script_effects(&split, default_schema);
                (split, effects)
            })
        })
        .collect();
    if prepared.iter().all(Option::is_none) {
        return Ok(vec![Assessed::default(); scripts.len()]);
    }
    let expectations = || {
        prepared
            .iter()
            .flatten()
            .flat_map(|(_, e)| e.statements.iter().flat_map(StatementEffects::expectations))
    };
    let schemas = catalog::schemas_named(expectations(), default_schema);
    let names = catalog::names_named(expectations());
    let snapshot = catalog::load_scoped(client, &schemas, Some(&names))
        .await
        .map_err(|e| DoctorError::database("reading the catalog", e))?;

    Ok(prepared
        .iter()
        .map(|p| match p {
            None => Assessed::default(),
            Some((split, effects)) => {
                let traits: Vec<StatementTraits> = split
                    .statements
                    .iter()
                    .zip(&effects.statements)
                    .map(|(stmt, eff)| {
                        kind::traits(stmt, matches!(eff, StatementEffects::Verifiable(_)))
                    })
                    .collect();
                let replay = Replay::new(effects, &traits);
                Assessed {
                    has_transaction_control: split.has_transaction_control,
                    own: split
                        .statements
                        .iter()
                        .zip(&effects.statements)
                        .map(|(stmt, eff)| judge(stmt, eff, &snapshot))
                        .collect(),
                    scan: matching::scan(&replay, &snapshot),
                    traits,
                }
            }
        })
        .collect())
}

/// The statements as the matched prefixes describe them: ran (present), did not run (absent),
/// or undetermined (unknown; unverifiable when it cannot be checked at all). The details say
/// which catalog facts decided it, or why it was inferred.
pub fn statements_under(
    assessed: &Assessed,
    m: &PrefixMatch,
    execution: Execution,
) -> Vec<StatementEvidence> {
    if m.matching.is_empty() {
        // Nothing matches: each statement as it looks alone (the conflicts show there).
        return assessed.own.clone();
    }
    assessed
        .own
        .iter()
        .enumerate()
        .map(|(i, own)| {
            let t = assessed.traits.get(i).copied();
            let modelled = t.is_some_and(|t| t.kind == StatementKind::Modelled);
            let mut out = own.clone();
            match m.statement_ran(i) {
                Some(ran) => {
                    out.effect = if ran { Effect::Present } else { Effect::Absent };
                    out.detail = if modelled {
                        match (ran, own.effect) {
                            (true, Effect::Present) | (false, Effect::Absent) => own.detail.clone(),
                            (true, _) => Some(
                                "applied: its changes were changed again by later statements, which are present"
                                    .to_string(),
                            ),
                            (false, _) => Some(
                                "not applied: the catalog is as it was before this statement (what it makes was already there, or is made again later)"
                                    .to_string(),
                            ),
                        }
                    } else if execution == Execution::AllOrNothing {
                        Some(format!(
                            "{} by inference: the script ran as one transaction, and the catalog shows {} of it",
                            if ran { "ran" } else { "did not run" },
                            if ran { "all" } else { "none" }
                        ))
                    } else {
                        Some(format!(
                            "{} by inference: statements ran one by one, and {}",
                            if ran { "ran" } else { "did not run" },
                            if ran {
                                "a later statement is applied"
                            } else {
                                "an earlier statement is not applied"
                            }
                        ))
                    };
                }
                None => {
                    out.effect = if modelled {
                        Effect::Unknown
                    } else {
                        Effect::Unverifiable
                    };
                    out.detail = Some(match own.detail.as_deref() {
                        Some(d) if !modelled => format!(
                            "{d}; the statements around it do not decide whether it ran"
                        ),
                        _ => "the catalog looks the same whether or not it ran".to_string(),
                    });
                }
            }
            out
        })
        .collect()
}

fn judge(
    stmt: &Statement,
    effects: &StatementEffects,
    snapshot: &catalog::CatalogSnapshot,
) -> StatementEvidence {
    let (effect, detail) = if stmt.transaction_control {
        (
            Effect::Unverifiable,
            Some("transaction control: changes nothing by itself".to_string()),
        )
    } else {
        match effects {
            StatementEffects::Unverifiable { reason } => {
                (Effect::Unverifiable, Some(reason.clone()))
            }
            StatementEffects::Verifiable(expectations) => {
                let observed: Vec<(String, Observed)> = expectations
                    .iter()
                    .map(|e| (e.to_string(), catalog::observe(e, snapshot)))
                    .collect();
                if let Some((what, Observed::Conflicting { detail })) = observed
                    .iter()
                    .find(|(_, o)| matches!(o, Observed::Conflicting { .. }))
                {
                    (Effect::Conflicting, Some(format!("{what}: {detail}")))
                } else if let Some((what, _)) =
                    observed.iter().find(|(_, o)| *o == Observed::Absent)
                {
                    (Effect::Absent, Some(format!("expected, not found: {what}")))
                } else {
                    (Effect::Present, None)
                }
            }
        }
    };
    StatementEvidence {
        index: u32::try_from(stmt.index).unwrap_or(u32::MAX),
        sql: stmt.sql.clone(),
        effect,
        detail,
        idempotent: is_idempotent(&stmt.sql),
        transaction_control: stmt.transaction_control,
        non_transactional: stmt.non_transactional.clone(),
    }
}

/// `IF NOT EXISTS`, `IF EXISTS`, `OR REPLACE`: the statement leaves the same catalog whether or
/// not it ran, so its presence proves nothing about the migration. Read with the splitter's own
/// lexer, so quoted identifiers and strings never match.
fn is_idempotent(sql: &str) -> bool {
    let words: Vec<String> = split::lex(sql)
        .iter()
        .filter(|t| t.kind != split::Tok::Comment)
        .take(12)
        .map(|t| match t.kind {
            split::Tok::Word => sql[t.start..t.end].to_ascii_uppercase(),
            _ => String::new(),
        })
        .collect();
    words.windows(3).any(|w| w == ["IF", "NOT", "EXISTS"])
        || words
            .windows(2)
            .any(|w| w == ["IF", "EXISTS"] || w == ["OR", "REPLACE"])
}

/// For a database without a ledger (P3005): how many leading migrations the live schema holds
/// exactly, i.e. the largest `j` such that every verifiable fact of migrations `0..j`, carried
/// forward through all of them (later ones may rename or drop what earlier ones made), is
/// present. Those are the migrations to record as applied to baseline. 0 when none fits.
pub async fn baseline_prefix(
    client: &impl GenericClient,
    scripts: &[Option<String>],
    default_schema: &str,
) -> Result<usize> {
    // One script made of every migration's statements, and where each migration ends in it.
    let mut combined = split::SplitScript {
        statements: Vec::new(),
        has_transaction_control: false,
    };
    let mut ends = Vec::with_capacity(scripts.len());
    for script in scripts {
        let Some(sql) = script else { break };
        let part = split::split_script(sql);
        combined.has_transaction_control |= part.has_transaction_control;
        for mut stmt in part.statements {
            stmt.index = combined.statements.len();
            combined.statements.push(stmt);
        }
        ends.push(combined.statements.len());
    }
    let effects = effects::script_effects(&combined, default_schema);
    let all = || {
        effects
            .statements
            .iter()
            .flat_map(StatementEffects::expectations)
    };
    let schemas = catalog::schemas_named(all(), default_schema);
    let names = catalog::names_named(all());
    let snapshot = catalog::load_scoped(client, &schemas, Some(&names))
        .await
        .map_err(|e| DoctorError::database("reading the catalog", e))?;
    for (j, &end) in ends.iter().enumerate().rev() {
        let facts = effects.after(end);
        let mut verifiable = facts
            .iter()
            .flat_map(StatementEffects::expectations)
            .peekable();
        if verifiable.peek().is_some()
            && verifiable.all(|e| catalog::observe(e, &snapshot) == Observed::Present)
        {
            return Ok(j + 1);
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::is_idempotent;

    #[test]
    fn idempotent_forms() {
        assert!(is_idempotent("CREATE SCHEMA IF NOT EXISTS \"public\""));
        assert!(is_idempotent(
            "CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql"
        ));
        assert!(is_idempotent("DROP INDEX IF EXISTS \"a\""));
        assert!(!is_idempotent("CREATE TABLE \"IF\" (\"exists\" int)"));
    }
}
