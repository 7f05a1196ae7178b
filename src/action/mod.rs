//! Writes: `resolve` (Prisma-identical ledger changes) under Prisma's advisory lock.

pub mod lock;
pub mod resolve;
