INSERT INTO "User" ("email", "age") VALUES ('same@example.com', '7'), ('same@example.com', NULL);
