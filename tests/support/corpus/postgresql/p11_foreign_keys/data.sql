INSERT INTO "User" ("email") VALUES ('ada@example.com');
INSERT INTO "Post" ("authorId") VALUES (1), (7), (NULL);
INSERT INTO "Comment" ("postId") VALUES (1);
