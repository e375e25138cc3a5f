-- By scripts/oracle_corpus.py: Prisma's diff from the empty schema to from.prisma, then data.sql.
-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN', 'GUEST');

-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'USER',

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Invite" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "role" "Role",
    "roles" "Role"[],

    CONSTRAINT "Invite_pkey" PRIMARY KEY ("id")
);

-- data.sql
INSERT INTO "User" ("email", "role") VALUES ('ada@example.com', 'ADMIN'), ('bob@example.com', 'USER');
INSERT INTO "Invite" ("email", "role", "roles") VALUES ('eve@example.com', 'GUEST', ARRAY['USER']::"Role"[]), ('joe@example.com', NULL, ARRAY['USER', 'ADMIN']::"Role"[]);
