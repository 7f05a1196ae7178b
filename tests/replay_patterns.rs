//! The replay over the sequence patterns of real migrations, against a real PostgreSQL: for
//! each script, every prefix is applied for real, and the prefixes the catalog matches must be
//! exactly the ones the catalog cannot tell apart from the truth (never excluding the truth).
//! Needs `PMD_TEST_DATABASE_URL` (see tests/common).

mod common;

use common::TestDb;
use prisma_migrate_doctor::evidence::catalog::{
    load_scoped, names_named, observe, schemas_named, Observed,
};
use prisma_migrate_doctor::evidence::effects::{script_effects, StatementEffects};
use prisma_migrate_doctor::evidence::kind::traits_of;
use prisma_migrate_doctor::evidence::matching::scan;
use prisma_migrate_doctor::evidence::replay::Replay;
use prisma_migrate_doctor::evidence::split::split_script;
use prisma_migrate_doctor::execution::possible_prefixes;
use prisma_migrate_doctor::report::{Execution, Verdict};
use prisma_migrate_doctor::verdict::decide_verdict;

/// Applies `setup`, then the first `k` statements of `script`; returns the matching prefixes
/// (statement by statement) and the verdict's applied count.
async fn matching_after(
    tag: &str,
    setup: &str,
    script: &str,
    k: usize,
) -> (Vec<usize>, Verdict, Option<usize>) {
    matching_with(tag, setup, script, k, false).await
}

/// `history`: the setup is also the earlier migrations, whose facts give the state before.
async fn matching_with(
    tag: &str,
    setup: &str,
    script: &str,
    k: usize,
    history: bool,
) -> (Vec<usize>, Verdict, Option<usize>) {
    let db = TestDb::new(tag).await;
    db.client.batch_execute(setup).await.unwrap();
    let split = split_script(script);
    for stmt in &split.statements[..k] {
        db.client.batch_execute(&stmt.sql).await.unwrap();
    }
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
    let t: Vec<_> = split
        .statements
        .iter()
        .zip(&effects.statements)
        .map(|(s, e)| traits_of(s, e))
        .collect();
    let earlier_split = split_script(setup);
    let earlier = script_effects(&earlier_split, "public");
    let known: Vec<_> = earlier
        .after(earlier_split.statements.len())
        .iter()
        .flat_map(StatementEffects::expectations)
        .cloned()
        .collect();
    let replay = if history {
        Replay::new(&effects, &t)
            .with_history(&t, &known, |e| observe(e, &snapshot) == Observed::Present)
    } else {
        Replay::new(&effects, &t)
    };
    let n = split.statements.len();
    let m =
        scan(&replay, &t, &snapshot).select(possible_prefixes(Execution::StatementByStatement, n));
    let d = decide_verdict(&m, &t, n);
    db.finish().await;
    (m.matching, d.verdict, d.applied)
}

/// Every prefix k: `expected[k]` is the set the catalog must match after k statements ran.
async fn check(tag: &str, setup: &str, script: &str, expected: &[&[usize]]) {
    let n = split_script(script).statements.len();
    assert_eq!(expected.len(), n + 1, "{tag}: one expectation per prefix");
    for (k, want) in expected.iter().enumerate() {
        let (got, verdict, applied) = matching_after(tag, setup, script, k).await;
        assert_eq!(got, want.to_vec(), "{tag}: after {k} statement(s)");
        assert!(got.contains(&k), "{tag}: the truth {k} must match");
        if want.len() == 1 {
            assert_eq!(applied, Some(k), "{tag}: decided at {k} ({verdict:?})");
        }
    }
}

const USER: &str = r#"CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "email" TEXT NOT NULL);
CREATE TABLE "Post" ("id" SERIAL PRIMARY KEY, "authorId" INTEGER NOT NULL);
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
INSERT INTO "User" ("email") VALUES ('a@x'), ('b@x');"#;

#[tokio::test]
async fn foreign_key_dropped_and_re_added_with_cascade() {
    let script = r#"ALTER TABLE "Post" DROP CONSTRAINT "Post_authorId_fkey";
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;"#;
    // Before the script and after it both have a constraint of that name. The script alone does
    // not say the old one's shape, so a cascading one could be either end; a restricting one is
    // surely the state before. (The pipeline reads the old shape from the earlier migrations.)
    check("fk", USER, script, &[&[0], &[1], &[0, 2]]).await;
}

