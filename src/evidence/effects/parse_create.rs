//! CREATE statements: tables with their columns and constraints, indexes, types, routines.

use super::carry::Step;
use super::facts::*;
use super::parse_types::*;
use super::parser::*;
use crate::evidence::split::Tok;

impl<'a> Parser<'a> {
    pub(super) fn eat_if_not_exists(&mut self) -> bool {
        let guarded = self.eat_kws(&["if", "not", "exists"]);
        self.if_not_exists |= guarded;
        guarded
    }

    /// An `IF NOT EXISTS` creation does nothing when its object is already there, in whatever
    /// shape: afterwards only that the object exists is certain. Keeps the first fact pushed
    /// since `mark` (the object itself), reduced to what identifies it, and drops what it would
    /// have made along with it (columns, constraints, indexes).
    pub(super) fn only_existence_since(&mut self, mark: usize) {
        let mut kept = false;
        let mut i = mark;
        while i < self.steps.len() {
            match &mut self.steps[i] {
                Step::Expect(e) if !kept && e.exists() == Some(true) => {
                    set_existence(e, true);
                    kept = true;
                    i += 1;
                }
                Step::Expect(_) => {
                    self.steps.remove(i);
                }
                Step::Rename(_) => i += 1,
            }
        }
    }

    pub(super) fn create(&mut self) -> Res<()> {
        let mark = self.steps.len();
        self.create_object()?;
        if self.if_not_exists {
            self.only_existence_since(mark);
        }
        Ok(())
    }

    fn create_object(&mut self) -> Res<()> {
        self.eat_kws(&["or", "replace"]);
        if self.is_kw("temp") || self.is_kw("temporary") {
            return Err("temporary objects live in a session schema and vanish with it".into());
        }
        self.eat_kw("unlogged");
        let unique = self.eat_kw("unique");
        let head = self.word_at(0).unwrap_or_default();
        match head.as_str() {
            "index" => {
                self.pos += 1;
                self.create_index(unique)
            }
            _ if unique => Err(self.unexpected("INDEX")),
            "table" => {
                self.pos += 1;
                self.create_table()
            }
            "view" | "recursive" => {
                self.eat_kw("recursive");
                self.expect_kw("view")?;
                self.create_relation(RelationKind::View)
            }
            "materialized" => {
                self.eat_kws(&["materialized", "view"]);
                self.eat_if_not_exists();
                self.create_relation(RelationKind::MaterializedView)
            }
            "sequence" => {
                self.pos += 1;
                self.eat_if_not_exists();
                let (schema, name) = self.object()?;
                self.push(Expectation::SequenceExists {
                    schema: schema.clone(),
                    name: name.clone(),
                    exists: true,
                });
                // Options cannot create anything else, except OWNED BY.
                while !self.at_end() {
                    if self.eat_kws(&["owned", "by"]) {
                        let owner = self.owner()?;
                        self.push(Expectation::SequenceOwnedBy {
                            schema: schema.clone(),
                            name: name.clone(),
                            owner,
                        });
                    } else {
                        self.pos += 1;
                    }
                }
                Ok(())
            }
            "type" => {
                self.pos += 1;
                self.create_type()
            }
            "domain" => {
                self.pos += 1;
                let (schema, name) = self.object()?;
                self.skip_rest();
                self.push(Expectation::TypeExists {
                    schema,
                    name,
                    kind: Some(TypeKind::Domain),
                    exists: true,
                });
                Ok(())
            }
            "extension" => {
                self.pos += 1;
                self.eat_if_not_exists();
                let name = self.ident()?;
                self.eat_kw("with");
                let mut schema = None;
                while !self.at_end() {
                    if self.eat_kw("schema") {
                        schema = Some(self.ident()?);
                    } else if self.eat_kw("version") {
                        self.pos += 1;
                    } else {
                        self.expect_kw("cascade")?;
                    }
                }
                self.push(Expectation::ExtensionExists {
                    name,
                    schema,
                    exists: true,
                });
                Ok(())
            }
            "schema" => {
                self.pos += 1;
                self.eat_if_not_exists();
                if self.is_kw("authorization") {
                    return Err("CREATE SCHEMA AUTHORIZATION without a name: the schema is named after a role".into());
                }
                let name = self.ident()?;
                if self.eat_kw("authorization") {
                    self.ident()?;
                }
                self.expect_end().map_err(|_| {
                    "CREATE SCHEMA with embedded schema elements is not modelled".to_string()
                })?;
                self.push(Expectation::SchemaExists { name, exists: true });
                Ok(())
            }
            "function" | "procedure" => {
                self.pos += 1;
                let (schema, name) = self.object()?;
                let arg_types = self.routine_args()?;
                // Attributes are not compared; the body is, when it is a string.
                let body = self.routine_body();
                self.skip_rest();
                self.push(Expectation::FunctionExists {
                    schema: schema.clone(),
                    name: name.clone(),
                    arg_types: arg_types.clone(),
                    exists: true,
                });
                if let (Some(arg_types), Some(body)) = (arg_types, body) {
                    self.push(Expectation::FunctionBody {
                        schema,
                        name,
                        arg_types,
                        body,
                    });
                }
                Ok(())
            }
            "trigger" | "constraint" => {
                self.eat_kw("constraint");
                self.expect_kw("trigger")?;
                let name = self.ident()?;
                while !self.at_end() && !self.is_kw("on") {
                    self.pos += 1;
                }
                self.expect_kw("on")?;
                let (schema, table) = self.object()?;
                self.skip_rest();
                self.push(Expectation::TriggerExists {
                    schema,
                    table,
                    name,
                    exists: true,
                });
                Ok(())
            }
            _ => Err(format!(
                "`CREATE {}` is not modelled",
                head.to_ascii_uppercase()
            )),
        }
    }

