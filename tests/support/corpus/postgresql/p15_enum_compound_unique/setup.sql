-- By scripts/oracle_corpus.py: Prisma's diff from the empty schema to from.prisma, then data.sql.
-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Member" (
    "id" SERIAL NOT NULL,
    "tenantId" INTEGER NOT NULL,
    "email" TEXT NOT NULL,

    CONSTRAINT "Member_pkey" PRIMARY KEY ("id")
);

-- data.sql
INSERT INTO "Member" ("tenantId", "email") VALUES (1, 'ada@example.com'), (1, 'ada@example.com'), (2, 'ada@example.com');
