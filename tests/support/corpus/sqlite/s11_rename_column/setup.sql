CREATE TABLE "User" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "email" TEXT NOT NULL,
    "bio" TEXT,
    "balance" INTEGER NOT NULL DEFAULT 0
);
INSERT INTO "User" ("email", "bio", "balance") VALUES ('same@example.com', 'hi', 10), ('same@example.com', NULL, 20);
