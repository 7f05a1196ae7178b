//! The expectations of every corpus script checked against a real PostgreSQL.
//!
//! Needs `PMD_TEST_DATABASE_URL`, a superuser URL (each test creates and drops its own database);
//! without it these tests fail on purpose: CI always sets it, and a silent skip would hide a
//! broken catalog reader.

mod common;

use common::TestDb;
use std::path::Path;
use std::time::Instant;

use prisma_migrate_doctor::evidence::catalog::{
    load_scoped, load_snapshot, names_named, observe, schemas_named, summarize, Observed,
};
use prisma_migrate_doctor::evidence::effects::{
    script_effects, Expectation, ScriptEffects, StatementEffects,
};
use prisma_migrate_doctor::evidence::split::{split_script, SplitScript};

fn corpus_file(name: &str) -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/evidence/corpus")
        .join(name);
    std::fs::read_to_string(path).ok()
}

struct Loaded {
    split: SplitScript,
    effects: ScriptEffects,
    schemas: Vec<String>,
}

fn load(name: &str) -> Loaded {
    let script = corpus_file(&format!("{name}.sql")).unwrap();
    let split = split_script(&script);
    let effects = script_effects(&split, "public");
    let schemas = schemas_named(
        effects
            .statements
            .iter()
            .flat_map(StatementEffects::expectations),
        "public",
    );
    Loaded {
        split,
        effects,
        schemas,
    }
}

async fn setup(db: &TestDb, name: &str) {
    if let Some(setup) = corpus_file(&format!("{name}.setup.sql")) {
        db.client.batch_execute(&setup).await.unwrap();
    }
}

fn render(e: &Expectation, o: &Observed) -> String {
    format!("{e}: {o:?}")
}

/// Applies the script one statement at a time. At every point k (statements 0..k applied):
/// everything applied so far, carried forward, is Present; and every statement not applied yet
/// is Absent (at least one of its facts does not hold, none conflicts), except the statements
/// listed in `true_before`, whose facts can hold before they run (IF [NOT] EXISTS no-ops, the
/// rename-back of Prisma's enum swap, ...).
async fn check_corpus(name: &str, true_before: &[usize]) {
    let started = Instant::now();
    let db = TestDb::new(name).await;
    setup(&db, name).await;
    let Loaded {
        split,
        effects,
        schemas,
    } = load(name);
    let n = split.statements.len();
    let mut problems = Vec::new();
    let mut checked = 0;
    for k in 0..=n {
        if k > 0 {
            let stmt = &split.statements[k - 1];
            if let Err(e) = db.client.batch_execute(&stmt.sql).await {
                panic!(
                    "{name}: statement {} failed: {e:?}\n{}",
                    stmt.index, stmt.sql
                );
            }
        }
        // Scoped to the names the script mentions, as the doctor loads it.
        let names = names_named(
            effects
                .statements
                .iter()
                .flat_map(StatementEffects::expectations),
        );
        let snap = load_scoped(&db.client, &schemas, Some(&names))
            .await
            .unwrap();
        for (i, eff) in effects.after(k).iter().enumerate() {
            for e in eff.expectations() {
                checked += 1;
                let o = observe(e, &snap);
                if o != Observed::Present {
                    problems.push(format!("after {k} statements, [{i}] {}", render(e, &o)));
                }
            }
        }
        for j in (k..n).filter(|j| !true_before.contains(j)) {
            let exps = effects.statements[j].expectations();
            let obs: Vec<Observed> = exps.iter().map(|e| observe(e, &snap)).collect();
            checked += obs.len();
            if !exps.is_empty() && summarize(&obs) != Observed::Absent {
                let all: Vec<String> = exps.iter().zip(&obs).map(|(e, o)| render(e, o)).collect();
                problems.push(format!(
                    "after {k} statements, [{j}] not absent yet:\n    {}",
                    all.join("\n    ")
                ));
            }
        }
    }
    db.finish().await;
    assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n"));
    eprintln!(
        "{name}: {n} statements, {checked} observations in {:?}",
        started.elapsed()
    );
}

macro_rules! corpus_tests {
    ($($test:ident: $file:literal, true_before: $tb:expr;)*) => {$(
        #[tokio::test]
        async fn $test() {
            check_corpus($file, &$tb).await;
        }
    )*};
}

