/*
  Hand-edited migration: things Prisma never generates but people add.
*/
-- Rename a legacy table and its columns
ALTER TABLE legacy_orders RENAME TO "Order";
ALTER TABLE "Order" RENAME COLUMN customer TO "customerName";
ALTER TABLE "Order" RENAME CONSTRAINT legacy_orders_pkey TO "Order_pkey";
ALTER TABLE "Order" ALTER COLUMN total TYPE DOUBLE PRECISION USING total::double precision,
    ALTER COLUMN total SET DEFAULT 0,
    ADD COLUMN "createdAt" timestamp with time zone NOT NULL DEFAULT now(),
    ADD CONSTRAINT "Order_total_check" CHECK (total >= 0),
    ADD CONSTRAINT "Order_customer_key" UNIQUE ("customerName");

CREATE TABLE IF NOT EXISTS "LineItem" (
    id bigserial PRIMARY KEY,
    "orderId" integer NOT NULL REFERENCES "Order"(id) ON DELETE CASCADE,
    sku varchar(32) NOT NULL CHECK (sku <> ''),
    qty smallint NOT NULL DEFAULT 1,
    note character varying,
    mood "Mood",
    amount numeric(12, 2),
    flags bit(4)
);

-- Backfill (data: not comparable)
UPDATE "Order" SET "customerName" = 'unknown; really' WHERE "customerName" IS NULL;
INSERT INTO "LineItem" ("orderId", sku) SELECT id, 'legacy' FROM "Order";

CREATE INDEX CONCURRENTLY IF NOT EXISTS "LineItem_sku_idx" ON "LineItem" USING btree (lower(sku), qty DESC NULLS LAST);
DROP INDEX IF EXISTS "Nope_idx";

CREATE SEQUENCE IF NOT EXISTS "invoice_no_seq" START 1000;
ALTER SEQUENCE "invoice_no_seq" OWNED BY "Order".id;
DROP SEQUENCE "old_seq";

CREATE DOMAIN "Email" AS text CHECK (VALUE ~ '@');
ALTER TYPE "Mood" RENAME VALUE 'sad' TO 'blue';
ALTER TYPE "Mood" ADD VALUE IF NOT EXISTS 'meh' AFTER 'happy';

CREATE OR REPLACE VIEW "OrderTotals" AS
  SELECT o.id, sum(l.qty) AS items FROM "Order" o JOIN "LineItem" l ON l."orderId" = o.id GROUP BY o.id;
ALTER VIEW "OrderTotals" RENAME TO "OrderSummary";
CREATE MATERIALIZED VIEW IF NOT EXISTS "OrderStats" AS SELECT count(*) AS n FROM "Order";
DROP VIEW "OldReport";

CREATE OR REPLACE FUNCTION "touch_created_at"() RETURNS trigger AS $fn$
BEGIN
  NEW."createdAt" := now(); -- keep; semicolons inside
  RETURN NEW;
END;
$fn$ LANGUAGE plpgsql;
CREATE TRIGGER "Order_touch" BEFORE INSERT OR UPDATE OF total ON "Order"
  FOR EACH ROW EXECUTE FUNCTION "touch_created_at"();
DROP FUNCTION IF EXISTS "old_fn"(integer, text);

COMMENT ON TABLE "Order" IS 'Orders, renamed from legacy_orders';
COMMENT ON COLUMN "Order"."customerName" IS E'Customer\'s display name';

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reporting') THEN
    RAISE NOTICE 'no reporting role; skipping grants';
  END IF;
END
$$;

DROP SCHEMA "scratch";
DROP EXTENSION "pg_trgm";
SET search_path TO public