#[tokio::test]
async fn column_added_filled_then_made_required() {
    let script = r#"ALTER TABLE "User" ADD COLUMN "slug" TEXT;
UPDATE "User" SET "slug" = "email";
ALTER TABLE "User" ALTER COLUMN "slug" SET NOT NULL;
CREATE UNIQUE INDEX "User_slug_key" ON "User"("slug");"#;
    check("slug", USER, script, &[&[0], &[1, 2], &[1, 2], &[3], &[4]]).await;
    // The UPDATE between the two matches is a data change: never decided.
    let (_, verdict, applied) = matching_after("slug_v", USER, script, 1).await;
    assert_eq!((verdict, applied), (Verdict::Unknown, None));
}

#[tokio::test]
async fn prisma_enum_swap() {
    let setup = r#"CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN', 'GUEST');
CREATE TABLE "Member" ("id" SERIAL PRIMARY KEY, "role" "Role" NOT NULL DEFAULT 'USER');"#;
    let script = r#"BEGIN;
CREATE TYPE "Role_new" AS ENUM ('USER', 'ADMIN');
ALTER TABLE "Member" ALTER COLUMN "role" DROP DEFAULT;
ALTER TABLE "Member" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");
ALTER TYPE "Role" RENAME TO "Role_old";
ALTER TYPE "Role_new" RENAME TO "Role";
DROP TYPE "Role_old";
ALTER TABLE "Member" ALTER COLUMN "role" SET DEFAULT 'USER';
COMMIT;"#;
    let n = split_script(script).statements.len();
    // Every real prefix is matched. The old type's labels are not in the script, so "none" and
    // "all" look alike to it: then nothing is decided (never a wrong verdict).
    for k in 0..=n {
        let (got, verdict, _) = matching_after("enum", setup, script, k).await;
        assert!(got.contains(&k), "after {k}: {got:?}");
        if got.contains(&0) && got.contains(&n) {
            assert_eq!(verdict, Verdict::Unknown, "after {k}: {got:?}");
        }
        if k <= 1 {
            // The new type has exactly two values, the old one three: nothing ran is decided.
            assert_eq!(got, vec![0, 1], "after {k}");
            assert_eq!(verdict, Verdict::NotApplied, "after {k}");
        }
    }
}

#[tokio::test]
async fn table_swap_through_a_temporary_name() {
    let script = r#"CREATE TABLE "User_new" ("id" SERIAL PRIMARY KEY, "email" TEXT NOT NULL, "name" TEXT);
INSERT INTO "User_new" ("id", "email") SELECT "id", "email" FROM "User";
ALTER TABLE "Post" DROP CONSTRAINT "Post_authorId_fkey";
DROP TABLE "User";
ALTER TABLE "User_new" RENAME TO "User";
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;"#;
    let n = split_script(script).statements.len();
    for k in 0..=n {
        let (got, verdict, _) = matching_after("swap", USER, script, k).await;
        assert!(got.contains(&k), "after {k}: {got:?}");
        if got.contains(&0) && got.contains(&n) {
            // The old table's shape is not in the script: undecided, never guessed.
            assert_eq!(verdict, Verdict::Unknown, "after {k}: {got:?}");
        }
    }
}

