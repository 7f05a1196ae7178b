use super::*;
use crate::evidence::split::split_script;

fn stmt(sql: &str) -> Statement {
    split_script(sql).statements.into_iter().next().unwrap()
}

fn exps(sql: &str) -> Vec<Expectation> {
    match expected_effects(&stmt(sql), "public") {
        StatementEffects::Verifiable(v) => v,
        StatementEffects::Unverifiable { reason } => panic!("unverifiable: {reason}\n{sql}"),
    }
}

fn shown(sql: &str) -> Vec<String> {
    exps(sql).iter().map(ToString::to_string).collect()
}

fn reason(sql: &str) -> String {
    match expected_effects(&stmt(sql), "public") {
        StatementEffects::Unverifiable { reason } => reason,
        StatementEffects::Verifiable(v) => panic!("verifiable: {v:?}\n{sql}"),
    }
}

fn column_type(decl: &str) -> Option<String> {
    match exps(&format!("ALTER TABLE t ADD COLUMN c {decl}")).first() {
        Some(Expectation::ColumnExists { data_type, .. }) => data_type.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn types_are_spelled_like_format_type() {
    let cases = [
        ("TEXT", "text"),
        ("INTEGER", "integer"),
        ("int", "integer"),
        ("int4", "integer"),
        ("\"int4\"", "integer"),
        ("pg_catalog.int8", "bigint"),
        ("SERIAL", "integer"),
        ("BIGSERIAL", "bigint"),
        ("smallserial", "smallint"),
        ("BOOLEAN", "boolean"),
        ("bool", "boolean"),
        ("TIMESTAMP(3)", "timestamp(3) without time zone"),
        ("timestamp", "timestamp without time zone"),
        ("TIMESTAMPTZ(6)", "timestamp(6) with time zone"),
        (
            "timestamp (3) with time zone",
            "timestamp(3) with time zone",
        ),
        (
            "TIMESTAMP(3) WITHOUT TIME ZONE",
            "timestamp(3) without time zone",
        ),
        ("timetz", "time with time zone"),
        ("TIME(6)", "time(6) without time zone"),
        ("DOUBLE PRECISION", "double precision"),
        ("float8", "double precision"),
        ("float", "double precision"),
        ("float(24)", "real"),
        ("REAL", "real"),
        ("DECIMAL(65,30)", "numeric(65,30)"),
        ("numeric(10)", "numeric(10,0)"),
        ("NUMERIC", "numeric"),
        ("VARCHAR(191)", "character varying(191)"),
        ("character varying", "character varying"),
        ("CHAR(8)", "character(8)"),
        ("character", "character(1)"),
        ("\"char\"", "\"char\""),
        ("bit varying(5)", "bit varying(5)"),
        ("JSONB", "jsonb"),
        ("BYTEA", "bytea"),
        ("UUID", "uuid"),
        ("INET", "inet"),
        ("interval(3)", "interval(3)"),
        ("TEXT[]", "text[]"),
        ("INTEGER[][]", "integer[]"),
        ("int ARRAY", "integer[]"),
        ("VARCHAR(191)[]", "character varying(191)[]"),
        ("\"Role\"", "\"Role\""),
        ("\"Role\"[]", "\"Role\"[]"),
        ("\"auth\".\"Status\"", "\"auth\".\"Status\""),
        ("CITEXT", "\"citext\""),
        ("vector(1536)", "\"vector\"(1536)"),
        ("geometry(Point, 4326)", "\"geometry\"(Point,4326)"),
    ];
    for (decl, want) in cases {
        assert_eq!(column_type(decl).as_deref(), Some(want), "{decl}");
    }
    // Interval field restrictions are printed in ways not worth modelling: not compared.
    assert_eq!(column_type("interval day to second"), None);
}

#[test]
fn identifiers_fold_and_truncate_like_postgres() {
    let long = "a".repeat(70);
    let e = exps(&format!(
        "CREATE INDEX \"{long}\" ON Auth.\"Users\" (Email)"
    ));
    match &e[0] {
        Expectation::IndexExists {
            schema,
            name,
            table,
            columns,
            ..
        } => {
            assert_eq!(
                (schema.as_str(), name.len(), table.as_deref()),
                ("auth", 63, Some("Users"))
            );
            assert_eq!(columns.as_deref(), Some(&["email".to_string()][..]));
        }
        other => panic!("{other:?}"),
    }
    let e = shown("ALTER TABLE \"My\"\"Table\" ADD COLUMN \"Ä\" text");
    assert_eq!(
        e,
        vec!["column \"public\".\"My\"\"Table\".\"Ä\" exists: text NULL no default"]
    );
    assert!(reason("CREATE TABLE db.s.t (x int)").contains("three-part"));
}

#[test]
fn statements_that_cannot_be_verified_say_why() {
    let cases = [
        ("INSERT INTO t VALUES (1)", "rows"),
        ("UPDATE t SET x = 1", "rows"),
        ("DELETE FROM t", "rows"),
        ("COPY t FROM STDIN", "rows"),
        ("SELECT setval('s', 1)", "query"),
        ("DO $$ BEGIN END $$", "procedural"),
        ("SET search_path TO x", "session"),
        ("GRANT SELECT ON t TO r", "privileges"),
        ("BEGIN", "transaction"),
        ("CREATE TEMP TABLE t (x int)", "temporary"),
        ("CREATE INDEX ON t (x)", "unnamed index"),
        ("CREATE TABLE t (LIKE u)", "LIKE"),
        ("CREATE TABLE t (x int) INHERITS (u)", "inherited"),
        (
            "CREATE TABLE t PARTITION OF u FOR VALUES IN (1)",
            "partitions",
        ),
        ("ALTER TABLE t ENABLE ROW LEVEL SECURITY", "ALTER TABLE"),
        (
            "ALTER TABLE t ADD COLUMN x int, OWNER TO r",
            "ADD, DROP, ALTER or VALIDATE",
        ),
        (
            "ALTER TABLE t ALTER COLUMN x SET STATISTICS 100",
            "SET/DROP",
        ),
        ("ALTER TYPE t ADD ATTRIBUTE x int", "ALTER TYPE"),
        ("ALTER SEQUENCE s RESTART WITH 5", "RENAME TO"),
        ("CREATE SCHEMA AUTHORIZATION bob", "role"),
        ("CREATE SCHEMA s CREATE TABLE t (x int)", "embedded"),
        ("COMMENT ON FUNCTION f IS 'x'", "which overload"),
        (
            "COMMENT ON TYPE t IS 'x'",
            "relations, columns and routines",
        ),
        ("CREATE POLICY p ON t USING (true)", "`CREATE POLICY`"),
        ("VACUUM t", "`VACUUM`"),
        ("REFRESH MATERIALIZED VIEW v", "`REFRESH`"),
        ("CREATE TABLE t (x int", "expected"),
        ("CREATE TYPE t", "base and shell"),
    ];
    for (sql, needle) in cases {
        let r = reason(sql);
        assert!(r.contains(needle), "{sql}: {r}");
    }
}

#[test]
fn create_table_variants() {
    let e = shown(
        "CREATE TABLE s.t (
           id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
           code text COLLATE \"C\" CONSTRAINT code_uq UNIQUE NOT NULL,
           total numeric GENERATED ALWAYS AS (1 + 1) STORED,
           parent int REFERENCES s.t ON DELETE SET NULL (parent) DEFERRABLE INITIALLY DEFERRED,
           at timestamptz DEFAULT now() NOT NULL,
           CONSTRAINT t_ck CHECK (id > 0) NO INHERIT,
           UNIQUE NULLS NOT DISTINCT (code, at) INCLUDE (total) WITH (fillfactor = 90)
         ) WITH (fillfactor = 70) TABLESPACE pg_default",
    );
    let want = [
        "table \"s\".\"t\" exists",
        "table \"s\".\"t\" has the columns \"id\", \"code\", \"total\", \"parent\", \"at\"",
        "column \"s\".\"t\".\"id\" exists: bigint NOT NULL no default",
        "column \"s\".\"t\".\"code\" exists: text NOT NULL no default",
        "column \"s\".\"t\".\"total\" exists: numeric NULL",
        "column \"s\".\"t\".\"parent\" exists: integer NULL no default",
        "column \"s\".\"t\".\"at\" exists: timestamp with time zone NOT NULL DEFAULT now()",
        "PrimaryKey unnamed constraint on \"s\".\"t\" (\"id\") exists",
        "Unique constraint \"code_uq\" on \"s\".\"t\" (\"code\") exists",
        "unique btree index \"s\".\"code_uq\" on \"t\" (\"code\") exists",
        "ForeignKey unnamed constraint on \"s\".\"t\" (\"parent\") -> \"s\".\"t\" ON DELETE SetNull ON UPDATE NoAction exists",
        "Check constraint \"t_ck\" on \"s\".\"t\" exists",
        "Unique unnamed constraint on \"s\".\"t\" (\"code\", \"at\") exists",
    ];
    assert_eq!(e, want);
    // IF NOT EXISTS does nothing when the table is already there, in whatever shape: only its
    // existence is certain afterwards.
    assert_eq!(
        shown("CREATE TABLE IF NOT EXISTS s.t (id bigint PRIMARY KEY, code text UNIQUE)"),
        vec!["table \"s\".\"t\" exists"]
    );
    assert_eq!(
        shown("ALTER TABLE t ADD COLUMN IF NOT EXISTS c timestamp DEFAULT now() REFERENCES u, ADD COLUMN d int NOT NULL"),
        vec![
            "column \"public\".\"t\".\"c\" exists",
            "column \"public\".\"t\".\"d\" exists: integer NOT NULL no default"
        ]
    );
    assert_eq!(
        shown("CREATE TABLE t AS SELECT 1 AS x"),
        vec!["table \"public\".\"t\" exists"]
    );
}

#[test]
fn routines_are_identified_by_their_input_argument_types() {
    let e = shown(
        "CREATE FUNCTION f(a integer, b text DEFAULT 'x', OUT c int, double precision, \"Role\"[], VARIADIC v int[] = '{}') RETURNS int LANGUAGE sql AS 'SELECT 1'",
    );
    assert_eq!(
        e,
        vec![
            "function \"public\".\"f\"(integer, text, double precision, \"Role\"[], integer[]) exists",
            "function \"public\".\"f\"(integer, text, double precision, \"Role\"[], integer[]) has the body `SELECT 1`"
        ]
    );
    assert_eq!(
        shown("DROP FUNCTION IF EXISTS f, g(int)"),
        vec![
            "function \"public\".\"f\"(...) is absent",
            "function \"public\".\"g\"(integer) is absent"
        ]
    );
    assert_eq!(
        shown("DROP PROCEDURE p()"),
        vec!["function \"public\".\"p\"() is absent"]
    );
    // Pseudo-types are built in, as format_type() prints them (not user types).
    assert_eq!(
        shown("CREATE OR REPLACE FUNCTION iIF(c boolean, t anyelement, f anyelement) RETURNS anyelement AS $f$ SELECT t $f$ LANGUAGE SQL")[0],
        "function \"public\".\"iif\"(boolean, anyelement, anyelement) exists"
    );
}

#[test]
fn drops_and_renames() {
    assert_eq!(
        shown("DROP TABLE IF EXISTS a, s.b CASCADE"),
        vec![
            "table \"public\".\"a\" is absent",
            "table \"s\".\"b\" is absent"
        ]
    );
    assert_eq!(
        shown("DROP INDEX CONCURRENTLY IF EXISTS \"s\".\"i\""),
        vec!["index \"s\".\"i\" is absent"]
    );
    assert_eq!(
        shown("DROP TRIGGER tr ON s.t"),
        vec!["trigger \"tr\" on \"s\".\"t\" is absent"]
    );
    assert_eq!(
        shown("DROP MATERIALIZED VIEW mv"),
        vec!["materialized view \"public\".\"mv\" is absent"]
    );
    assert_eq!(
        shown("ALTER MATERIALIZED VIEW mv RENAME TO mv2"),
        vec![
            "materialized view \"public\".\"mv2\" exists",
            "materialized view \"public\".\"mv\" is absent"
        ]
    );
    assert_eq!(
        shown("ALTER TABLE IF EXISTS ONLY t RENAME a TO b"),
        vec![
            "column \"public\".\"t\".\"b\" exists",
            "column \"public\".\"t\".\"a\" is absent"
        ]
    );
    assert_eq!(
        shown("ALTER TYPE s.\"Role\" RENAME TO \"Role_old\""),
        vec![
            "type \"s\".\"Role_old\" exists",
            "type \"s\".\"Role\" is absent"
        ]
    );
    assert_eq!(
        shown("COMMENT ON COLUMN s.t.c IS ''"),
        vec!["comment on \"s\".\"t\".\"c\" is empty"]
    );
    assert_eq!(
        shown("CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA ext VERSION '0.7' CASCADE"),
        vec!["extension \"vector\" exists"]
    );
}

#[test]
fn later_statements_carry_earlier_facts_forward() {
    let script = split_script(
        "CREATE TABLE a (x int, y int);
         CREATE INDEX a_x ON a (x);
         CREATE UNIQUE INDEX a_y ON a (y);
         ALTER TABLE a ADD CONSTRAINT a_pk PRIMARY KEY (x);
         ALTER TABLE a RENAME TO b;
         ALTER TABLE b RENAME COLUMN x TO z;
         ALTER TABLE b DROP COLUMN y;
         ALTER INDEX a_pk RENAME TO b_pk;
         ALTER TABLE b ALTER COLUMN z TYPE bigint;",
    );
    let effects = script_effects(&script, "public");
    let after: Vec<Vec<String>> = effects
        .after(script.statements.len())
        .iter()
        .map(|e| match e {
            StatementEffects::Verifiable(v) => v.iter().map(ToString::to_string).collect(),
            StatementEffects::Unverifiable { reason } => vec![format!("? {reason}")],
        })
        .collect();
    assert_eq!(
        after[0],
        vec![
            "table \"public\".\"b\" exists",
            "table \"public\".\"b\" has the columns \"z\"",
            "column \"public\".\"b\".\"z\" exists NOT NULL no default",
        ]
    );
    assert_eq!(
        after[1],
        vec!["btree index \"public\".\"a_x\" on \"b\" (\"z\") exists"]
    );
    assert!(
        after[2][0].starts_with("? "),
        "dropped with its column: {:?}",
        after[2]
    );
    assert_eq!(
        after[3],
        vec![
            "PrimaryKey constraint \"b_pk\" on \"public\".\"b\" (\"z\") exists",
            "unique btree index \"public\".\"b_pk\" on \"b\" (\"z\") exists"
        ]
    );
    // Part-way through, earlier facts describe the catalog at that point.
    let at4 = effects.after(4);
    assert_eq!(
        at4[0].expectations()[0].to_string(),
        "table \"public\".\"a\" exists"
    );
    assert_eq!(at4.len(), 4);
}

#[test]
fn drop_and_add_of_the_same_name_replaces() {
    let e = exps("ALTER TABLE t DROP CONSTRAINT t_pkey, ADD CONSTRAINT t_pkey PRIMARY KEY (a, b)");
    assert!(
        e.iter().all(|e| matches!(
            e,
            Expectation::ConstraintExists { replaces: true, .. }
                | Expectation::IndexExists { replaces: true, .. }
        )),
        "{e:#?}"
    );
    let script = split_script("DROP INDEX i; CREATE INDEX i ON t (b);");
    let effects = script_effects(&script, "public");
    assert!(matches!(
        effects.statements[1].expectations()[0],
        Expectation::IndexExists { replaces: true, .. }
    ));
    assert!(matches!(
        effects.after(2)[0],
        StatementEffects::Unverifiable { .. }
    ));
}

#[test]
fn default_expressions_compare_as_postgres_prints_them() {
    let same = [
        ("'USER'", "'USER'::\"Role\""),
        ("''", "''::text"),
        ("-1", "'-1'::integer"),
        ("ARRAY[]::TEXT[]", "ARRAY[]::text[]"),
        (
            "ARRAY['a', 'b']::VARCHAR(3)[]",
            "ARRAY['a'::character varying(3), 'b'::character varying(3)]",
        ),
        ("'{}'", "'{}'::jsonb"),
        ("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"),
        ("now()", "now()"),
        (
            "(now() AT TIME ZONE 'utc'::text)",
            "(now() AT TIME ZONE 'utc'::text)",
        ),
        (
            "now() + interval '1 hour'",
            "(now() + '01:00:00'::interval)",
        ),
        (
            "'2020-01-01'::timestamp",
            "'2020-01-01 00:00:00'::timestamp without time zone",
        ),
        ("true", "true"),
        ("'true'", "true"),
        ("E'it\\'s'", "'it''s'::text"),
        (
            "nextval('\"User_id_seq\"'::regclass)",
            "nextval('\"User_id_seq\"'::regclass)",
        ),
        ("9.99", "9.99"),
    ];
    for (script, catalog) in same {
        assert_eq!(
            default_tokens(script),
            default_tokens(catalog),
            "{script} vs {catalog}"
        );
    }
    let different = [
        ("1", "2"),
        ("'a'", "'b'"),
        ("now()", "CURRENT_TIMESTAMP"),
        ("\"A\"()", "a()"),
    ];
    for (a, b) in different {
        assert_ne!(default_tokens(a), default_tokens(b), "{a} vs {b}");
    }
}

fn view_columns(sql: &str) -> Option<Vec<String>> {
    exps(sql).into_iter().find_map(|e| match e {
        Expectation::RelationColumns { columns, .. } => Some(columns),
        _ => None,
    })
}

#[test]
fn view_columns_are_named_like_postgresql_names_them() {
    let named = |sql: &str, want: &[&str]| {
        assert_eq!(
            view_columns(sql),
            Some(want.iter().map(|s| s.to_string()).collect()),
            "{sql}"
        )
    };
    named(
        r#"CREATE VIEW v AS SELECT u.id, u."Email", count(*) AS n, max(x) "Top", t.name::text, lower(u.a) FROM u"#,
        &["id", "Email", "n", "Top", "name", "lower"],
    );
    named(
        r#"CREATE OR REPLACE VIEW public."V" AS WITH a AS (SELECT 1 AS x), b (y) AS MATERIALIZED (SELECT 2) SELECT DISTINCT ON (a.x) a.x, CASE WHEN a.x > 1 THEN 'a' ELSE 'b' END AS kind, row_number() OVER (PARTITION BY a.x) FROM a UNION SELECT 1, 'c', 2"#,
        &["x", "kind", "row_number"],
    );
    named(
        r#"CREATE VIEW v (a, "B") AS SELECT x + 1, y FROM t"#,
        &["a", "B"],
    );
    named(
        r#"CREATE MATERIALIZED VIEW m AS SELECT coalesce(a, 0) , "t"."c"::"Enum"[] , s.f(z) FILTER (WHERE z > 0) FROM t WITH NO DATA"#,
        &["coalesce", "c", "f"],
    );
    // Not certain: a star, an unnamed expression, a multi-word cast, a keyword at the end.
    for sql in [
        "CREATE VIEW v AS SELECT * FROM t",
        "CREATE VIEW v AS SELECT t.* FROM t",
        "CREATE VIEW v AS SELECT a + 1 FROM t",
        "CREATE VIEW v AS SELECT a::int + 1 FROM t",
        "CREATE VIEW v AS SELECT a::double precision FROM t",
        "CREATE VIEW v AS SELECT a IS NULL FROM t",
        "CREATE VIEW v AS SELECT interval '1' day FROM t",
        "CREATE VIEW v AS SELECT a, a FROM t",
        "CREATE VIEW v (a) AS SELECT x, y FROM t",
        "CREATE VIEW v AS VALUES (1)",
        "CREATE VIEW v AS SELECT extract(epoch FROM a) FROM t",
        "CREATE VIEW v AS SELECT a OPERATOR(pg_catalog.+) b FROM t",
        "CREATE VIEW v AS SELECT a IS DISTINCT FROM b FROM t",
        "CREATE VIEW v AS SELECT x COLLATE \"C\" FROM t",
        "CREATE VIEW v (p) AS SELECT x IS DISTINCT FROM 1, y FROM s",
        "CREATE VIEW v AS SELECT y AS U&\"d\\0061ta\" FROM s",
    ] {
        assert_eq!(view_columns(sql), None, "{sql}");
    }
}

#[test]
fn function_bodies_are_kept_as_written() {
    let body = |sql: &str| {
        exps(sql).into_iter().find_map(|e| match e {
            Expectation::FunctionBody { body, .. } => Some(body),
            _ => None,
        })
    };
    assert_eq!(
        body("CREATE OR REPLACE FUNCTION f(a int) RETURNS int AS $fn$\n  SELECT a + 1;\n$fn$ LANGUAGE sql"),
        Some("\n  SELECT a + 1;\n".into())
    );
    assert_eq!(
        body("CREATE FUNCTION f() RETURNS TABLE (x int) LANGUAGE sql AS 'SELECT ''a''::text'"),
        Some("SELECT 'a'::text".into())
    );
    assert_eq!(
        body("CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1"),
        None
    );
    assert_eq!(
        body("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END"),
        None
    );
    assert_eq!(
        body("CREATE FUNCTION f(int) RETURNS int AS 'lib', 'sym' LANGUAGE c"),
        None
    );
    // prosrc is not the string: a C or internal function's symbol; a string continued on the
    // next line; E'' escapes are decoded by characters, PostgreSQL's by bytes.
    for sql in [
        "CREATE FUNCTION h() RETURNS language_handler AS '$libdir/plpgsql' LANGUAGE c",
        "CREATE FUNCTION h() RETURNS int LANGUAGE internal AS ''",
        "CREATE FUNCTION f() RETURNS int AS 'select 1'\n'+ 1' LANGUAGE sql",
        "CREATE FUNCTION f() RETURNS text AS E'select ''\\xC3\\xA9''' LANGUAGE sql",
    ] {
        assert_eq!(body(sql), None, "{sql}");
    }
}

#[test]
fn whole_lists_follow_the_script_and_stop_at_opaque_code() {
    let lists = |sql: &str| -> Vec<String> {
        let script = split_script(sql);
        let effects = script_effects(&script, "public");
        effects
            .after(script.statements.len())
            .iter()
            .flat_map(|e| e.expectations().to_vec())
            .filter(|e| e.lists_a_whole())
            .map(|e| e.to_string())
            .collect()
    };
    assert_eq!(
        lists(
            "CREATE TYPE r AS ENUM ('a');
             ALTER TYPE r ADD VALUE 'b';
             CREATE TABLE t (x int);
             ALTER TABLE t ADD COLUMN y int, ADD COLUMN IF NOT EXISTS x int;
             UPDATE t SET y = x;"
        ),
        vec![
            "enum \"public\".\"r\" has exactly the values 'a', 'b'",
            "table \"public\".\"t\" has the columns \"x\", \"y\"",
        ]
    );
    // A primary key on an index says nothing of its columns: their nullability is open.
    let script = split_script(
        "CREATE TABLE t (id text, n int NOT NULL);
         CREATE UNIQUE INDEX i ON t (id);
         ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX i;",
    );
    let after = script_effects(&script, "public").after(3);
    let columns: Vec<String> = after[0]
        .expectations()
        .iter()
        .filter(|e| matches!(e, Expectation::ColumnExists { .. }))
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        columns,
        vec![
            "column \"public\".\"t\".\"id\" exists: text no default",
            "column \"public\".\"t\".\"n\" exists: integer no default"
        ]
    );
    // A cascading drop takes dependants the script does not name (columns of the type).
    assert!(lists(
        "CREATE TYPE e AS ENUM ('a');
         CREATE TABLE t (id int, s e);
         DROP TYPE e CASCADE;"
    )
    .iter()
    .all(|l| !l.contains("columns")));
    // Procedural code may have changed anything: the lists made before it are not kept.
    assert!(lists(
        "CREATE TYPE r AS ENUM ('a');
         CREATE TABLE t (x int);
         DO $$ BEGIN ALTER TABLE t ADD COLUMN z int; END $$;"
    )
    .is_empty());
}

