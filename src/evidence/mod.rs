//! Placeholder until the evidence stage lands.
use crate::report::{Effect, StatementEvidence};

pub struct Assessed {
    pub statements: Vec<StatementEvidence>,
    pub has_transaction_control: bool,
}

pub async fn assess(
    _client: &tokio_postgres::Client,
    scripts: &[Option<String>],
    _default_schema: &str,
) -> crate::error::Result<Vec<Assessed>> {
    Ok(scripts
        .iter()
        .map(|s| Assessed {
            statements: s
                .iter()
                .map(|sql| StatementEvidence {
                    index: 0,
                    sql: sql.clone(),
                    effect: Effect::Unverifiable,
                    detail: None,
                    idempotent: false,
                    transaction_control: false,
                    non_transactional: None,
                })
                .collect(),
            has_transaction_control: false,
        })
        .collect())
}