#[tokio::test]
async fn guarded_statements_and_session_settings() {
    let script = r#"SET lock_timeout = '5s';
CREATE INDEX IF NOT EXISTS "User_email_idx" ON "User"("email");
SET LOCAL statement_timeout = 0;
ALTER TABLE "User" ADD COLUMN "name" TEXT;"#;
    // The SET, the guarded index (which the prefix does not decide before it exists) and the
    // LOCK leave nothing to tell apart, and are harmless to run again or skip.
    check(
        "guarded",
        USER,
        script,
        &[&[0, 1], &[0, 1], &[0, 1, 2, 3], &[0, 1, 2, 3], &[4]],
    )
    .await;
    let (_, verdict, applied) = matching_after("guarded_v", USER, script, 1).await;
    assert_eq!((verdict, applied), (Verdict::NotApplied, Some(0)));
    // Once the index exists, the catalog cannot say whether it was there before the script: the
    // guarded statement may or may not have run, so "nothing ran" is not decided (the truth,
    // 3, is among the matches; the ALTER, #3, surely did not run).
    let (got, verdict, applied) = matching_after("guarded_v2", USER, script, 3).await;
    assert_eq!(got, vec![0, 1, 2, 3]);
    assert_eq!((verdict, applied), (Verdict::Unknown, None));
    // When the earlier migrations made that index, the guarded statement did nothing where it
    // stands: the prefixes around it are interchangeable and "nothing ran" is decided.
    let with_index = format!("{USER}\nCREATE INDEX \"User_email_idx\" ON \"User\"(\"email\");");
    let (got, verdict, applied) = matching_with("guarded_h", &with_index, script, 0, true).await;
    assert_eq!(got, vec![0, 1, 2, 3]);
    assert_eq!((verdict, applied), (Verdict::NotApplied, Some(0)));
    // A prefix after the first statement, every match partial: decided as partially applied
    // without a single k (the guarded #2 may or may not have run; #3 did not).
    let script = r#"ALTER TABLE "User" ADD COLUMN "nick" TEXT;
CREATE INDEX IF NOT EXISTS "User_email_idx" ON "User"("email");
ALTER TABLE "User" ADD COLUMN "name" TEXT;"#;
    let (got, verdict, applied) = matching_after("guarded_p", USER, script, 2).await;
    assert_eq!(got, vec![1, 2]);
    assert_eq!((verdict, applied), (Verdict::PartiallyApplied, None));
}

#[tokio::test]
async fn view_dropped_and_re_created() {
    let script = r#"DROP VIEW IF EXISTS "UserEmails";
CREATE VIEW "UserEmails" AS SELECT "id", "email" FROM "User";
ALTER TABLE "User" ADD COLUMN "age" INTEGER;"#;
    let setup = format!("{USER}\nCREATE VIEW \"UserEmails\" AS SELECT \"email\" FROM \"User\";");
    for k in 0..=3 {
        let (got, _, _) = matching_after("view", &setup, script, k).await;
        assert!(got.contains(&k), "after {k}: {got:?}");
    }
    // The last statement decides between the two ends.
    let (got, verdict, _) = matching_after("view_end", &setup, script, 3).await;
    assert_eq!(got, vec![3]);
    assert_eq!(verdict, Verdict::FullyApplied);
}

#[tokio::test]
async fn object_created_and_dropped_within_the_script() {
    let script = r#"CREATE TABLE "Tmp" ("id" INTEGER);
INSERT INTO "Tmp" SELECT "id" FROM "User";
DROP TABLE "Tmp";
ALTER TABLE "User" ADD COLUMN "flag" BOOLEAN NOT NULL DEFAULT false;"#;
    check(
        "tmp",
        USER,
        script,
        &[&[0, 3], &[1, 2], &[1, 2], &[0, 3], &[4]],
    )
    .await;
}

#[tokio::test]
async fn earlier_migrations_give_the_old_shapes() {
    // The foreign key re-added with CASCADE: the earlier migration made it RESTRICT.
    let fk = r#"ALTER TABLE "Post" DROP CONSTRAINT "Post_authorId_fkey";
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;"#;
    for k in 0..=2 {
        let (got, _, applied) = matching_with("h_fk", USER, fk, k, true).await;
        assert_eq!(got, vec![k], "fk after {k}");
        assert_eq!(applied, Some(k));
    }
    // Prisma's enum swap that ran to the end: the old type had a third value.
    let setup = r#"CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN', 'GUEST');
CREATE TABLE "Member" ("id" SERIAL PRIMARY KEY, "role" "Role" NOT NULL DEFAULT 'USER');"#;
    let swap = r#"CREATE TYPE "Role_new" AS ENUM ('USER', 'ADMIN');
ALTER TABLE "Member" ALTER COLUMN "role" DROP DEFAULT;
ALTER TABLE "Member" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");
ALTER TYPE "Role" RENAME TO "Role_old";
ALTER TYPE "Role_new" RENAME TO "Role";
DROP TYPE "Role_old";
ALTER TABLE "Member" ALTER COLUMN "role" SET DEFAULT 'USER';"#;
    let n = split_script(swap).statements.len();
    let (got, verdict, _) = matching_with("h_enum", setup, swap, n, true).await;
    assert_eq!(got, vec![n]);
    assert_eq!(verdict, Verdict::FullyApplied);
    let (got, verdict, _) = matching_with("h_enum0", setup, swap, 0, true).await;
    assert_eq!(got, vec![0]);
    assert_eq!(verdict, Verdict::NotApplied);
    // The table swapped through a temporary name, the new one with an extra column: the old
    // table's exact column list (from the earlier migrations) tells "none" from "all".
    let table = r#"CREATE TABLE "User_new" ("id" SERIAL PRIMARY KEY, "email" TEXT NOT NULL, "name" TEXT);
ALTER TABLE "Post" DROP CONSTRAINT "Post_authorId_fkey";
DROP TABLE "User";
ALTER TABLE "User_new" RENAME TO "User";
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;"#;
    let n = split_script(table).statements.len();
    for k in 0..=n {
        let (got, verdict, _) = matching_with("h_table", USER, table, k, true).await;
        assert!(got.contains(&k), "table after {k}: {got:?}");
        assert!(
            !(got.contains(&0) && got.contains(&n)),
            "table after {k}: {got:?}"
        );
        if k == 0 || k == n {
            assert_eq!(got, vec![k], "table after {k}: {verdict:?}");
        }
    }
}

