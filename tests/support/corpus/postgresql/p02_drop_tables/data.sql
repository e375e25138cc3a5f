INSERT INTO "User" ("email") VALUES ('ada@example.com'), ('grace@example.com');
INSERT INTO "Post" ("title", "authorId") VALUES ('first', 1), ('second', 2);
INSERT INTO "Tag" ("label") VALUES ('news');
