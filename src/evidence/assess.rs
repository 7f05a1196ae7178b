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
    /// Every prefix matched, with the state before the script also taken from the earlier
    /// migrations when they say something about what it touches.
    pub scan: PrefixScan,
    /// The same from the script alone, when the earlier migrations were used.
    pub scan_without_history: Option<PrefixScan>,
    pub has_transaction_control: bool,
}

impl Assessed {
    pub fn statement_count(&self) -> usize {
        self.own.len()
    }

    /// The match under an execution model. The earlier migrations only sharpen it: when the
    /// catalog contradicts what they say (a change made by hand since), the script alone decides.
    pub fn select(&self, possible: Vec<usize>) -> PrefixMatch {
        let m = self.scan.select(possible.clone());
        match &self.scan_without_history {
            Some(plain) if m.matching.is_empty() => {
                let p = plain.select(possible);
                if p.matching.is_empty() {
                    m
                } else {
                    p
                }
            }
            _ => m,
        }
    }
}

/// What the earlier migrations leave for the objects a failed script finds already there (it
/// drops, renames or alters them) and for the objects of its guarded statements (`IF [NOT]
/// EXISTS`, whose state before the script the script itself does not say): their scripts that
/// name one of them, replayed in order.
fn history_facts(
    before: &Replay,
    guarded: &[&effects::Expectation],
    history: &[&[u8]],
    default_schema: &str,
) -> Vec<effects::Expectation> {
    use effects::Expectation::{ExtensionExists, SchemaExists};
    let existing: Vec<&effects::Expectation> = before
        .prior
        .iter()
        .filter(|p| p.fact.exists() == Some(true) || p.fact.exists().is_none())
        .map(|p| &p.fact)
        .chain(guarded.iter().copied())
        .collect();
    let names = catalog::names_named(existing.iter().copied());
    // Schemas and extensions are not named by relation: matched as objects.
    let namespaces: Vec<&effects::Expectation> = guarded
        .iter()
        .copied()
        .filter(|e| matches!(e, SchemaExists { .. } | ExtensionExists { .. }))
        .collect();
    let namespace_name = |e: &effects::Expectation| match e {
        SchemaExists { name, .. } | ExtensionExists { name, .. } => Some(name.clone()),
        _ => None,
    };
    let mut words = names.clone();
    words.extend(namespaces.iter().filter_map(|e| namespace_name(e)));
    if words.is_empty() || history.is_empty() {
        return Vec::new();
    }
    let mentions = |script: &[u8]| {
        words
            .iter()
            .any(|n| script.windows(n.len()).any(|w| w == n.as_bytes()))
    };
    let mut combined = split::SplitScript {
        statements: Vec::new(),
        has_transaction_control: false,
    };
    for script in history.iter().filter(|s| mentions(s)) {
        let part = split::split_script(&String::from_utf8_lossy(script));
        for mut stmt in part.statements {
            stmt.index = combined.statements.len();
            combined.statements.push(stmt);
        }
    }
    if combined.statements.is_empty() {
        return Vec::new();
    }
    let replayed = effects::script_effects(&combined, default_schema);
    replayed
        .after(combined.statements.len())
        .iter()
        .flat_map(StatementEffects::expectations)
        .filter(|e| {
            catalog::names_named(std::iter::once(*e))
                .iter()
                .any(|n| names.contains(n))
                || namespaces.iter().any(|g| g.obj() == e.obj())
        })
        .cloned()
        .collect()
}

/// `scripts[i]` is the local migration.sql of the i-th failed migration (None: folder gone);
/// `histories[i]` the scripts of the migrations before it (may be empty).
pub async fn assess(
    client: &impl GenericClient,
    scripts: &[Option<String>],
    histories: &[Vec<&[u8]>],
    default_schema: &str,
) -> Result<Vec<Assessed>> {
    Ok(load(client, scripts, default_schema)
        .await?
        .finish(histories, default_schema))
}

/// The failed scripts split, their effects, and the catalog read for them: what `assess` needs
/// the database for. The earlier migrations are only needed after it (`finish`), so a caller
/// can read the catalog while it is still reading the migrations folder.
pub struct Loaded {
    prepared: Vec<Option<(split::SplitScript, effects::ScriptEffects)>>,
    snapshot: Option<catalog::CatalogSnapshot>,
}

/// The first half of `assess`: everything up to the catalog snapshot.
pub async fn load(
    client: &impl GenericClient,
    scripts: &[Option<String>],
    default_schema: &str,
) -> Result<Loaded> {
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
        return Ok(Loaded {
            prepared,
            snapshot: None,
        });
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
    Ok(Loaded {
        prepared,
        snapshot: Some(snapshot),
    })
}

impl Loaded {
    /// The second half of `assess`: each statement judged, every prefix matched, with what the
    /// earlier migrations (`histories[i]` for the i-th script) say.
    pub fn finish(self, histories: &[Vec<&[u8]>], default_schema: &str) -> Vec<Assessed> {
        let Loaded { prepared, snapshot } = self;
        let Some(snapshot) = snapshot else {
            return vec![Assessed::default(); prepared.len()];
        };
        finish(&prepared, snapshot, histories, default_schema)
    }
}

fn finish(
    prepared: &[Option<(split::SplitScript, effects::ScriptEffects)>],
    snapshot: catalog::CatalogSnapshot,
    histories: &[Vec<&[u8]>],
    default_schema: &str,
) -> Vec<Assessed> {
    prepared
        .iter()
        .enumerate()
        .map(|(i, p)| match p {
            None => Assessed::default(),
            Some((split, effects)) => {
                let traits: Vec<StatementTraits> = split
                    .statements
                    .iter()
                    .zip(&effects.statements)
                    .map(|(stmt, eff)| kind::traits_of(stmt, eff))
                    .collect();
                let history = histories.get(i).map(Vec::as_slice).unwrap_or_default();
                let plain = Replay::new(effects, &traits);
                let guarded: Vec<&effects::Expectation> = effects
                    .statements
                    .iter()
                    .zip(&traits)
                    .filter(|(_, t)| t.guarded)
                    .flat_map(|(e, _)| e.expectations())
                    .collect();
                let mut known = history_facts(&plain, &guarded, history, default_schema);
                // The schema the ledger lives in was there before any migration ran.
                let ledger_schema = effects::Expectation::SchemaExists {
                    name: default_schema.to_string(),
                    exists: true,
                };
                if guarded.iter().any(|e| e.obj() == ledger_schema.obj()) {
                    known.push(ledger_schema);
                }
                let plain_scan = matching::scan(&plain, &traits, &snapshot);
                let (scan, scan_without_history) = if known.is_empty() {
                    (plain_scan, None)
                } else {
                    let sharpened = plain.with_history(&traits, &known, |e| {
                        catalog::observe(e, &snapshot) == Observed::Present
                    });
                    (
                        matching::scan(&sharpened, &traits, &snapshot),
                        Some(plain_scan),
                    )
                };
                Assessed {
                    has_transaction_control: split.has_transaction_control,
                    own: split
                        .statements
                        .iter()
                        .zip(&effects.statements)
                        .zip(&traits)
                        .map(|((stmt, eff), t)| judge(stmt, eff, t, &snapshot))
                        .collect(),
                    scan,
                    scan_without_history,
                    traits,
                }
            }
        })
        .collect()
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
    traits: &StatementTraits,
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
        idempotent: traits.guarded,
        transaction_control: stmt.transaction_control,
        non_transactional: stmt.non_transactional.clone(),
    }
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