    /// CREATE VIEW / MATERIALIZED VIEW name [(columns)] ... AS query: the relation, and its
    /// columns' names when the query (or the column list) says them for certain. The query
    /// itself is not compared.
    pub(super) fn create_relation(&mut self, kind: RelationKind) -> Res<()> {
        let (schema, name) = self.object()?;
        let listed = if self.is_punct(b'(') {
            Some(self.name_list()?)
        } else {
            None
        };
        loop {
            if self.eat_kw("using") || self.eat_kw("tablespace") {
                self.ident()?;
            } else if self.eat_kw("with") {
                self.skip_group()?;
            } else {
                break;
            }
        }
        let columns = if self.eat_kw("as") {
            match listed {
                Some(list) => (self.query_column_count() == Some(list.len())).then_some(list),
                None => self.query_output_names(),
            }
        } else {
            None
        };
        self.skip_rest();
        self.push(Expectation::relation(
            kind,
            schema.clone(),
            name.clone(),
            true,
        ));
        if let Some(columns) = columns {
            self.push(Expectation::RelationColumns {
                kind,
                schema,
                name,
                columns,
            });
        }
        Ok(())
    }

    /// The body after `AS` of a routine defined by a string (`$$ ... $$` or a plain `'...'`),
    /// as `pg_proc.prosrc` keeps it; None for other definitions (`BEGIN ATOMIC`, `RETURN`, an
    /// object file and symbol, `LANGUAGE c` / `internal`, whose prosrc is a symbol name) and for
    /// strings whose stored text the lexer may not reproduce byte for byte (`E''` escapes, a
    /// string continued on the next line).
    pub(super) fn routine_body(&mut self) -> Option<String> {
        let mut body = None;
        let mut language = None;
        while !self.at_end() {
            if self.is_punct(b'(') {
                self.skip_group().ok()?;
                continue;
            }
            if self.is_kw("return") || self.eat_kws(&["begin", "atomic"]) {
                return None;
            }
            if self.eat_kw("language") {
                language = Some(self.ident().ok()?);
                continue;
            }
            if !self.eat_kw("as") {
                self.pos += 1;
                continue;
            }
            let t = self.tok(0)?.clone();
            body = match t.kind {
                Tok::Dollar(b) => Some(b),
                Tok::Str(v) if self.text(&t).starts_with('\'') => Some(v),
                _ => return None,
            };
            self.pos += 1;
            if self.is_punct(b',') || matches!(self.tok(0).map(|t| &t.kind), Some(Tok::Str(_))) {
                return None;
            }
        }
        match language.as_deref() {
            Some("c" | "internal") | None => None,
            Some(_) => body,
        }
    }

    pub(super) fn owner(&mut self) -> Res<Option<(String, String)>> {
        if self.eat_kw("none") {
            return Ok(None);
        }
        let first = self.ident()?;
        self.expect_punct(b'.')?;
        let second = self.ident()?;
        if self.eat_punct(b'.') {
            // schema.table.column: the sequence must live in the same schema anyway.
            let third = self.ident()?;
            return Ok(Some((second, third)));
        }
        Ok(Some((first, second)))
    }

