INSERT INTO "User" ("email") VALUES ('same@example.com'), ('same@example.com');
