//! Writes: `resolve` (Prisma-identical ledger changes) and `heal` (the safe policy), both under
//! Prisma's advisory lock.

pub mod heal;
pub mod lock;
pub mod resolve;

use crate::diagnose::Session;
use crate::error::{DoctorError, ErrorCode, Result};
use crate::project::Options;

/// Session advisory locks do not survive a transaction-mode pooler: the lock would be taken on
/// one server connection and the writes sent on another. Refuse unless the caller insists.
pub fn refuse_pooler(session: &Session, options: &Options) -> Result<()> {
    match session.spec.pooler_reason() {
        Some(reason) if !options.allow_pooler => Err(DoctorError::new(
            ErrorCode::Pooler,
            format!(
                "Refusing to write through a connection pooler ({reason}): Prisma's advisory lock cannot be held there. \
                 Use the direct database URL (Prisma's directUrl), or pass allowPooler (CLI: --allow-pooler) if this \
                 pooler runs in session mode."
            ),
        )),
        _ => Ok(()),
    }
}
