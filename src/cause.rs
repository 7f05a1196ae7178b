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
