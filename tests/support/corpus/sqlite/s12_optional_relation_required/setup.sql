-- By scripts/oracle_corpus.py: Prisma's diff from the empty schema to from.prisma, then data.sql.
-- CreateTable
CREATE TABLE "User" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "email" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "Post" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "title" TEXT NOT NULL,
    "authorId" INTEGER,
    CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- data.sql
INSERT INTO "User" ("email") VALUES ('ada@example.com');
INSERT INTO "Post" ("title", "authorId") VALUES ('first', 1), ('orphaned', NULL);
