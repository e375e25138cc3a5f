-- By scripts/oracle_corpus.py: Prisma's diff from the empty schema to from.prisma, then data.sql.
-- CreateTable
CREATE TABLE "User" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "email" TEXT NOT NULL,
    "age" TEXT
);

-- data.sql
INSERT INTO "User" ("email", "age") VALUES ('same@example.com', '7'), ('same@example.com', NULL);