#[tokio::test]
async fn primary_key_dropped_and_re_added_in_one_statement() {
    let setup = r#"CREATE TABLE "Profile" ("id" INTEGER NOT NULL, CONSTRAINT "Profile_pkey" PRIMARY KEY ("id"));"#;
    let script = r#"ALTER TABLE "Profile" DROP CONSTRAINT "Profile_pkey",
ALTER COLUMN "id" SET DATA TYPE TEXT,
ADD CONSTRAINT "Profile_pkey" PRIMARY KEY ("id");
CREATE TABLE "Team" ("id" TEXT NOT NULL, CONSTRAINT "Team_pkey" PRIMARY KEY ("id"));"#;
    // The key's index is dropped with the constraint in the same statement, so its re-creation
    // says nothing about before. The column's old type is not in the script: after the first
    // statement, "none" also fits (the pipeline reads the old type from earlier migrations).
    check("pk", setup, script, &[&[0], &[0, 1], &[2]]).await;
}

#[tokio::test]
async fn data_only_script_with_a_temporary_table() {
    let script = r#"WITH "u" AS (UPDATE "User" SET "email" = "email" RETURNING "id") SELECT "id" INTO TEMP TABLE "tmp_ids" FROM "u";
INSERT INTO "Post" ("authorId") SELECT "id" FROM "tmp_ids";
DROP TABLE "tmp_ids";"#;
    // The temporary table vanished with the session: nothing tells the prefixes apart, and
    // nothing is decided (a mark-applied could skip the INSERT).
    let (_, verdict, applied) = matching_after("tmp", USER, script, 0).await;
    assert_eq!((verdict, applied), (Verdict::Unknown, None));
}

#[tokio::test]
async fn index_created_on_a_column_renamed_earlier_in_the_script() {
    // Prisma's output for a renamed field: the index on the new name is made without IF NOT
    // EXISTS, so it was not there before the script, whatever the rename before it did.
    let script = r#"ALTER TABLE "User" RENAME COLUMN "email" TO "mail";
CREATE INDEX "User_mail_idx" ON "User"("mail");"#;
    check("renamed_idx", USER, script, &[&[0], &[1], &[2]]).await;
}

#[tokio::test]
async fn serial_key_made_text_and_its_sequence_dropped() {
    // Prisma's output when an autoincrement id becomes a cuid: the default goes, then the
    // sequence the SERIAL made.
    let setup = r#"CREATE TABLE "Webhook" ("id" SERIAL NOT NULL, "url" TEXT NOT NULL, CONSTRAINT "Webhook_pkey" PRIMARY KEY ("id"));"#;
    let script = r#"ALTER TABLE "Webhook" DROP CONSTRAINT "Webhook_pkey",
ALTER COLUMN "id" DROP DEFAULT,
ALTER COLUMN "id" SET DATA TYPE TEXT,
ADD CONSTRAINT "Webhook_pkey" PRIMARY KEY ("id");
DROP SEQUENCE "Webhook_id_seq";"#;
    // The earlier migration says the old column was an integer with a sequence default.
    for k in 0..=2 {
        let (got, _, applied) = matching_with("seq_drop", setup, script, k, true).await;
        assert_eq!(got, vec![k], "after {k}");
        assert_eq!(applied, Some(k));
    }
}

