INSERT INTO "User" ("email", "name") VALUES ('ada@example.com', 'Ada'), ('grace@example.com', NULL);
