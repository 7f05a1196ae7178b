-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "citext";

-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pgcrypto";

-- CreateTable
CREATE TABLE "Key" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email" CITEXT NOT NULL,
    "label" VARCHAR(64) NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT (now() AT TIME ZONE 'utc'::text),

    CONSTRAINT "Key_pkey" PRIMARY KEY ("id")
);