#[tokio::test]
async fn serial_column_added_then_made_text_and_its_sequence_dropped() {
    // The sequence the SERIAL makes is dropped at the end: it was not there before the script.
    let script = r#"ALTER TABLE "User" ADD COLUMN "userId" SERIAL NOT NULL;
CREATE UNIQUE INDEX "User_email_userId_key" ON "User"("email", "userId");
ALTER TABLE "User" ALTER COLUMN "userId" DROP DEFAULT,
ALTER COLUMN "userId" SET DATA TYPE TEXT;
DROP SEQUENCE "User_userId_seq";"#;
    // Before the fix "nothing ran" matched no prefix (conflicting). The DROP SEQUENCE says the
    // sequence was there right before it, so back to the SERIAL that made it.
    check("serial_seq", USER, script, &[&[0], &[1], &[2], &[3], &[4]]).await;
}

#[tokio::test]
async fn table_swap_with_its_constraint_and_sequence_renamed() {
    // The old table's SERIAL sequence goes with DROP TABLE; the new one takes its name.
    let setup = r#"CREATE TABLE "Tag" ("id" SERIAL NOT NULL, "label" TEXT NOT NULL, CONSTRAINT "Tag_pkey" PRIMARY KEY ("id"));"#;
    let script = r#"CREATE TABLE "Tag_new" ("id" SERIAL NOT NULL, "label" VARCHAR(80) NOT NULL, "color" TEXT, CONSTRAINT "Tag_new_pkey" PRIMARY KEY ("id"));
INSERT INTO "Tag_new" ("id", "label") SELECT "id", "label" FROM "Tag";
DROP TABLE "Tag";
ALTER TABLE "Tag_new" RENAME TO "Tag";
ALTER TABLE "Tag" RENAME CONSTRAINT "Tag_new_pkey" TO "Tag_pkey";
ALTER SEQUENCE "Tag_new_id_seq" RENAME TO "Tag_id_seq";"#;
    let n = split_script(script).statements.len();
    for k in 0..=n {
        let (got, _, _) = matching_with("swap_seq", setup, script, k, true).await;
        // Before: "nothing ran" matched no prefix ("Tag_id_seq" taken as absent before).
        assert!(got.contains(&k), "after {k}: {got:?}");
    }
}

#[tokio::test]
async fn table_renamed_then_its_constraints_and_indexes() {
    // Prisma's output for a model renamed with its @@map: the names implied absent before the
    // renames of the constraints are held under the table's old name before the table rename.
    let script = r#"ALTER TABLE "Post" RENAME TO "Article";
ALTER INDEX "Post_pkey" RENAME TO "Article_pkey";
ALTER TABLE "Article" RENAME CONSTRAINT "Post_authorId_fkey" TO "Article_authorId_fkey";"#;
    check("rename_all", USER, script, &[&[0], &[1], &[2], &[3]]).await;
}

#[tokio::test]
async fn earlier_migrations_wrong_about_one_object_still_sharpen_the_others() {
    // The earlier migrations say "currency" has a default, but a DO block (not followed by the
    // model) dropped it: that fact is contradicted whatever prefix ran, so it is left out, and
    // what they say about "owner" still decides the prefix.
    let setup = r#"CREATE TABLE "Account" ("id" SERIAL PRIMARY KEY, "currency" TEXT NOT NULL DEFAULT 'USD', "owner" TEXT NOT NULL);
DO $$ BEGIN ALTER TABLE "Account" ALTER COLUMN "currency" DROP DEFAULT; END $$;"#;
    let script = r#"ALTER TABLE "Account" ALTER COLUMN "owner" DROP NOT NULL;
ALTER TABLE "Account" ALTER COLUMN "currency" DROP NOT NULL;"#;
    for k in 0..=2 {
        let (got, _, applied) = matching_with("h_wrong", setup, script, k, true).await;
        assert_eq!(got, vec![k], "after {k}");
        assert_eq!(applied, Some(k));
    }
}

