INSERT INTO "User" ("email", "role") VALUES ('same@example.com', 'USER'), ('same@example.com', 'ADMIN');
