INSERT INTO "Article" ("slug", "title") VALUES ('hello', 'Hello'), ('hello', 'Hello again');