#[tokio::test]
async fn unnamed_foreign_keys_on_tables_with_an_unnamed_primary_key() {
    // Prisma 2's output: `PRIMARY KEY ("id")` and `ADD FOREIGN KEY` without names. Each unnamed
    // foreign key was not there before the script.
    let script = r#"CREATE TABLE "Access" ("id" TEXT NOT NULL, "userId" INTEGER NOT NULL, PRIMARY KEY ("id"));
CREATE TABLE "Order" ("id" TEXT NOT NULL, "userId" INTEGER NOT NULL, PRIMARY KEY ("id"));
ALTER TABLE "Access" ADD FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Order" ADD FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;"#;
    check("unnamed_fk", USER, script, &[&[0], &[1], &[2], &[3], &[4]]).await;
}

#[tokio::test]
async fn constraint_added_not_valid_then_validated() {
    // The usual way to add a check or a foreign key to a big table without a long lock.
    let script = r#"ALTER TABLE "User" ADD CONSTRAINT "User_email_len" CHECK (length("email") > 0) NOT VALID;
ALTER TABLE "User" VALIDATE CONSTRAINT "User_email_len";
ALTER TABLE "User" ADD COLUMN "bio" TEXT;"#;
    check("validate", USER, script, &[&[0], &[1], &[2], &[3]]).await;
    // Validated in a later migration: the earlier one says it was NOT VALID before.
    let setup = format!(
        "{USER}\nALTER TABLE \"User\" ADD CONSTRAINT \"User_email_len\" CHECK (length(\"email\") > 0) NOT VALID;"
    );
    let later = r#"ALTER TABLE "User" VALIDATE CONSTRAINT "User_email_len";"#;
    for k in 0..=1 {
        let (got, _, applied) = matching_with("validate_h", &setup, later, k, true).await;
        assert_eq!(got, vec![k], "after {k}");
        assert_eq!(applied, Some(k));
    }
}

#[tokio::test]
async fn add_column_if_not_exists_over_a_column_of_another_shape() {
    // The column is already there (another type, no default): IF NOT EXISTS leaves it as it is.
    // Before, the script's shape was expected after it, and "everything ran" matched nothing.
    let setup = format!("{USER}\nALTER TABLE \"User\" ADD COLUMN \"updatedAt\" TIMESTAMP(3);");
    let script = r#"ALTER TABLE "User" ADD COLUMN IF NOT EXISTS "updatedAt" TIMESTAMP DEFAULT now();
ALTER TABLE "User" ADD COLUMN "bio" TEXT;"#;
    check("inx_col", &setup, script, &[&[0, 1], &[0, 1], &[2]]).await;
}

#[tokio::test]
async fn table_created_if_not_exists_then_altered() {
    // The guarded CREATE TABLE does not list what it makes for sure, so a later ALTER of one of
    // its columns says nothing about the state before the CREATE (nothing ran: no table).
    let script = r#"CREATE TABLE IF NOT EXISTS "Covered" ("id" INTEGER NOT NULL, "version_id" INTEGER);
ALTER TABLE "Covered" ALTER COLUMN "version_id" SET NOT NULL;
ALTER TABLE "User" ADD COLUMN "bio" TEXT;"#;
    for k in 0..=3 {
        let (got, _, _) = matching_after("inx_table", USER, script, k).await;
        assert!(got.contains(&k), "after {k}: {got:?}");
    }
}

#[tokio::test]
async fn view_and_function_re_defined_in_place() {
    // The earlier migrations made the view with two columns and the function with another
    // body: the re-definitions are told apart from them at every prefix.
    let setup = format!(
        "{USER}\nCREATE VIEW \"UserEmails\" AS SELECT \"id\", \"email\" FROM \"User\";
CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;"
    );
    let script = r#"CREATE OR REPLACE VIEW "UserEmails" AS SELECT "id", "email", lower("email") AS "key" FROM "User";
UPDATE "User" SET "email" = lower("email");
CREATE OR REPLACE FUNCTION touch() RETURNS trigger AS $$ BEGIN NEW."email" = lower(NEW."email"); RETURN NEW; END $$ LANGUAGE plpgsql;"#;
    let expected: &[&[usize]] = &[&[0], &[1, 2], &[1, 2], &[3]];
    for (k, want) in expected.iter().enumerate() {
        let (got, verdict, applied) = matching_with("h_replace", &setup, script, k, true).await;
        assert_eq!(got, want.to_vec(), "after {k}");
        if want.len() == 1 {
            assert_eq!(applied, Some(k), "after {k}: {verdict:?}");
        }
    }
    // Without the earlier migrations, the state before the script is not known: the view and
    // the function may have been like this already.
    let (got, _, _) = matching_with("h_replace_no", &setup, script, 3, false).await;
    assert_eq!(got, vec![0, 1, 2, 3]);
}