    pub(super) fn create_table(&mut self) -> Res<()> {
        self.eat_if_not_exists();
        let (schema, table) = self.object()?;
        self.push(Expectation::TableExists {
            schema: schema.clone(),
            name: table.clone(),
            exists: true,
        });
        if self.is_kw("partition") || self.is_kw("of") {
            return Err("partitions and typed tables take their columns from elsewhere".into());
        }
        if self.eat_kw("as") {
            // CREATE TABLE ... AS query: the columns come from the query.
            self.skip_rest();
            return Ok(());
        }
        let mut columns = Vec::new();
        let mut constraints = Vec::new();
        self.expect_punct(b'(')?;
        if !self.eat_punct(b')') {
            loop {
                if self.eat_kw("like") {
                    return Err(
                        "CREATE TABLE ... (LIKE ...) copies columns that the script does not list"
                            .into(),
                    );
                }
                if self.at_constraint() {
                    constraints.push(self.table_constraint()?);
                } else {
                    let col = self.column_def()?;
                    constraints.extend(col.constraints.iter().cloned());
                    columns.push(col);
                }
                if self.eat_punct(b')') {
                    break;
                }
                self.expect_punct(b',')?;
            }
        }
        // Storage and partitioning clauses leave columns and constraints as declared.
        while !self.at_end() {
            if self.eat_kw("inherits") {
                return Err("inherited tables get columns that the script does not list".into());
            } else if self.eat_kws(&["partition", "by"]) || self.eat_kw("with") {
                self.eat_any(&["range", "list", "hash"]);
                self.skip_group()?;
            } else if self.eat_kw("tablespace") || self.eat_kw("using") {
                self.ident()?;
            } else if !self.eat_kws(&["without", "oids"]) {
                return Err(self.unexpected("the end of CREATE TABLE"));
            }
        }
        let pk: Vec<String> = constraints
            .iter()
            .filter(|c| c.kind == ConstraintKind::PrimaryKey)
            .flat_map(|c| c.columns.clone().unwrap_or_default())
            .collect();
        self.push(Expectation::RelationColumns {
            kind: RelationKind::Table,
            schema: schema.clone(),
            name: table.clone(),
            columns: columns.iter().map(|c| c.name.clone()).collect(),
        });
        for col in columns {
            let in_pk = pk.contains(&col.name);
            self.push(col.expectation(&schema, &table, in_pk));
        }
        for c in constraints {
            self.push_constraint(&schema, &table, c);
        }
        Ok(())
    }

    pub(super) fn at_constraint(&self) -> bool {
        [
            "constraint",
            "primary",
            "unique",
            "foreign",
            "check",
            "exclude",
        ]
        .iter()
        .any(|k| self.is_kw(k))
    }

    pub(super) fn column_def(&mut self) -> Res<ColumnDef> {
        let name = self.ident()?;
        let ty = self.data_type()?;
        let mut col = ColumnDef {
            name,
            ty,
            ..ColumnDef::default()
        };
        loop {
            let constraint_name = if self.eat_kw("constraint") {
                Some(self.ident()?)
            } else {
                None
            };
            if self.eat_kws(&["not", "null"]) {
                col.not_null = Some(true);
            } else if self.eat_kw("null") {
                col.not_null = Some(false);
            } else if self.eat_kw("default") {
                col.default = Some(self.expr(COLUMN_OPTION_WORDS)?);
            } else if self.eat_kw("generated") {
                if !self.eat_kw("always") {
                    self.expect_kw("by")?;
                    self.expect_kw("default")?;
                }
                self.expect_kw("as")?;
                if self.is_punct(b'(') {
                    // A generated column: its expression is stored like a default.
                    self.skip_group()?;
                    self.eat_any(&["stored", "virtual"]);
                    col.generated = true;
                } else {
                    self.expect_kw("identity")?;
                    if self.is_punct(b'(') {
                        self.skip_group()?;
                    }
                    col.identity = true;
                }
            } else if self.eat_kw("collate") {
                self.qname()?;
            } else if self.is_kw("primary")
                || self.is_kw("unique")
                || self.is_kw("check")
                || self.is_kw("references")
            {
                let c = self.constraint_body(constraint_name, Some(&col.name))?;
                col.constraints.push(c);
            } else if constraint_name.is_some() {
                return Err(self.unexpected("a constraint"));
            } else if !self.constraint_attribute() {
                return Ok(col);
            }
        }
    }