corpus_tests! {
    init: "01_init", true_before: [0];
    alter_tables: "02_alter_tables", true_before: [];
    enum_remove_value: "03_enum_remove_value", true_before: [6, 7, 8];
    primary_key_change: "04_primary_key_change", true_before: [];
    drop_autoincrement: "05_drop_autoincrement", true_before: [];
    add_autoincrement: "06_add_autoincrement", true_before: [];
    multi_schema: "07_multi_schema", true_before: [1];
    extensions: "08_extensions", true_before: [0];
    hand_written: "09_hand_written", true_before: [8];
    drop_tables: "10_drop_tables", true_before: [];
    recreate_column: "11_recreate_column", true_before: [];
    enum_value_as_default: "12_enum_value_as_default", true_before: [];
    rename_constraints: "13_rename_constraints", true_before: [];
}

/// Observations of the raw effects of statement `index` of a corpus script.
async fn observe_statement(db: &TestDb, loaded: &Loaded, index: usize) -> Vec<(String, Observed)> {
    let snap = load_snapshot(&db.client, &loaded.schemas).await.unwrap();
    let exps = loaded.effects.statements[index].expectations();
    exps.iter()
        .map(|e| (e.to_string(), observe(e, &snap)))
        .collect()
}

fn find<'a>(obs: &'a [(String, Observed)], needle: &str) -> &'a Observed {
    &obs.iter()
        .find(|(e, _)| e.contains(needle))
        .unwrap_or_else(|| panic!("no `{needle}` in {obs:#?}"))
        .1
}

fn is_conflicting(o: &Observed, detail: &str) -> bool {
    matches!(o, Observed::Conflicting { detail: d } if d.contains(detail))
}

