INSERT INTO "User" ("email", "bio") VALUES ('same@example.com', 'hi'), ('same@example.com', NULL);