    /// DEFERRABLE / NOT VALID / ...: no effect on what is compared.
    pub(super) fn constraint_attribute(&mut self) -> bool {
        self.eat_kw("deferrable")
            || self.eat_kws(&["not", "deferrable"])
            || self.eat_kws(&["initially", "deferred"])
            || self.eat_kws(&["initially", "immediate"])
            || self.eat_kws(&["not", "valid"])
            || self.eat_kws(&["no", "inherit"])
            || self.eat_kws(&["not", "enforced"])
            || self.eat_kw("enforced")
    }

    pub(super) fn table_constraint(&mut self) -> Res<ConstraintDef> {
        let name = if self.eat_kw("constraint") {
            Some(self.ident()?)
        } else {
            None
        };
        let mut c = self.constraint_body(name, None)?;
        loop {
            if self.eat_kws(&["not", "valid"]) {
                c.not_valid = true;
            } else if !self.constraint_attribute() {
                break;
            }
        }
        Ok(c)
    }

    /// The constraint after its optional name; `column` for a column constraint.
    pub(super) fn constraint_body(
        &mut self,
        name: Option<String>,
        column: Option<&str>,
    ) -> Res<ConstraintDef> {
        let cols = |p: &mut Self| -> Res<Option<Vec<String>>> {
            match column {
                Some(c) => Ok(Some(vec![c.to_string()])),
                None => p.name_list().map(Some),
            }
        };
        let (kind, columns, foreign_key) = if self.eat_kws(&["primary", "key"]) {
            (ConstraintKind::PrimaryKey, cols(self)?, None)
        } else if self.eat_kw("unique") {
            if self.eat_kw("nulls") {
                self.eat_kw("not");
                self.expect_kw("distinct")?;
            }
            (ConstraintKind::Unique, cols(self)?, None)
        } else if self.eat_kw("check") {
            self.skip_group()?;
            self.eat_kws(&["no", "inherit"]);
            (ConstraintKind::Check, None, None)
        } else if self.eat_kw("exclude") {
            if self.eat_kw("using") {
                self.ident()?;
            }
            self.skip_group()?;
            (ConstraintKind::Exclusion, None, None)
        } else if column.is_some() && self.is_kw("references") || self.eat_kws(&["foreign", "key"])
        {
            let columns = cols(self)?;
            (
                ConstraintKind::ForeignKey,
                columns,
                Some(self.references()?),
            )
        } else {
            return Err(self.unexpected("a constraint"));
        };
        if matches!(
            kind,
            ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion
        ) {
            // Index parameters: INCLUDE (...), WITH (...), USING INDEX TABLESPACE x, WHERE (...).
            loop {
                if self.eat_kw("include") || self.eat_kw("with") {
                    self.skip_group()?;
                } else if self.eat_kws(&["using", "index", "tablespace"]) {
                    self.ident()?;
                } else if kind == ConstraintKind::Exclusion && self.eat_kw("where") {
                    self.skip_group()?;
                } else {
                    break;
                }
            }
        }
        Ok(ConstraintDef {
            name,
            kind,
            columns,
            foreign_key,
            not_valid: false,
        })
    }

    pub(super) fn references(&mut self) -> Res<ForeignKeySpec> {
        self.expect_kw("references")?;
        let (ref_schema, ref_table) = self.object()?;
        let ref_columns = if self.is_punct(b'(') {
            Some(self.name_list()?)
        } else {
            None
        };
        let (mut on_delete, mut on_update) = (RefAction::NoAction, RefAction::NoAction);
        loop {
            if self.eat_kw("match") {
                self.ident()?;
            } else if self.eat_kws(&["on", "delete"]) {
                on_delete = self.ref_action()?;
            } else if self.eat_kws(&["on", "update"]) {
                on_update = self.ref_action()?;
            } else {
                break;
            }
        }
        Ok(ForeignKeySpec {
            ref_schema,
            ref_table,
            ref_columns,
            on_delete,
            on_update,
        })
    }

    pub(super) fn ref_action(&mut self) -> Res<RefAction> {
        let action = if self.eat_kws(&["no", "action"]) {
            RefAction::NoAction
        } else if self.eat_kw("restrict") {
            RefAction::Restrict
        } else if self.eat_kw("cascade") {
            RefAction::Cascade
        } else if self.eat_kws(&["set", "null"]) {
            RefAction::SetNull
        } else if self.eat_kws(&["set", "default"]) {
            RefAction::SetDefault
        } else {
            return Err(self.unexpected("a referential action"));
        };
        if matches!(action, RefAction::SetNull | RefAction::SetDefault) && self.is_punct(b'(') {
            self.skip_group()?;
        }
        Ok(action)
    }

