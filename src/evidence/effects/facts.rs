//! The catalog facts a statement makes true (`Expectation`), and which object each is about.

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DefaultExpectation {
    /// No default.
    Absent,
    /// This expression, as written in the script (compared after normalisation).
    Expr(String),
    /// Some `nextval(...)` (SERIAL columns: PostgreSQL names the sequence).
    Nextval,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
    Exclusion,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ForeignKeySpec {
    pub ref_schema: String,
    pub ref_table: String,
    /// None when the script omits them (the referenced table's primary key).
    pub ref_columns: Option<Vec<String>>,
    pub on_delete: RefAction,
    pub on_update: RefAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeKind {
    Enum,
    Composite,
    Domain,
    Range,
}

/// Relations share one namespace per schema; these are the kinds a script creates by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationKind {
    Table,
    View,
    MaterializedView,
    Sequence,
}

/// One checkable fact about the catalog that a statement, once applied, makes true.
///
/// Identifiers are as PostgreSQL stores them (unquoted folded to lower case, truncated to 63
/// bytes); unqualified names resolve to the default schema. `data_type` strings are canonical:
/// `format_type()` spelling for built-in types (`integer`, `timestamp(3) without time zone`,
/// `character varying(191)`, `text[]`), `"Name"` / `"schema"."Name"` (+ modifiers, `[]`) for
/// user-defined ones. `replaces` is set when the script drops an object of that name first, so an
/// object of that name with another shape means "not applied yet" rather than a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expectation {
    SchemaExists {
        name: String,
        exists: bool,
    },
    ExtensionExists {
        name: String,
        schema: Option<String>,
        exists: bool,
    },
    TableExists {
        schema: String,
        name: String,
        exists: bool,
    },
    ViewExists {
        schema: String,
        name: String,
        exists: bool,
    },
    MaterializedViewExists {
        schema: String,
        name: String,
        exists: bool,
    },
    SequenceExists {
        schema: String,
        name: String,
        exists: bool,
    },
    /// `owner` is (table, column) in the sequence's schema; None: owned by nothing.
    SequenceOwnedBy {
        schema: String,
        name: String,
        owner: Option<(String, String)>,
    },
    ColumnExists {
        schema: String,
        table: String,
        column: String,
        exists: bool,
        data_type: Option<String>,
        not_null: Option<bool>,
        default: Option<DefaultExpectation>,
        replaces: bool,
    },
    ColumnType {
        schema: String,
        table: String,
        column: String,
        data_type: String,
    },
    ColumnNotNull {
        schema: String,
        table: String,
        column: String,
        not_null: bool,
    },
    ColumnDefault {
        schema: String,
        table: String,
        column: String,
        default: DefaultExpectation,
    },
    /// `name` None: an unnamed constraint, matched by kind and columns.
    ConstraintExists {
        schema: String,
        table: String,
        name: Option<String>,
        kind: Option<ConstraintKind>,
        columns: Option<Vec<String>>,
        foreign_key: Option<ForeignKeySpec>,
        exists: bool,
        replaces: bool,
    },
    /// `columns` None when a key is an expression; `method` is the access method (`btree`, `gin`, ...).
    IndexExists {
        schema: String,
        name: String,
        table: Option<String>,
        unique: Option<bool>,
        columns: Option<Vec<String>>,
        method: Option<String>,
        descending: Option<Vec<bool>>,
        exists: bool,
        replaces: bool,
    },
    TypeExists {
        schema: String,
        name: String,
        kind: Option<TypeKind>,
        exists: bool,
    },
    EnumValueExists {
        schema: String,
        type_name: String,
        value: String,
        exists: bool,
    },
    /// The enum has exactly these values (in any order): what `CREATE TYPE ... AS ENUM` makes,
    /// so a type of that name with more values (an older one) is not it.
    EnumValuesExactly {
        schema: String,
        type_name: String,
        values: Vec<String>,
    },
    /// `arg_types` None: any overload (or argument types that could not be normalised).
    FunctionExists {
        schema: String,
        name: String,
        arg_types: Option<Vec<String>>,
        exists: bool,
    },
    /// The body of a function (what `pg_proc.prosrc` holds: the text of `AS $$...$$` or
    /// `AS '...'`, verbatim), for the overload with exactly these argument types.
    FunctionBody {
        schema: String,
        name: String,
        arg_types: Vec<String>,
        body: String,
    },
    /// The comment on a function or procedure (`COMMENT ON FUNCTION`); None: no comment.
    FunctionComment {
        schema: String,
        name: String,
        arg_types: Vec<String>,
        comment: Option<String>,
    },
    /// The output columns of a view or materialized view, by name and in order: what its query
    /// names them (or its column list), read from `pg_attribute`.
    RelationColumns {
        kind: RelationKind,
        schema: String,
        name: String,
        columns: Vec<String>,
    },
    TriggerExists {
        schema: String,
        table: String,
        name: String,
        exists: bool,
    },
    /// Whether a named constraint is validated (`NOT VALID` leaves a foreign key or check
    /// unvalidated until `VALIDATE CONSTRAINT`).
    ConstraintValidated {
        schema: String,
        table: String,
        name: String,
        validated: bool,
    },
    /// Comment on a relation, or on one of its columns; None: no comment.
    CommentEquals {
        schema: String,
        relation: String,
        column: Option<String>,
        comment: Option<String>,
    },
}

