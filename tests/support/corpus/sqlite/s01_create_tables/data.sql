INSERT INTO "User" ("email", "bio") VALUES ('ada@example.com', 'hi'), ('grace@example.com', NULL);