#[tokio::test]
async fn added_column_of_another_type_conflicts() {
    let db = TestDb::new("conflict_column").await;
    setup(&db, "02_alter_tables").await;
    let loaded = load("02_alter_tables");
    // Statement 4 adds "fullName" TEXT and "score" INTEGER NOT NULL DEFAULT -1.
    db.client
        .batch_execute(r#"ALTER TABLE "User" ADD COLUMN "fullName" INTEGER, ADD COLUMN "score" INTEGER NOT NULL DEFAULT -1"#)
        .await
        .unwrap();
    let obs = observe_statement(&db, &loaded, 4).await;
    assert!(
        is_conflicting(
            find(&obs, "\"fullName\" exists"),
            "type is integer (expected text)"
        ),
        "{obs:#?}"
    );
    assert_eq!(find(&obs, "\"score\" exists"), &Observed::Present);
    assert!(matches!(
        summarize(&obs.iter().map(|o| o.1.clone()).collect::<Vec<_>>()),
        Observed::Conflicting { .. }
    ));
    db.finish().await;
}

#[tokio::test]
async fn created_objects_of_another_shape_conflict() {
    let db = TestDb::new("conflict_shapes").await;
    let loaded = load("01_init");
    db.client
        .batch_execute(
            r#"CREATE TYPE "Role" AS ENUM ('USER');
               CREATE TABLE "User" ("id" BIGINT NOT NULL, "email" TEXT, "name" TEXT DEFAULT 'x',
                   CONSTRAINT "User_pkey" UNIQUE ("email"));
               CREATE INDEX "User_email_key" ON "User"("name");
               CREATE VIEW "Profile" AS SELECT 1 AS "userId";"#,
        )
        .await
        .unwrap();
    let user = observe_statement(&db, &loaded, 2).await;
    assert!(
        is_conflicting(
            find(&user, "\"id\" exists"),
            "type is bigint (expected integer)"
        ),
        "{user:#?}"
    );
    assert!(
        is_conflicting(
            find(&user, "\"id\" exists"),
            "no default (expected DEFAULT nextval"
        ),
        "{user:#?}"
    );
    assert!(
        is_conflicting(
            find(&user, "\"email\" exists"),
            "nullable (expected NOT NULL)"
        ),
        "{user:#?}"
    );
    assert!(
        is_conflicting(
            find(&user, "\"name\" exists"),
            "DEFAULT 'x'::text (expected no default)"
        ),
        "{user:#?}"
    );
    assert!(
        is_conflicting(
            find(&user, "constraint \"User_pkey\""),
            "is a Unique constraint (expected PrimaryKey)"
        ),
        "{user:#?}"
    );
    assert!(
        is_conflicting(
            find(&user, "index \"public\".\"User_pkey\""),
            "columns are (email)"
        ),
        "{user:#?}"
    );
    let index = observe_statement(&db, &loaded, 5).await;
    assert!(
        is_conflicting(
            find(&index, "User_email_key"),
            "columns are (name) (expected (email))"
        ),
        "{index:#?}"
    );
    let profile = observe_statement(&db, &loaded, 4).await;
    assert!(
        is_conflicting(find(&profile, "table \"public\".\"Profile\""), "is a view"),
        "{profile:#?}"
    );
    // A present enum value and a missing one: the statement is not applied.
    let role = observe_statement(&db, &loaded, 1).await;
    assert_eq!(find(&role, "value 'USER'"), &Observed::Present);
    assert_eq!(find(&role, "value 'ADMIN'"), &Observed::Absent);
    db.finish().await;
}

#[tokio::test]
async fn foreign_key_with_other_actions_conflicts_unless_replaced() {
    let db = TestDb::new("conflict_fk").await;
    setup(&db, "02_alter_tables").await;
    // 01's FK is ON DELETE RESTRICT; 02 drops it and re-adds it with CASCADE (statements 1 and 9).
    let init = load("01_init");
    let alter = load("02_alter_tables");
    let mut cascade = observe_statement(&db, &init, 9).await;
    assert_eq!(cascade.pop().map(|o| o.1), Some(Observed::Present));
    db.client
        .batch_execute(
            r#"ALTER TABLE "Post" DROP CONSTRAINT "Post_authorId_fkey", ADD CONSTRAINT "Post_authorId_fkey"
               FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE"#,
        )
        .await
        .unwrap();
    let obs = observe_statement(&db, &init, 9).await;
    assert!(
        is_conflicting(
            &obs[0].1,
            "ON DELETE SetNull ON UPDATE Cascade (expected Restrict/Cascade)"
        ),
        "{obs:#?}"
    );
    // The re-add in 02 replaces a constraint of that name: another shape there means "not yet".
    let obs = observe_statement(&db, &alter, 9).await;
    assert_eq!(obs[0].1, Observed::Absent, "{obs:#?}");
    db.finish().await;
}

#[tokio::test]
async fn snapshot_uses_few_queries_and_sees_every_schema_asked_for() {
    let db = TestDb::new("snapshot").await;
    db.client
        .batch_execute(
            r#"CREATE SCHEMA "auth"; CREATE TABLE "auth"."T" (x int PRIMARY KEY); CREATE TABLE public."T" (y text);
               CREATE SCHEMA "other"; CREATE TABLE "other"."T" (z int);"#,
        )
        .await
        .unwrap();
    let snap = load_snapshot(&db.client, &["public".into(), "auth".into()])
        .await
        .unwrap();
    let col = |schema: &str, column: &str, exists: bool| Expectation::ColumnExists {
        schema: schema.into(),
        table: "T".into(),
        column: column.into(),
        exists,
        data_type: None,
        not_null: None,
        default: None,
        replaces: false,
    };
    assert_eq!(observe(&col("auth", "x", true), &snap), Observed::Present);
    assert_eq!(observe(&col("public", "y", true), &snap), Observed::Present);
    assert_eq!(observe(&col("public", "x", true), &snap), Observed::Absent);
    assert_eq!(
        observe(&col("nowhere", "x", false), &snap),
        Observed::Present
    );
    // A schema that exists but was not loaded cannot be judged.
    assert!(matches!(
        observe(&col("other", "z", true), &snap),
        Observed::Conflicting { .. }
    ));
    // Five queries whatever the size: time it on 300 tables with keys, indexes and foreign keys.
    db.client
        .batch_execute(
            r#"DO $$ BEGIN FOR i IN 1..300 LOOP
                 EXECUTE format('CREATE TABLE "t%s" (id serial PRIMARY KEY, a text NOT NULL DEFAULT %L,
                   b int REFERENCES auth."T"(x), c timestamptz(3), d jsonb, e "varchar"(20)[])', i, 'x');
                 EXECUTE format('CREATE UNIQUE INDEX "t%s_a" ON "t%s" (a, c DESC)', i, i);
               END LOOP; END $$;"#,
        )
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let started = Instant::now();
    let snap = load_snapshot(&db.client, &["public".into(), "auth".into()])
        .await
        .unwrap();
    let elapsed = started.elapsed();
    eprintln!("load_snapshot: 300 tables in {elapsed:?}");
    assert!(elapsed.as_secs() < 5, "{elapsed:?}");
    let e = Expectation::IndexExists {
        schema: "public".into(),
        name: "t300_a".into(),
        table: Some("t300".into()),
        unique: Some(true),
        columns: Some(vec!["a".into(), "c".into()]),
        method: Some("btree".into()),
        descending: Some(vec![false, true]),
        exists: true,
        replaces: false,
    };
    assert_eq!(observe(&e, &snap), Observed::Present);
    db.finish().await;
}

/// Every type spelling Prisma writes for PostgreSQL (and common hand-written ones), with the
/// defaults it writes, matches what the catalog reports once created.
#[tokio::test]
async fn column_types_and_defaults_match_the_catalog() {
    let db = TestDb::new("types").await;
    let script = r#"
        CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');
        CREATE EXTENSION IF NOT EXISTS "citext";
        CREATE TABLE "AllTypes" (
            "a" TEXT NOT NULL DEFAULT 'x', "b" INTEGER DEFAULT -1, "c" SMALLINT DEFAULT 0, "d" BIGINT DEFAULT 10,
            "e" BOOLEAN DEFAULT true, "f" DOUBLE PRECISION DEFAULT 1.5, "g" REAL, "h" DECIMAL(65,30) DEFAULT 9.99,
            "i" DECIMAL(10,2), "j" MONEY, "k" VARCHAR(191) DEFAULT 'v', "l" CHAR(1), "m" UUID DEFAULT gen_random_uuid(),
            "n" JSONB DEFAULT '{}', "o" JSON DEFAULT '[]', "p" BYTEA, "q" XML, "r" INET, "s" CIDR, "t" BIT(1), "u" VARBIT,
            "v" OID, "w" DATE DEFAULT CURRENT_DATE, "x" TIME(6), "y" TIMETZ(6), "z" TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP,
            "aa" TIMESTAMPTZ(6) DEFAULT now(), "ab" TIMESTAMP(6) DEFAULT (now() AT TIME ZONE 'utc'::text),
            "ac" "Role" DEFAULT 'USER', "ad" "Role"[] DEFAULT ARRAY['ADMIN']::"Role"[], "ae" TEXT[] DEFAULT ARRAY[]::TEXT[],
            "af" INTEGER[] DEFAULT ARRAY[1, 2]::INTEGER[], "ag" CITEXT, "ah" VARCHAR(3)[] DEFAULT ARRAY['a', 'b']::VARCHAR(3)[],
            "ai" BIGSERIAL, "aj" INTERVAL DEFAULT interval '1 day', "ak" TIMESTAMP(3) DEFAULT now() + interval '1 hour',
            "al" numeric, "am" "char", "an" TEXT DEFAULT E'it\'s', "ao" DOUBLE PRECISION DEFAULT -0.5,
            "ap" TIMESTAMP(3) DEFAULT '2020-01-01 00:00:00'::timestamp without time zone,
            "aq" JSONB NOT NULL DEFAULT '{"stripe": null, "features": {"b": 1, "a": [1, 2]}}',
            "ar" TIMESTAMP(3) NOT NULL DEFAULT '1970-01-01 00:00:00 +00:00'
        );
        ALTER TABLE "AllTypes" ALTER COLUMN "g" SET DEFAULT 0, ALTER COLUMN "l" SET DEFAULT 'Y';"#;
    db.client.batch_execute(script).await.unwrap();
    let split = split_script(script);
    let effects = script_effects(&split, "public");
    let snap = load_snapshot(&db.client, &["public".into()]).await.unwrap();
    let mut bad = Vec::new();
    for e in effects
        .after(split.statements.len())
        .iter()
        .flat_map(StatementEffects::expectations)
    {
        let o = observe(e, &snap);
        if o != Observed::Present {
            bad.push(render(e, &o));
        }
    }
    db.finish().await;
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[tokio::test]
async fn constant_defaults_compare_as_values_of_the_column_type() {
    // json(b) constants are compared as JSON values: another value is another default.
    let db = TestDb::new("consts").await;
    db.client
        .batch_execute(r#"CREATE TABLE "C" ("j" JSONB DEFAULT '{"a": 1, "b": 2}', "t" TEXT DEFAULT '{"a": 1}')"#)
        .await
        .unwrap();
    let snap = load_snapshot(&db.client, &["public".into()]).await.unwrap();
    let check = |sql: &str| {
        let split = split_script(sql);
        let effects = script_effects(&split, "public");
        effects
            .after(split.statements.len())
            .iter()
            .flat_map(StatementEffects::expectations)
            .map(|e| observe(e, &snap))
            .collect::<Vec<_>>()
    };
    let same = check(r#"ALTER TABLE "C" ALTER COLUMN "j" SET DEFAULT '{"b":2,"a":1}'"#);
    assert_eq!(same, vec![Observed::Present]);
    let other = check(r#"ALTER TABLE "C" ALTER COLUMN "j" SET DEFAULT '{"a": 1, "b": 3}'"#);
    assert_eq!(other, vec![Observed::Absent]);
    // A text column's constant is compared as written.
    let text = check(r#"ALTER TABLE "C" ALTER COLUMN "t" SET DEFAULT '{"a":1}'"#);
    assert_eq!(text, vec![Observed::Absent]);
    db.finish().await;
}
