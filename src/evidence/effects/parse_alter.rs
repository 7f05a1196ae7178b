//! ALTER, DROP and COMMENT statements.

use super::carry::*;
use super::facts::*;
use super::parse_create::*;
use super::parser::*;

impl<'a> Parser<'a> {
    pub(super) fn alter(&mut self) -> Res<()> {
        let head = self.word_at(0).unwrap_or_default();
        self.pos += 1;
        match head.as_str() {
            "table" => self.alter_table(),
            "index" => {
                self.eat_kws(&["if", "exists"]);
                let (schema, from) = self.object()?;
                if !self.eat_kws(&["rename", "to"]) {
                    return Err("only ALTER INDEX ... RENAME TO is modelled".into());
                }
                let to = self.ident()?;
                self.expect_end()?;
                self.steps.push(Step::Rename(Rename::Index {
                    schema: schema.clone(),
                    from: from.clone(),
                    to: to.clone(),
                }));
                for (name, exists) in [(to, true), (from, false)] {
                    self.push(index_presence(&schema, name, exists));
                }
                Ok(())
            }
            "view" => self.alter_relation(RelationKind::View),
            "materialized" => {
                self.expect_kw("view")?;
                self.alter_relation(RelationKind::MaterializedView)
            }
            "sequence" => self.alter_relation(RelationKind::Sequence),
            "type" => self.alter_type(),
            other => Err(format!(
                "`ALTER {}` is not modelled",
                other.to_ascii_uppercase()
            )),
        }
    }

    /// ALTER VIEW / MATERIALIZED VIEW / SEQUENCE: RENAME TO (and OWNED BY for sequences).
    pub(super) fn alter_relation(&mut self, kind: RelationKind) -> Res<()> {
        self.eat_kws(&["if", "exists"]);
        let (schema, from) = self.object()?;
        if kind == RelationKind::Sequence && self.eat_kws(&["owned", "by"]) {
            let owner = self.owner()?;
            self.expect_end()?;
            self.push(Expectation::SequenceOwnedBy {
                schema,
                name: from,
                owner,
            });
            return Ok(());
        }
        if !self.eat_kws(&["rename", "to"]) {
            return Err("only RENAME TO (and ALTER SEQUENCE ... OWNED BY) is modelled here".into());
        }
        let to = self.ident()?;
        self.expect_end()?;
        self.rename_relation(kind, schema, from, to);
        Ok(())
    }

    pub(super) fn rename_relation(
        &mut self,
        kind: RelationKind,
        schema: String,
        from: String,
        to: String,
    ) {
        self.steps.push(Step::Rename(Rename::Relation {
            kind,
            schema: schema.clone(),
            from: from.clone(),
            to: to.clone(),
        }));
        self.push(Expectation::relation(kind, schema.clone(), to, true));
        self.push(Expectation::relation(kind, schema, from, false));
    }

    pub(super) fn alter_type(&mut self) -> Res<()> {
        let (schema, name) = self.object()?;
        if self.eat_kws(&["add", "value"]) {
            self.eat_kws(&["if", "not", "exists"]);
            let value = self.string()?;
            if self.eat_kw("before") || self.eat_kw("after") {
                // The position is not compared.
                self.string()?;
            }
            self.expect_end()?;
            self.push(Expectation::EnumValueExists {
                schema,
                type_name: name,
                value,
                exists: true,
            });
        } else if self.eat_kws(&["rename", "value"]) {
            let from = self.string()?;
            self.expect_kw("to")?;
            let to = self.string()?;
            self.expect_end()?;
            self.steps.push(Step::Rename(Rename::EnumValue {
                schema: schema.clone(),
                type_name: name.clone(),
                from: from.clone(),
                to: to.clone(),
            }));
            for (value, exists) in [(to, true), (from, false)] {
                self.push(Expectation::EnumValueExists {
                    schema: schema.clone(),
                    type_name: name.clone(),
                    value,
                    exists,
                });
            }
        } else if self.eat_kws(&["rename", "to"]) {
            let to = self.ident()?;
            self.expect_end()?;
            self.steps.push(Step::Rename(Rename::Type {
                schema: schema.clone(),
                from: name.clone(),
                to: to.clone(),
                in_default_schema: schema == self.default_schema,
            }));
            for (n, exists) in [(to, true), (name, false)] {
                self.push(Expectation::TypeExists {
                    schema: schema.clone(),
                    name: n,
                    kind: None,
                    exists,
                });
            }
        } else {
            return Err(
                "only ALTER TYPE ... ADD VALUE / RENAME VALUE / RENAME TO are modelled".into(),
            );
        }
        Ok(())
    }