    pub(super) fn push_constraint(&mut self, schema: &str, table: &str, c: ConstraintDef) {
        let index = match (&c.name, c.kind) {
            // PostgreSQL backs these with a unique btree index of the same name.
            (Some(name), ConstraintKind::PrimaryKey | ConstraintKind::Unique) => {
                Some(Expectation::IndexExists {
                    schema: schema.to_string(),
                    name: name.clone(),
                    table: Some(table.to_string()),
                    unique: Some(true),
                    columns: c.columns.clone(),
                    method: Some("btree".into()),
                    descending: c.columns.as_ref().map(|cols| vec![false; cols.len()]),
                    exists: true,
                    replaces: false,
                })
            }
            _ => None,
        };
        let not_valid = c.name.clone().filter(|_| c.not_valid);
        self.push(Expectation::ConstraintExists {
            schema: schema.to_string(),
            table: table.to_string(),
            name: c.name,
            kind: Some(c.kind),
            columns: c.columns,
            foreign_key: c.foreign_key,
            exists: true,
            replaces: false,
        });
        if let Some(index) = index {
            self.push(index);
        }
        if let Some(name) = not_valid {
            self.push(Expectation::ConstraintValidated {
                schema: schema.to_string(),
                table: table.to_string(),
                name,
                validated: false,
            });
        }
    }

    pub(super) fn create_index(&mut self, unique: bool) -> Res<()> {
        self.eat_kw("concurrently");
        self.eat_if_not_exists();
        if self.is_kw("on") {
            return Err("an unnamed index: PostgreSQL chooses its name".into());
        }
        let name = self.ident()?;
        self.expect_kw("on")?;
        self.eat_kw("only");
        let (schema, table) = self.object()?;
        let method = if self.eat_kw("using") {
            self.ident()?
        } else {
            "btree".to_string()
        };
        let keys = self.list(|p| p.index_key())?;
        while !self.at_end() {
            if self.eat_kw("include") || self.eat_kw("with") {
                self.skip_group()?;
            } else if self.eat_kw("nulls") {
                self.eat_kw("not");
                self.expect_kw("distinct")?;
            } else if self.eat_kw("tablespace") {
                self.ident()?;
            } else if self.eat_kw("where") {
                // A partial index: the predicate is not compared.
                self.skip_rest();
            } else {
                return Err(self.unexpected("the end of CREATE INDEX"));
            }
        }
        let columns: Option<Vec<String>> = keys.iter().map(|k| k.0.clone()).collect();
        self.push(Expectation::IndexExists {
            schema,
            name,
            table: Some(table),
            unique: Some(unique),
            columns,
            method: Some(method),
            descending: Some(keys.iter().map(|k| k.1).collect()),
            exists: true,
            replaces: false,
        });
        Ok(())
    }

    /// One index key: (column, or None for an expression; descending).
    pub(super) fn index_key(&mut self) -> Res<(Option<String>, bool)> {
        let column = if self.is_punct(b'(') {
            self.skip_group()?;
            None
        } else if self.tok(1).is_some_and(|t| t.kind == Tok::Punct(b'(')) {
            // A function call.
            self.qname()?;
            self.skip_group()?;
            None
        } else {
            Some(self.ident()?)
        };
        if self.eat_kw("collate") {
            self.qname()?;
        }
        // An operator class, possibly with parameters.
        if self
            .tok(0)
            .is_some_and(|t| matches!(t.kind, Tok::Word | Tok::QuotedIdent(_)))
            && !["asc", "desc", "nulls"].iter().any(|k| self.is_kw(k))
        {
            self.qname()?;
            if self.is_punct(b'(') {
                self.skip_group()?;
            }
        }
        let descending = self.eat_kw("desc");
        if !descending {
            self.eat_kw("asc");
        }
        if self.eat_kw("nulls") && !self.eat_kw("first") {
            self.expect_kw("last")?;
        }
        Ok((column, descending))
    }

