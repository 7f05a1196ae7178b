//! prisma-migrate-doctor: diagnose and safely resolve Prisma's P3009 on PostgreSQL.
//!
//! The pipeline (DESIGN.md), one module per stage:
//! `project` -> `local` -> `ledger` -> `evidence` -> `cause` -> `verdict` -> `action` -> `report`.
//! `diagnose` wires the read-only stages; `fleet` runs them (and heal) over many targets;
//! `binding` is the thin napi layer (feature `node`).

pub mod action;
pub mod cause;
pub mod connection;
pub mod diagnose;
pub mod error;
pub mod evidence;
pub mod execution;
pub mod fleet;
pub mod ledger;
pub mod local;
pub mod project;
pub mod report;
pub mod tls;
pub mod verdict;

#[cfg(feature = "node")]
mod binding;

pub use action::resolve::resolve;
pub use diagnose::diagnose;
pub use error::{DoctorError, ErrorCode};
pub use project::Options;
