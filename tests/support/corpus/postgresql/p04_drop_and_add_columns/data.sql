INSERT INTO "User" ("email", "bio", "legacy") VALUES ('ada@example.com', 'hi', 1), ('grace@example.com', NULL, 2);