    pub(super) fn create_type(&mut self) -> Res<()> {
        let (schema, name) = self.object()?;
        if !self.eat_kw("as") {
            return Err("base and shell types are not modelled".into());
        }
        let kind = if self.eat_kw("enum") {
            let labels = self.list(|p| p.string())?;
            self.expect_end()?;
            self.push(Expectation::TypeExists {
                schema: schema.clone(),
                name: name.clone(),
                kind: Some(TypeKind::Enum),
                exists: true,
            });
            for value in &labels {
                self.push(Expectation::EnumValueExists {
                    schema: schema.clone(),
                    type_name: name.clone(),
                    value: value.clone(),
                    exists: true,
                });
            }
            self.push(Expectation::EnumValuesExactly {
                schema: schema.clone(),
                type_name: name.clone(),
                values: labels,
            });
            return Ok(());
        } else if self.eat_kw("range") {
            TypeKind::Range
        } else {
            TypeKind::Composite
        };
        self.skip_group()?;
        self.expect_end()?;
        self.push(Expectation::TypeExists {
            schema,
            name,
            kind: Some(kind),
            exists: true,
        });
        Ok(())
    }

    /// `( [mode] [name] type [DEFAULT expr], ... )` -> the identity argument types.
    pub(super) fn routine_args(&mut self) -> Res<Option<Vec<String>>> {
        let args = self.list(|p| {
            let mode = ["in", "out", "inout", "variadic"]
                .into_iter()
                .find(|m| p.eat_kw(m));
            // `name type` or just `type`: try the type first, as PostgreSQL's grammar does.
            let start = p.pos;
            let ends = |p: &Self| {
                p.is_punct(b',') || p.is_punct(b')') || p.is_kw("default") || p.is_op("=")
            };
            let ty = match p.data_type() {
                Ok(t) if ends(p) => t,
                _ => {
                    p.pos = start;
                    p.ident()?;
                    p.data_type()?
                }
            };
            if p.eat_kw("default") || p.eat_op("=") {
                p.expr(&[])?;
            }
            Ok((mode == Some("out"), ty.canonical))
        })?;
        // OUT arguments are not part of a routine's identity.
        Ok(args
            .into_iter()
            .filter(|(out, _)| !out)
            .map(|(_, t)| t)
            .collect())
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct ColumnDef {
    pub(super) name: String,
    pub(super) ty: TypeSpec,
    pub(super) not_null: Option<bool>,
    pub(super) default: Option<String>,
    pub(super) generated: bool,
    pub(super) identity: bool,
    pub(super) constraints: Vec<ConstraintDef>,
}

impl ColumnDef {
    pub(super) fn expectation(&self, schema: &str, table: &str, in_pk: bool) -> Expectation {
        let not_null = self.not_null == Some(true) || self.ty.serial || self.identity || in_pk;
        let default = if self.generated {
            None
        } else if self.ty.serial {
            Some(DefaultExpectation::Nextval)
        } else {
            Some(
                self.default
                    .clone()
                    .map_or(DefaultExpectation::Absent, DefaultExpectation::Expr),
            )
        };
        Expectation::ColumnExists {
            schema: schema.to_string(),
            table: table.to_string(),
            column: self.name.clone(),
            exists: true,
            data_type: self.ty.canonical.clone(),
            not_null: Some(not_null),
            default,
            replaces: false,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct ConstraintDef {
    pub(super) name: Option<String>,
    pub(super) kind: ConstraintKind,
    pub(super) columns: Option<Vec<String>>,
    pub(super) foreign_key: Option<ForeignKeySpec>,
    /// `NOT VALID`: added without checking the existing rows (until `VALIDATE CONSTRAINT`).
    pub(super) not_valid: bool,
}

pub(super) fn column_presence(
    schema: &str,
    table: &str,
    column: String,
    exists: bool,
) -> Expectation {
    Expectation::ColumnExists {
        schema: schema.to_string(),
        table: table.to_string(),
        column,
        exists,
        data_type: None,
        not_null: None,
        default: None,
        replaces: false,
    }
}

pub(super) fn constraint_presence(
    schema: &str,
    table: &str,
    name: String,
    exists: bool,
) -> Expectation {
    Expectation::ConstraintExists {
        schema: schema.to_string(),
        table: table.to_string(),
        name: Some(name),
        kind: None,
        columns: None,
        foreign_key: None,
        exists,
        replaces: false,
    }
}

pub(super) fn index_presence(schema: &str, name: String, exists: bool) -> Expectation {
    Expectation::IndexExists {
        schema: schema.to_string(),
        name,
        table: None,
        unique: None,
        columns: None,
        method: None,
        descending: None,
        exists,
        replaces: false,
    }
}
