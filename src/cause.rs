//! Placeholder until the cause classifier lands: SQLSTATE and message extraction only.

pub fn extract_sqlstate(logs: &str) -> Option<String> {
    let idx = logs.find("Database error code: ")?;
    let code: String = logs[idx + 21..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    (code.len() == 5).then_some(code)
}

pub fn extract_database_error(logs: &str) -> Option<String> {
    logs.lines()
        .find_map(|l| l.split_once("ERROR: ").map(|(_, m)| m.trim().to_string()))
}

pub struct CauseInput<'a> {
    pub migration_name: &'a str,
    pub logs: &'a str,
    pub script: Option<&'a str>,
    pub lock_provider: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CauseCode {
    Unknown,
}

impl CauseCode {
    pub fn as_str(&self) -> &'static str {
        "unknown"
    }
}

pub struct Cause {
    pub code: CauseCode,
    pub sqlstate: Option<String>,
    pub title: String,
    pub explanation: String,
    pub fix: String,
    pub transient: bool,
    pub deterministic: bool,
    pub object: Option<String>,
}

pub fn classify_cause(input: &CauseInput) -> Cause {
    Cause {
        code: CauseCode::Unknown,
        sqlstate: extract_sqlstate(input.logs),
        title: "unknown".into(),
        explanation: String::new(),
        fix: String::new(),
        transient: false,
        deterministic: false,
        object: None,
    }
}
