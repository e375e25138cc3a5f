-- By scripts/oracle_corpus.py: Prisma's diff from the empty schema to from.prisma, then data.sql.
-- CreateTable
CREATE TABLE "User" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "email" TEXT NOT NULL,
    "legacy" TEXT
);

-- CreateTable
CREATE TABLE "Tag" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "label" TEXT NOT NULL
);

-- CreateIndex
CREATE INDEX "User_email_idx" ON "User"("email");

-- data.sql
INSERT INTO "User" ("email", "legacy") VALUES ('ada@example.com', 'x');
INSERT INTO "Tag" ("label") VALUES ('news');
