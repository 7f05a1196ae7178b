//! Definitions checked against a real PostgreSQL: the column names the recogniser gives a view
//! are the ones the server gives it (pg_attribute), and a function's body is what the server
//! keeps (`prosrc`). A wrong name here would make a fully applied view look conflicting.
//! Needs `PMD_TEST_DATABASE_URL` (see tests/common).

mod common;

use common::TestDb;
use prisma_migrate_doctor::evidence::catalog::{
    load_scoped, names_named, observe, schemas_named, Observed,
};
use prisma_migrate_doctor::evidence::effects::{script_effects, Expectation, StatementEffects};
use prisma_migrate_doctor::evidence::split::split_script;

const TABLES: &str = r#"CREATE TYPE "Status" AS ENUM ('A', 'B');
CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "Email" TEXT NOT NULL, "name" TEXT, "status" "Status", "createdAt" TIMESTAMP(3) NOT NULL DEFAULT now(), "score" INTEGER);
CREATE TABLE post (id INTEGER PRIMARY KEY, "authorId" INTEGER, value TEXT, data JSONB, type TEXT);
CREATE SCHEMA other;
CREATE FUNCTION other.score(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x';"#;

/// Each (view, whether its column names must be known).
const VIEWS: &[(&str, bool)] = &[
    (
        r#"CREATE VIEW v1 AS SELECT u.id, u."Email", count(*) AS n, max(u.score) "Top", u.name::text, lower(u.name) FROM "User" u GROUP BY u.id"#,
        true,
    ),
    (
        r#"CREATE VIEW v2 AS SELECT "id", "Email" FROM "User""#,
        true,
    ),
    (
        r#"CREATE VIEW "V3" AS WITH a AS (SELECT 1 AS x), b (y) AS MATERIALIZED (SELECT 2) SELECT DISTINCT ON (a.x) a.x, CASE WHEN a.x > 1 THEN 'a' ELSE 'b' END AS kind, row_number() OVER (PARTITION BY a.x) FROM a, b UNION SELECT 1, 'c', 2"#,
        true,
    ),
    (
        r#"CREATE VIEW v4 (a, "B") AS SELECT id + 1, "Email" FROM "User""#,
        true,
    ),
    (
        r#"CREATE MATERIALIZED VIEW m5 AS SELECT coalesce(p."authorId", 0), "u"."status"::"Status", pg_catalog.count(p.id) FILTER (WHERE p.id > 0), other.score(p."authorId") AS s FROM post p JOIN "User" u ON u.id = p."authorId" GROUP BY p."authorId", u.status WITH NO DATA"#,
        true,
    ),
    (
        r#"CREATE VIEW v6 AS SELECT p.value, p.data, p.type, p.id AS "ID", p."authorId" "author", (SELECT count(*) FROM "User") total, greatest(p.id, 1), nullif(p.value, ''), least(1, 2) FROM post p"#,
        true,
    ),
    (
        r#"CREATE VIEW v7 AS SELECT "User".id, date_trunc('day', "createdAt") AS day, sum(score) OVER w FROM "User" WINDOW w AS (ORDER BY id)"#,
        true,
    ),
    (
        r#"CREATE VIEW v8 AS SELECT max(score) FILTER (WHERE score > 0) OVER (PARTITION BY status) FROM "User""#,
        true,
    ),
    (
        r#"CREATE VIEW v9 AS SELECT id::text::varchar(10), ARRAY["status"]::text[] AS s, "name"::"varchar"(20) FROM "User" ORDER BY id LIMIT 5"#,
        true,
    ),
    (
        r#"CREATE OR REPLACE VIEW public.v10 AS SELECT u.id, exists (SELECT 1 FROM post WHERE post."authorId" = u.id) AS "hasPosts", u."createdAt" AT TIME ZONE 'UTC' AS "at" FROM "User" u"#,
        true,
    ),
    // Not certain: the recogniser must say nothing rather than guess.
    ("CREATE VIEW n1 AS SELECT * FROM post", false),
    ("CREATE VIEW n2 AS SELECT p.*, 1 AS one FROM post p", false),
    ("CREATE VIEW n3 AS SELECT id, value || 'x' FROM post", false),
    (
        "CREATE VIEW n4 AS SELECT id::double precision FROM post",
        false,
    ),
    ("CREATE VIEW n5 AS SELECT value IS NULL FROM post", false),
    ("CREATE VIEW n6 AS SELECT extract(epoch FROM now())", false),
    ("CREATE VIEW n7 AS SELECT interval '1' day", false),
    ("CREATE VIEW n8 AS VALUES (1, 2)", false),
];

/// The facts of `script` that `keep` selects, each with what the server shows.
async fn observed(
    db: &TestDb,
    script: &str,
    keep: fn(&Expectation) -> bool,
) -> Vec<(Expectation, Observed)> {
    let split = split_script(script);
    let effects = script_effects(&split, "public");
    let all = || {
        effects
            .statements
            .iter()
            .flat_map(StatementEffects::expectations)
    };
    let snapshot = load_scoped(
        &db.client,
        &schemas_named(all(), "public"),
        Some(&names_named(all())),
    )
    .await
    .unwrap();
    all()
        .filter(|e| keep(e))
        .map(|e| (e.clone(), observe(e, &snapshot)))
        .collect()
}

async fn check_facts(db: &TestDb, script: &str) -> Vec<(Expectation, Observed)> {
    observed(db, script, |e| {
        matches!(
            e,
            Expectation::RelationColumns { .. } | Expectation::FunctionBody { .. }
        )
    })
    .await
}

/// Whether each `FunctionComment` fact of `script` holds on the server.
async fn check_comment(db: &TestDb, script: &str) -> Vec<bool> {
    observed(db, script, |e| {
        matches!(e, Expectation::FunctionComment { .. })
    })
    .await
    .into_iter()
    .map(|(_, o)| o == Observed::Present)
    .collect()
}

#[tokio::test]
async fn view_column_names_are_the_servers() {
    let db = TestDb::new("view_names").await;
    db.client.batch_execute(TABLES).await.unwrap();
    let mut named = 0;
    for (view, certain) in VIEWS {
        db.client
            .batch_execute(view)
            .await
            .unwrap_or_else(|e| panic!("{view}: {e:?}"));
        let facts = check_facts(&db, view).await;
        assert!(
            facts.len() <= 1,
            "{view}: one column fact at most: {facts:?}"
        );
        if *certain {
            assert_eq!(facts.len(), 1, "{view}: the names are certain");
        }
        if view.starts_with("CREATE VIEW n") {
            assert!(facts.is_empty(), "{view}: guessed {facts:?}");
        }
        for (e, o) in &facts {
            assert_eq!(*o, Observed::Present, "{view}: {e}");
            named += 1;
        }
    }
    assert!(named >= 10, "only {named} views named");
    // Another definition of a view is told apart from the one there.
    let facts = check_facts(
        &db,
        r#"CREATE OR REPLACE VIEW v2 AS SELECT "id", "Email", "name" FROM "User""#,
    )
    .await;
    assert!(
        matches!(facts.as_slice(), [(_, Observed::Conflicting { .. })]),
        "{facts:?}"
    );
    db.finish().await;
}

#[tokio::test]
async fn function_bodies_are_the_servers() {
    let db = TestDb::new("function_bodies").await;
    db.client.batch_execute(TABLES).await.unwrap();
    let functions = [
        "CREATE FUNCTION f1(a integer) RETURNS integer AS $$\r\n  SELECT a + 1; -- one\n$$ LANGUAGE sql",
        "CREATE OR REPLACE FUNCTION public.f2() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN NEW.\"updatedAt\" = now(); RETURN NEW; END; $body$",
        "CREATE FUNCTION f3(text, VARIADIC int[]) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT ''it''''s'' || $1'",
        "CREATE FUNCTION f4(x \"Status\" DEFAULT 'A') RETURNS \"Status\" LANGUAGE sql SET search_path = public AS $f$SELECT x\n$f$",
        "CREATE PROCEDURE p5(INOUT n integer) LANGUAGE plpgsql AS $$ BEGIN n := n + 1; END $$",
    ];
    for f in functions {
        db.client
            .batch_execute(f)
            .await
            .unwrap_or_else(|e| panic!("{f}: {e}"));
        let facts = check_facts(&db, f).await;
        assert_eq!(facts.len(), 1, "{f}: {facts:?}");
        assert_eq!(facts[0].1, Observed::Present, "{f}: {}", facts[0].0);
    }
    // Comments on routines, by their argument types.
    for (sql, holds) in [
        ("COMMENT ON FUNCTION f1(integer) IS 'adds one'", true),
        (
            "COMMENT ON FUNCTION public.f3(text, VARIADIC integer[]) IS 'quotes'",
            true,
        ),
        ("COMMENT ON PROCEDURE p5(INOUT n integer) IS 'counts'", true),
    ] {
        db.client
            .batch_execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        let facts = check_comment(&db, sql).await;
        assert_eq!(facts, vec![holds], "{sql}");
    }
    let other = check_comment(&db, "COMMENT ON FUNCTION f1(integer) IS 'adds two'").await;
    assert_eq!(other, vec![false]);
    let none = check_comment(&db, "COMMENT ON FUNCTION f2() IS NULL").await;
    assert_eq!(none, vec![true]);
    let facts = check_facts(
        &db,
        "CREATE OR REPLACE FUNCTION f1(a integer) RETURNS integer AS $$ SELECT a + 2 $$ LANGUAGE sql",
    )
    .await;
    assert!(
        matches!(facts.as_slice(), [(_, Observed::Conflicting { .. })]),
        "{facts:?}"
    );
    db.finish().await;
}
