//! Evidence: what a failed migration script did to the database.
//!
//! - `split::split_script` cuts the script into statements (exact byte spans), flags transaction
//!   control and statements that cannot run inside a transaction block.
//! - `effects::script_effects` says what each statement makes true in the catalog
//!   (`Expectation`s), or why that cannot be said (`Unverifiable`). Nothing is guessed: a
//!   statement the recogniser does not understand completely is unverifiable.
//! - `catalog::load_snapshot` reads the live catalog once (five read-only queries, no named
//!   prepared statements), and `catalog::observe` checks one expectation against it.
//!
//! Typical use:
//!
//! ```text
//! let script = split_script(&sql);
//! let effects = script_effects(&script, default_schema);
//! let schemas = schemas_named(effects.statements.iter().flat_map(|e| e.expectations()), default_schema);
//! let snap = load_snapshot(&client, &schemas).await?;
//! // "Were statements 0..k applied?": every fact of `effects.after(k)` is Present.
//! // "Was statement k applied?": `summarize` over `effects.statements[k]` is not Absent.
//! ```
//!
//! Observed values describe the fact, not the object: `Present` for `exists: false` means the
//! object is gone. A statement is atomic, so one Absent fact means it has not taken effect;
//! all facts Present means its effect is there (not necessarily that it ran: `IF NOT EXISTS`
//! no-ops and renamed-back objects look the same before and after). Later statements can drop,
//! rename or change what an earlier one made; `ScriptEffects::after(k)` carries facts forward
//! through statements `..k`, so use it, not the raw per-statement facts, to test a prefix.

pub mod assess;
pub mod catalog;
pub mod effects;
pub mod failing;
pub mod kind;
pub mod matching;
pub mod replay;
pub mod split;

pub use assess::{assess, Assessed};
