-- By scripts/oracle_corpus.py: Prisma's diff from the empty schema to from.prisma, then data.sql.
-- CreateTable
CREATE TABLE "User" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "email" TEXT NOT NULL,
    "bio" TEXT
);

-- data.sql
INSERT INTO "User" ("email", "bio") VALUES ('ada@example.com', 'hi'), ('grace@example.com', NULL);
