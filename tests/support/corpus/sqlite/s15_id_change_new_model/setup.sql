-- By scripts/oracle_corpus.py: Prisma's diff from the empty schema to from.prisma, then data.sql.
-- CreateTable
CREATE TABLE "Membership" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId" INTEGER NOT NULL,
    "groupId" INTEGER NOT NULL
);

-- data.sql
INSERT INTO "Membership" ("userId", "groupId") VALUES (1, 1), (1, 1), (2, 1);
