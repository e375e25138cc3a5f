INSERT INTO "User" ("email", "name") VALUES ('ada@example.com', 'Ada'), ('ada@example.com', 'Ada again');
