//! How facts read in reports and test messages.

use std::fmt;

use super::facts::*;

pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

// Display, for reports and test messages

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Expectation::*;
        let q = |s: &str, n: &str| format!("{}.{}", quote(s), quote(n));
        let list = |c: &[String]| c.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
        let presence = |exists: &bool| if *exists { "exists" } else { "is absent" };
        let replaced = |r: &bool| {
            if *r {
                " (replacing one of that name)"
            } else {
                ""
            }
        };
        match self {
            SchemaExists { name, exists } => {
                write!(f, "schema {} {}", quote(name), presence(exists))
            }
            ExtensionExists {
                name,
                schema,
                exists,
            } => {
                write!(f, "extension {} {}", quote(name), presence(exists))?;
                match schema {
                    Some(s) => write!(f, " in schema {}", quote(s)),
                    None => Ok(()),
                }
            }
            SequenceOwnedBy {
                schema,
                name,
                owner,
            } => match owner {
                Some((t, c)) => write!(
                    f,
                    "sequence {} is owned by {}.{}",
                    q(schema, name),
                    q(schema, t),
                    quote(c)
                ),
                None => write!(f, "sequence {} is owned by no column", q(schema, name)),
            },
            ColumnExists {
                schema,
                table,
                column,
                exists,
                data_type,
                not_null,
                default,
                replaces,
            } => {
                write!(
                    f,
                    "column {}.{} {}",
                    q(schema, table),
                    quote(column),
                    presence(exists)
                )?;
                if let Some(t) = data_type {
                    write!(f, ": {t}")?;
                }
                if let Some(n) = not_null {
                    write!(f, "{}", if *n { " NOT NULL" } else { " NULL" })?;
                }
                match default {
                    Some(d) => write!(f, " {d}{}", replaced(replaces)),
                    None => write!(f, "{}", replaced(replaces)),
                }
            }
            ColumnType {
                schema,
                table,
                column,
                data_type,
            } => {
                write!(
                    f,
                    "column {}.{} has type {data_type}",
                    q(schema, table),
                    quote(column)
                )
            }
            ColumnNotNull {
                schema,
                table,
                column,
                not_null,
            } => {
                let what = if *not_null { "NOT NULL" } else { "nullable" };
                write!(f, "column {}.{} is {what}", q(schema, table), quote(column))
            }
            ColumnDefault {
                schema,
                table,
                column,
                default,
            } => {
                write!(
                    f,
                    "column {}.{} has {default}",
                    q(schema, table),
                    quote(column)
                )
            }
            ConstraintValidated {
                schema,
                table,
                name,
                validated,
            } => write!(
                f,
                "constraint {} on {} is {}",
                quote(name),
                q(schema, table),
                if *validated { "validated" } else { "NOT VALID" }
            ),
            ConstraintExists {
                schema,
                table,
                name,
                kind,
                columns,
                foreign_key,
                exists,
                replaces,
            } => {
                if let Some(k) = kind {
                    write!(f, "{k:?} ")?;
                }
                match name {
                    Some(n) => write!(f, "constraint {} on {}", quote(n), q(schema, table))?,
                    None => write!(f, "unnamed constraint on {}", q(schema, table))?,
                }
                if let Some(c) = columns {
                    write!(f, " ({})", list(c))?;
                }
                if let Some(fk) = foreign_key {
                    write!(f, " -> {}", q(&fk.ref_schema, &fk.ref_table))?;
                    if let Some(c) = &fk.ref_columns {
                        write!(f, " ({})", list(c))?;
                    }
                    write!(
                        f,
                        " ON DELETE {:?} ON UPDATE {:?}",
                        fk.on_delete, fk.on_update
                    )?;
                }
                write!(f, " {}{}", presence(exists), replaced(replaces))
            }
            IndexExists {
                schema,
                name,
                table,
                unique,
                columns,
                method,
                descending,
                exists,
                replaces,
            } => {
                if *unique == Some(true) {
                    write!(f, "unique ")?;
                }
                if let Some(m) = method {
                    write!(f, "{m} ")?;
                }
                write!(f, "index {}", q(schema, name))?;
                if let Some(t) = table {
                    write!(f, " on {}", quote(t))?;
                }
                if let Some(c) = columns {
                    write!(f, " ({})", list(c))?;
                }
                if let Some(d) = descending.as_ref().filter(|d| d.contains(&true)) {
                    let order: Vec<&str> =
                        d.iter().map(|d| if *d { "DESC" } else { "ASC" }).collect();
                    write!(f, " [{}]", order.join(", "))?;
                }
                write!(f, " {}{}", presence(exists), replaced(replaces))
            }
            TypeExists {
                schema,
                name,
                kind,
                exists,
            } => {
                let kind = kind
                    .map(|k| format!("{k:?} "))
                    .unwrap_or_default()
                    .to_lowercase();
                write!(f, "{kind}type {} {}", q(schema, name), presence(exists))
            }
            EnumValuesExactly {
                schema,
                type_name,
                values,
            } => {
                let shown: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
                write!(
                    f,
                    "enum {} has exactly the values {}",
                    q(schema, type_name),
                    shown.join(", ")
                )
            }
            EnumValueExists {
                schema,
                type_name,
                value,
                exists,
            } => {
                write!(
                    f,
                    "enum {} value '{value}' {}",
                    q(schema, type_name),
                    presence(exists)
                )
            }
            FunctionExists {
                schema,
                name,
                arg_types,
                exists,
            } => {
                let args = arg_types
                    .as_ref()
                    .map(|a| a.join(", "))
                    .unwrap_or_else(|| "...".into());
                write!(
                    f,
                    "function {}({args}) {}",
                    q(schema, name),
                    presence(exists)
                )
            }
            TriggerExists {
                schema,
                table,
                name,
                exists,
            } => {
                write!(
                    f,
                    "trigger {} on {} {}",
                    quote(name),
                    q(schema, table),
                    presence(exists)
                )
            }
            CommentEquals {
                schema,
                relation,
                column,
                comment,
            } => {
                write!(f, "comment on {}", q(schema, relation))?;
                if let Some(c) = column {
                    write!(f, ".{}", quote(c))?;
                }
                match comment {
                    Some(c) => write!(f, " is '{c}'"),
                    None => write!(f, " is empty"),
                }
            }
            TableExists { .. }
            | ViewExists { .. }
            | MaterializedViewExists { .. }
            | SequenceExists { .. } => {
                let Some((kind, schema, name, exists)) = self.as_relation() else {
                    return Ok(());
                };
                write!(
                    f,
                    "{} {} {}",
                    kind_name(kind),
                    q(schema, name),
                    presence(&exists)
                )
            }
            FunctionBody {
                schema,
                name,
                arg_types,
                body,
            } => write!(
                f,
                "function {}({}) has the body `{}`",
                q(schema, name),
                arg_types.join(", "),
                excerpt(body, 60)
            ),
            FunctionComment {
                schema,
                name,
                arg_types,
                comment,
            } => match comment {
                Some(c) => write!(
                    f,
                    "function {}({}) has the comment '{}'",
                    q(schema, name),
                    arg_types.join(", "),
                    excerpt(c, 60)
                ),
                None => write!(
                    f,
                    "function {}({}) has no comment",
                    q(schema, name),
                    arg_types.join(", ")
                ),
            },
            RelationColumns {
                kind,
                schema,
                name,
                columns,
            } => write!(
                f,
                "{} {} has the columns {}",
                kind_name(*kind),
                q(schema, name),
                list(columns)
            ),
        }
    }
}

fn kind_name(kind: RelationKind) -> &'static str {
    match kind {
        RelationKind::Table => "table",
        RelationKind::View => "view",
        RelationKind::MaterializedView => "materialized view",
        RelationKind::Sequence => "sequence",
    }
}

/// The text on one line, cut to about `max` characters.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((cut, _)) => format!("{}...", &flat[..cut]),
        None => flat,
    }
}

impl fmt::Display for DefaultExpectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DefaultExpectation::Absent => write!(f, "no default"),
            DefaultExpectation::Expr(e) => write!(f, "DEFAULT {e}"),
            DefaultExpectation::Nextval => write!(f, "DEFAULT nextval(...)"),
        }
    }
}
