INSERT INTO "User" ("email") VALUES ('ada@example.com');
INSERT INTO "Post" ("title", "authorId") VALUES ('first', 1), ('orphaned', NULL);