    pub(super) fn alter_table(&mut self) -> Res<()> {
        self.eat_kws(&["if", "exists"]);
        self.eat_kw("only");
        let (schema, table) = self.object()?;
        self.eat_op("*");
        if self.eat_kw("rename") {
            if self.eat_kw("to") {
                let to = self.ident()?;
                self.expect_end()?;
                self.rename_relation(RelationKind::Table, schema, table, to);
                return Ok(());
            }
            let constraint = self.eat_kw("constraint");
            if !constraint {
                self.eat_kw("column");
            }
            let from = self.ident()?;
            self.expect_kw("to")?;
            let to = self.ident()?;
            self.expect_end()?;
            let (s, t) = (schema.clone(), table.clone());
            if constraint {
                self.steps.push(Step::Rename(Rename::Constraint {
                    schema: s,
                    table: t,
                    from: from.clone(),
                    to: to.clone(),
                }));
                for (name, exists) in [(to, true), (from, false)] {
                    self.push(constraint_presence(&schema, &table, name, exists));
                }
            } else {
                self.steps.push(Step::Rename(Rename::Column {
                    schema: s,
                    table: t,
                    from: from.clone(),
                    to: to.clone(),
                }));
                for (column, exists) in [(to, true), (from, false)] {
                    self.push(column_presence(&schema, &table, column, exists));
                }
            }
            return Ok(());
        }
        loop {
            self.alter_table_action(&schema, &table)?;
            if !self.eat_punct(b',') {
                return self.expect_end();
            }
        }
    }

    /// `[CONSTRAINT name] PRIMARY KEY | UNIQUE USING INDEX idx`: the index becomes the
    /// constraint's, renamed to the constraint's name. False (nothing eaten) for other forms.
    fn constraint_using_index(&mut self, schema: &str, table: &str) -> Res<bool> {
        let start = self.pos;
        let name = if self.eat_kw("constraint") {
            Some(self.ident()?)
        } else {
            None
        };
        let kind = if self.eat_kws(&["primary", "key"]) {
            ConstraintKind::PrimaryKey
        } else if self.eat_kw("unique") {
            ConstraintKind::Unique
        } else {
            self.pos = start;
            return Ok(false);
        };
        if !self.eat_kws(&["using", "index"]) {
            self.pos = start;
            return Ok(false);
        }
        let index = self.ident()?;
        while self.constraint_attribute() {}
        // Without a name the constraint takes the index's.
        let name = name.unwrap_or_else(|| index.clone());
        if name != index {
            self.steps.push(Step::Rename(Rename::Index {
                schema: schema.to_string(),
                from: index.clone(),
                to: name.clone(),
            }));
        }
        self.push(Expectation::ConstraintExists {
            schema: schema.to_string(),
            table: table.to_string(),
            name: Some(name.clone()),
            kind: Some(kind),
            columns: None,
            foreign_key: None,
            exists: true,
            replaces: false,
        });
        self.push(index_presence(schema, name.clone(), true));
        if name != index {
            self.push(index_presence(schema, index, false));
        }
        Ok(true)
    }

    pub(super) fn alter_table_action(&mut self, schema: &str, table: &str) -> Res<()> {
        if self.eat_kw("add") {
            if self.at_constraint() {
                if self.constraint_using_index(schema, table)? {
                    return Ok(());
                }
                let c = self.table_constraint()?;
                self.push_constraint(schema, table, c);
                return Ok(());
            }
            self.eat_kw("column");
            let guarded = self.eat_kws(&["if", "not", "exists"]);
            let mark = self.steps.len();
            let col = self.column_def()?;
            let constraints = col.constraints.clone();
            let in_pk = constraints
                .iter()
                .any(|c| c.kind == ConstraintKind::PrimaryKey);
            self.push(col.expectation(schema, table, in_pk));
            for c in constraints {
                self.push_constraint(schema, table, c);
            }
            if guarded {
                self.only_existence_since(mark);
            }
        } else if self.eat_kw("drop") {
            let constraint = self.eat_kw("constraint");
            if !constraint {
                self.eat_kw("column");
            }
            self.eat_kws(&["if", "exists"]);
            let name = self.ident()?;
            self.eat_any(&["cascade", "restrict"]);
            self.push(if constraint {
                constraint_presence(schema, table, name, false)
            } else {
                column_presence(schema, table, name, false)
            });
        } else if self.eat_kw("alter") {
            self.eat_kw("column");
            let column = self.ident()?;
            let (schema, table, column) = (schema.to_string(), table.to_string(), column.clone());
            if self.eat_kws(&["set", "data", "type"]) || self.eat_kw("type") {
                let ty = self.data_type()?;
                if self.eat_kw("collate") {
                    self.qname()?;
                }
                if self.eat_kw("using") {
                    self.expr(&[])?;
                }
                let data_type = ty
                    .canonical
                    .ok_or_else(|| "a column type that could not be normalised".to_string())?;
                self.push(Expectation::ColumnType {
                    schema,
                    table,
                    column,
                    data_type,
                });
            } else if self.eat_kws(&["set", "default"]) {
                let default = DefaultExpectation::Expr(self.expr(&[])?);
                self.push(Expectation::ColumnDefault {
                    schema,
                    table,
                    column,
                    default,
                });
            } else if self.eat_kws(&["drop", "default"]) {
                self.push(Expectation::ColumnDefault {
                    schema,
                    table,
                    column,
                    default: DefaultExpectation::Absent,
                });
            } else if self.eat_kws(&["set", "not", "null"]) {
                self.push(Expectation::ColumnNotNull {
                    schema,
                    table,
                    column,
                    not_null: true,
                });
            } else if self.eat_kws(&["drop", "not", "null"]) {
                self.push(Expectation::ColumnNotNull {
                    schema,
                    table,
                    column,
                    not_null: false,
                });
            } else {
                return Err(self.unexpected("TYPE, SET/DROP DEFAULT or SET/DROP NOT NULL"));
            }
        } else if self.eat_kws(&["validate", "constraint"]) {
            let name = self.ident()?;
            self.push(Expectation::ConstraintValidated {
                schema: schema.to_string(),
                table: table.to_string(),
                name,
                validated: true,
            });
        } else {
            return Err(self.unexpected(
                "ADD, DROP, ALTER or VALIDATE (other ALTER TABLE actions are not modelled)",
            ));
        }
        Ok(())
    }