#[tokio::test]
async fn table_dropped_and_re_created_with_other_columns() {
    // documenso's password_reset_token: the table re-created with another column list.
    let setup = format!(
        "{USER}\nCREATE TABLE \"Token\" (\"id\" SERIAL NOT NULL, \"token\" TEXT NOT NULL, \"userId\" INTEGER NOT NULL, CONSTRAINT \"Token_pkey\" PRIMARY KEY (\"id\"));"
    );
    let script = r#"DROP TABLE IF EXISTS "Token" CASCADE;
CREATE TABLE "Token" ("id" SERIAL NOT NULL, "token" TEXT NOT NULL, "expiry" TIMESTAMP(3) NOT NULL, "userId" INTEGER NOT NULL, CONSTRAINT "Token_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "Token_token_key" ON "Token"("token");
ALTER TABLE "Token" ADD CONSTRAINT "Token_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;"#;
    for k in 0..=4 {
        let (got, _, applied) = matching_with("h_recreate", &setup, script, k, true).await;
        assert_eq!(got, vec![k], "after {k}");
        assert_eq!(applied, Some(k), "after {k}");
    }
}

#[tokio::test]
async fn do_block_that_creates_unless_the_type_exists() {
    let script = r#"DO $$ BEGIN CREATE TYPE "Kind" AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN null; END $$;
UPDATE "User" SET "email" = lower("email");
ALTER TABLE "User" ADD COLUMN "kind" "Kind";"#;
    // The type may have been there before the block (that is what the block is for): its
    // existence alone does not say the block ran.
    check(
        "do_guard",
        USER,
        script,
        &[&[0], &[0, 1, 2], &[0, 1, 2], &[3]],
    )
    .await;
}

#[tokio::test]
async fn primary_key_moved_to_an_index_built_beforehand() {
    // langfuse's dataset_items_switch_pk: the new key's index is built first, then the key is
    // swapped onto it (the index takes the constraint's name).
    let setup = r#"CREATE TABLE "Item" ("id" TEXT NOT NULL, "projectId" TEXT NOT NULL, CONSTRAINT "Item_pkey" PRIMARY KEY ("id"));"#;
    let script = r#"CREATE UNIQUE INDEX "Item_id_projectId_key" ON "Item"("id", "projectId");
ALTER TABLE "Item" DROP CONSTRAINT "Item_pkey", ADD CONSTRAINT "Item_pkey" PRIMARY KEY USING INDEX "Item_id_projectId_key";
CREATE INDEX "Item_projectId_idx" ON "Item"("projectId");"#;
    // Without the earlier migrations the old key's columns are not known: before the script
    // and after the swap look alike.
    check(
        "pk_using_index",
        setup,
        script,
        &[&[0], &[1], &[0, 2], &[3]],
    )
    .await;
    for k in 0..=3 {
        let (got, _, applied) = matching_with("pk_using_index_h", setup, script, k, true).await;
        assert_eq!(got, vec![k], "with history, after {k}");
        assert_eq!(applied, Some(k), "with history, after {k}");
    }
}

#[tokio::test]
async fn default_set_again_by_a_later_migration() {
    // formbricks' set_response_updated_at_default: an earlier migration already set the same
    // default, so the script changes nothing. Running it again or skipping it is harmless: the
    // answer is decided, not unknown.
    let setup = r#"CREATE TABLE "Response" ("id" TEXT NOT NULL, "updated_at" TIMESTAMP(3) NOT NULL);
ALTER TABLE "Response" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;"#;
    let script =
        r#"ALTER TABLE "Response" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;"#;
    for k in 0..=1 {
        let (got, verdict, _) = matching_with("default_again", setup, script, k, true).await;
        assert_eq!(got, vec![0, 1], "after {k}");
        assert_eq!(verdict, Verdict::FullyApplied, "after {k}");
    }
    // With a data change after it, the same ambiguity is not harmless any more.
    let script = r#"ALTER TABLE "Response" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;
UPDATE "Response" SET "updated_at" = now();"#;
    let (got, verdict, _) = matching_with("default_again_data", setup, script, 2, true).await;
    assert_eq!(got, vec![0, 1, 2]);
    assert_eq!(verdict, Verdict::Unknown);
}
