-- By scripts/oracle_corpus.py: Prisma's diff from the empty schema to from.prisma, then data.sql.
-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Team" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "Team_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Seat" (
    "id" SERIAL NOT NULL,
    "teamId" INTEGER NOT NULL,
    "number" INTEGER NOT NULL,

    CONSTRAINT "Seat_pkey" PRIMARY KEY ("id")
);

-- data.sql
INSERT INTO "Team" ("name") VALUES ('red');
INSERT INTO "Seat" ("teamId", "number") VALUES (1, 1), (1, 2), (9, 1);
