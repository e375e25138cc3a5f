INSERT INTO "User" ("score") VALUES (1), (2);
