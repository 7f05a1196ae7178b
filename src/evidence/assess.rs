//! The evidence stage as the pipeline uses it: every failed script split, its expected effects
//! derived, the live catalog read ONCE for all of them, each statement judged.

use tokio_postgres::GenericClient;

use super::catalog::{self, Observed};
use super::effects::{self, StatementEffects};
use super::split::{self, Statement};
use crate::error::{DoctorError, Result};
use crate::report::{Effect, StatementEvidence};

/// One failed migration's statements with what the catalog says about each.
#[derive(Debug, Clone, Default)]
pub struct Assessed {
    pub statements: Vec<StatementEvidence>,
    pub has_transaction_control: bool,
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
            Some((split, effects)) => Assessed {
                has_transaction_control: split.has_transaction_control,
                statements: split
                    .statements
                    .iter()
                    .zip(&effects.statements)
                    .map(|(stmt, eff)| judge(stmt, eff, &snapshot))
                    .collect(),
            },
        })
        .collect())
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