    pub(super) fn drop(&mut self) -> Res<()> {
        let head = self.word_at(0).unwrap_or_default();
        self.pos += 1;
        if head == "materialized" {
            self.expect_kw("view")?;
        }
        if head == "index" {
            self.eat_kw("concurrently");
        }
        self.eat_kws(&["if", "exists"]);
        if head == "trigger" {
            let name = self.ident()?;
            self.expect_kw("on")?;
            let (schema, table) = self.object()?;
            self.eat_any(&["cascade", "restrict"]);
            self.expect_end()?;
            self.push(Expectation::TriggerExists {
                schema,
                table,
                name,
                exists: false,
            });
            return Ok(());
        }
        loop {
            let e = match head.as_str() {
                "schema" => Expectation::SchemaExists {
                    name: self.ident()?,
                    exists: false,
                },
                "extension" => Expectation::ExtensionExists {
                    name: self.ident()?,
                    schema: None,
                    exists: false,
                },
                "table" | "view" | "materialized" | "sequence" => {
                    let kind = match head.as_str() {
                        "table" => RelationKind::Table,
                        "view" => RelationKind::View,
                        "materialized" => RelationKind::MaterializedView,
                        _ => RelationKind::Sequence,
                    };
                    let (schema, name) = self.object()?;
                    Expectation::relation(kind, schema, name, false)
                }
                "index" => {
                    let (schema, name) = self.object()?;
                    index_presence(&schema, name, false)
                }
                "type" | "domain" => {
                    let (schema, name) = self.object()?;
                    Expectation::TypeExists {
                        schema,
                        name,
                        kind: None,
                        exists: false,
                    }
                }
                "function" | "procedure" | "routine" => {
                    let (schema, name) = self.object()?;
                    let arg_types = if self.is_punct(b'(') {
                        self.routine_args()?
                    } else {
                        None
                    };
                    Expectation::FunctionExists {
                        schema,
                        name,
                        arg_types,
                        exists: false,
                    }
                }
                other => {
                    return Err(format!(
                        "`DROP {}` is not modelled",
                        other.to_ascii_uppercase()
                    ))
                }
            };
            self.push(e);
            if !self.eat_punct(b',') {
                break;
            }
        }
        self.eat_any(&["cascade", "restrict"]);
        self.expect_end()
    }

    /// `IS 'text' | NULL` up to the end; an empty comment removes it, like NULL.
    fn comment_text(&mut self) -> Res<Option<String>> {
        self.expect_kw("is")?;
        let comment = if self.eat_kw("null") {
            None
        } else {
            Some(self.string()?)
        };
        self.expect_end()?;
        Ok(comment.filter(|c| !c.is_empty()))
    }

    pub(super) fn comment(&mut self) -> Res<()> {
        self.expect_kw("on")?;
        if self.eat_any(&["function", "procedure", "routine"]) {
            let (schema, name) = self.object()?;
            if !self.is_punct(b'(') {
                return Err(
                    "a routine's comment without its argument types: which overload is not said"
                        .into(),
                );
            }
            let Some(arg_types) = self.routine_args()? else {
                return Err("a routine's argument types that are not recognised".into());
            };
            let comment = self.comment_text()?;
            self.push(Expectation::FunctionComment {
                schema,
                name,
                arg_types,
                comment,
            });
            return Ok(());
        }
        let (schema, relation, column) = if self.eat_kw("column") {
            let first = self.ident()?;
            self.expect_punct(b'.')?;
            let second = self.ident()?;
            if self.eat_punct(b'.') {
                (first, second, Some(self.ident()?))
            } else {
                (self.default_schema.to_string(), first, Some(second))
            }
        } else if ["table", "view", "sequence", "index"]
            .iter()
            .any(|k| self.eat_kw(k))
            || self.eat_kws(&["materialized", "view"])
            || self.eat_kws(&["foreign", "table"])
        {
            let (schema, name) = self.object()?;
            (schema, name, None)
        } else {
            return Err("only comments on relations, columns and routines are modelled".into());
        };
        let comment = self.comment_text()?;
        self.push(Expectation::CommentEquals {
            schema,
            relation,
            column,
            comment,
        });
        Ok(())
    }
}
