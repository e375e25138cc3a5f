-- By scripts/oracle_corpus.py: Prisma's diff from the empty schema to from.prisma, then data.sql.
-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "firstName" TEXT NOT NULL,
    "lastName" TEXT NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Post" (
    "id" SERIAL NOT NULL,
    "title" TEXT NOT NULL,

    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "User_first_idx" ON "User"("firstName");

-- CreateIndex
CREATE INDEX "Post_title_idx" ON "Post"("title");

-- data.sql
INSERT INTO "User" ("email", "firstName", "lastName") VALUES ('a@x', 'Ada', 'Lovelace'), ('b@x', 'Ada', 'Lovelace');
INSERT INTO "Post" ("title") VALUES ('first');
