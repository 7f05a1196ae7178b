CREATE TYPE "Mood" AS ENUM ('happy', 'sad');
CREATE TABLE legacy_orders (
    id integer NOT NULL,
    customer text,
    total numeric(10,2),
    CONSTRAINT legacy_orders_pkey PRIMARY KEY (id)
);
CREATE VIEW "OldReport" AS SELECT 1 AS one;
CREATE FUNCTION "old_fn"(a integer, b text) RETURNS integer LANGUAGE sql AS 'SELECT a';
CREATE SCHEMA "scratch";
CREATE EXTENSION IF NOT EXISTS "pg_trgm";
CREATE SEQUENCE "old_seq";