/// Identity of the object an expectation is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Obj<'a> {
    Schema(&'a str),
    Extension(&'a str),
    Relation(RelationKind, &'a str, &'a str),
    Column(&'a str, &'a str, &'a str),
    Constraint(&'a str, &'a str, Option<&'a str>),
    Index(&'a str, &'a str),
    Type(&'a str, &'a str),
    EnumValue(&'a str, &'a str, &'a str),
    Function(&'a str, &'a str),
    Trigger(&'a str, &'a str, &'a str),
    Comment(&'a str, &'a str, Option<&'a str>),
}

impl Expectation {
    pub(super) fn relation(
        kind: RelationKind,
        schema: String,
        name: String,
        exists: bool,
    ) -> Expectation {
        match kind {
            RelationKind::Table => Expectation::TableExists {
                schema,
                name,
                exists,
            },
            RelationKind::View => Expectation::ViewExists {
                schema,
                name,
                exists,
            },
            RelationKind::MaterializedView => Expectation::MaterializedViewExists {
                schema,
                name,
                exists,
            },
            RelationKind::Sequence => Expectation::SequenceExists {
                schema,
                name,
                exists,
            },
        }
    }

    /// The relation kind, schema, name and `exists` of the four plain relation expectations.
    pub fn as_relation(&self) -> Option<(RelationKind, &str, &str, bool)> {
        match self {
            Expectation::TableExists {
                schema,
                name,
                exists,
            } => Some((RelationKind::Table, schema, name, *exists)),
            Expectation::ViewExists {
                schema,
                name,
                exists,
            } => Some((RelationKind::View, schema, name, *exists)),
            Expectation::MaterializedViewExists {
                schema,
                name,
                exists,
            } => Some((RelationKind::MaterializedView, schema, name, *exists)),
            Expectation::SequenceExists {
                schema,
                name,
                exists,
            } => Some((RelationKind::Sequence, schema, name, *exists)),
            _ => None,
        }
    }

    /// Some(exists) for existence facts, None for facts about a property of an object.
    pub fn exists(&self) -> Option<bool> {
        use Expectation::*;
        match self {
            SchemaExists { exists, .. }
            | ExtensionExists { exists, .. }
            | ColumnExists { exists, .. }
            | ConstraintExists { exists, .. }
            | IndexExists { exists, .. }
            | TypeExists { exists, .. }
            | EnumValueExists { exists, .. }
            | FunctionExists { exists, .. }
            | TriggerExists { exists, .. } => Some(*exists),
            _ => self.as_relation().map(|r| r.3),
        }
    }

    /// The schema of the object (None for schemas and extensions without one).
    pub fn schema(&self) -> Option<&str> {
        use Expectation::*;
        match self {
            SchemaExists { .. } => None,
            ExtensionExists { schema, .. } => schema.as_deref(),
            SequenceOwnedBy { schema, .. }
            | ColumnExists { schema, .. }
            | ColumnType { schema, .. }
            | ColumnNotNull { schema, .. }
            | ColumnDefault { schema, .. }
            | ConstraintExists { schema, .. }
            | ConstraintValidated { schema, .. }
            | IndexExists { schema, .. }
            | TypeExists { schema, .. }
            | EnumValueExists { schema, .. }
            | EnumValuesExactly { schema, .. }
            | FunctionExists { schema, .. }
            | FunctionBody { schema, .. }
            | FunctionComment { schema, .. }
            | RelationColumns { schema, .. }
            | TriggerExists { schema, .. }
            | CommentEquals { schema, .. } => Some(schema),
            _ => self.as_relation().map(|r| r.1),
        }
    }

    pub(crate) fn obj(&self) -> Obj<'_> {
        use Expectation::*;
        match self {
            SchemaExists { name, .. } => Obj::Schema(name),
            ExtensionExists { name, .. } => Obj::Extension(name),
            SequenceOwnedBy { schema, name, .. } => {
                Obj::Relation(RelationKind::Sequence, schema, name)
            }
            ColumnExists {
                schema,
                table,
                column,
                ..
            }
            | ColumnType {
                schema,
                table,
                column,
                ..
            }
            | ColumnNotNull {
                schema,
                table,
                column,
                ..
            }
            | ColumnDefault {
                schema,
                table,
                column,
                ..
            } => Obj::Column(schema, table, column),
            ConstraintExists {
                schema,
                table,
                name,
                ..
            } => Obj::Constraint(schema, table, name.as_deref()),
            IndexExists { schema, name, .. } => Obj::Index(schema, name),
            TypeExists { schema, name, .. } => Obj::Type(schema, name),
            EnumValuesExactly {
                schema, type_name, ..
            } => Obj::Type(schema, type_name),
            EnumValueExists {
                schema,
                type_name,
                value,
                ..
            } => Obj::EnumValue(schema, type_name, value),
            FunctionExists { schema, name, .. }
            | FunctionBody { schema, name, .. }
            | FunctionComment { schema, name, .. } => Obj::Function(schema, name),
            RelationColumns {
                kind, schema, name, ..
            } => Obj::Relation(*kind, schema, name),
            TriggerExists {
                schema,
                table,
                name,
                ..
            } => Obj::Trigger(schema, table, name),
            CommentEquals {
                schema,
                relation,
                column,
                ..
            } => Obj::Comment(schema, relation, column.as_deref()),
            ConstraintValidated {
                schema,
                table,
                name,
                ..
            } => Obj::Constraint(schema, table, Some(name)),
            TableExists { schema, name, .. } => Obj::Relation(RelationKind::Table, schema, name),
            ViewExists { schema, name, .. } => Obj::Relation(RelationKind::View, schema, name),
            MaterializedViewExists { schema, name, .. } => {
                Obj::Relation(RelationKind::MaterializedView, schema, name)
            }
            SequenceExists { schema, name, .. } => {
                Obj::Relation(RelationKind::Sequence, schema, name)
            }
        }
    }

    /// The table (schema, name) this fact lives on, if any.
    pub(crate) fn table(&self) -> Option<(&str, &str)> {
        use Expectation::*;
        match self {
            ColumnExists { schema, table, .. }
            | ColumnType { schema, table, .. }
            | ColumnNotNull { schema, table, .. }
            | ColumnDefault { schema, table, .. }
            | ConstraintExists { schema, table, .. }
            | ConstraintValidated { schema, table, .. }
            | TriggerExists { schema, table, .. } => Some((schema, table)),
            IndexExists {
                schema,
                table: Some(table),
                ..
            } => Some((schema, table)),
            CommentEquals {
                schema, relation, ..
            } => Some((schema, relation)),
            SequenceOwnedBy {
                schema,
                owner: Some((table, _)),
                ..
            } => Some((schema, table)),
            _ => None,
        }
    }

    /// Columns of `table` the fact depends on (dropping one of them drops the fact's object).
    pub(super) fn uses_column(&self, schema: &str, table: &str, column: &str) -> bool {
        use Expectation::*;
        if self.table() != Some((schema, table)) {
            return false;
        }
        match self {
            ConstraintExists {
                columns: Some(cols),
                ..
            }
            | IndexExists {
                columns: Some(cols),
                ..
            } => cols.iter().any(|c| c == column),
            CommentEquals {
                column: Some(c), ..
            } => c == column,
            SequenceOwnedBy {
                owner: Some((_, c)),
                ..
            } => c == column,
            _ => false,
        }
    }

    /// Facts that say an object is exactly so (all its columns, values or its body), which
    /// any change to it makes false.
    pub(crate) fn lists_a_whole(&self) -> bool {
        matches!(
            self,
            Expectation::RelationColumns { .. }
                | Expectation::EnumValuesExactly { .. }
                | Expectation::FunctionBody { .. }
        )
    }

    pub(super) fn is_index_backed_constraint(&self) -> bool {
        matches!(
            self,
            Expectation::ConstraintExists {
                kind: None
                    | Some(
                        ConstraintKind::PrimaryKey
                            | ConstraintKind::Unique
                            | ConstraintKind::Exclusion
                    ),
                ..
            }
        )
    }
}

/// Sets `exists`, keeping what identifies the object and dropping what describes its shape.
pub(crate) fn set_existence(e: &mut Expectation, value: bool) {
    use Expectation::*;
    match e {
        SchemaExists { exists, .. }
        | TableExists { exists, .. }
        | ViewExists { exists, .. }
        | MaterializedViewExists { exists, .. }
        | SequenceExists { exists, .. }
        | EnumValueExists { exists, .. }
        | FunctionExists { exists, .. }
        | TriggerExists { exists, .. } => *exists = value,
        ExtensionExists { schema, exists, .. } => {
            *schema = None;
            *exists = value;
        }
        TypeExists { kind, exists, .. } => {
            *kind = None;
            *exists = value;
        }
        ColumnExists {
            exists,
            data_type,
            not_null,
            default,
            replaces,
            ..
        } => {
            *exists = value;
            *data_type = None;
            *not_null = None;
            *default = None;
            *replaces = false;
        }
        ConstraintExists {
            name,
            kind,
            columns,
            foreign_key,
            exists,
            replaces,
            ..
        } => {
            // An unnamed constraint is identified by its kind and columns: keep them.
            if name.is_some() {
                *kind = None;
                *columns = None;
            }
            *foreign_key = None;
            *exists = value;
            *replaces = false;
        }
        IndexExists {
            table,
            unique,
            columns,
            method,
            descending,
            exists,
            replaces,
            ..
        } => {
            *table = None;
            *unique = None;
            *columns = None;
            *method = None;
            *descending = None;
            *exists = value;
            *replaces = false;
        }
        EnumValuesExactly { .. }
        | FunctionBody { .. }
        | FunctionComment { .. }
        | RelationColumns { .. }
        | ColumnType { .. }
        | ColumnNotNull { .. }
        | ColumnDefault { .. }
        | SequenceOwnedBy { .. }
        | ConstraintValidated { .. }
        | CommentEquals { .. } => {}
    }
}
