INSERT INTO "User" ("role") VALUES ('USER'), ('MODERATOR');