#[test]
fn do_blocks_that_create_unless_the_object_exists() {
    assert_eq!(
        shown(
            r#"DO $$ BEGIN ALTER TABLE "R" ADD CONSTRAINT "R_c_fkey" FOREIGN KEY ("c") REFERENCES "C"("id") ON DELETE CASCADE ON UPDATE CASCADE; EXCEPTION WHEN duplicate_object THEN null; END $$"#
        ),
        vec!["constraint \"R_c_fkey\" on \"public\".\"R\" exists"]
    );
    assert_eq!(
        shown(
            "DO $$\nBEGIN\n  -- made by hand in some environments\n  CREATE TYPE \"E\" AS ENUM ('a', 'b');\nEXCEPTION\n  WHEN duplicate_object OR duplicate_function THEN NULL;\nEND;\n$$ LANGUAGE plpgsql"
        ),
        vec!["type \"public\".\"E\" exists"]
    );
    // Anything else stays opaque: other handlers, more statements, conditions, drops.
    for sql in [
        "DO $$ BEGIN CREATE TYPE e AS ENUM ('a'); EXCEPTION WHEN others THEN null; END $$",
        "DO $$ BEGIN CREATE TYPE e AS ENUM ('a'); CREATE TYPE f AS ENUM ('b'); EXCEPTION WHEN duplicate_object THEN null; END $$",
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'e') THEN CREATE TYPE e AS ENUM ('a'); END IF; END $$",
        "DO $$ BEGIN DROP TYPE e; EXCEPTION WHEN duplicate_object THEN null; END $$",
        "DO $$ BEGIN CREATE TYPE e AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN RAISE NOTICE 'x'; END $$",
        "DO LANGUAGE plperl $$ 1 $$",
        // duplicate_table would also swallow a clash with another relation of the index's name
        "DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT c UNIQUE (a); EXCEPTION WHEN duplicate_table OR duplicate_object THEN null; END $$",
        "DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT c UNIQUE USING INDEX i; EXCEPTION WHEN duplicate_object THEN null; END $$",
    ] {
        assert!(reason(sql).contains("procedural"), "{sql}");
    }
}
