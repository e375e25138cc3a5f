INSERT INTO "User" ("email") VALUES ('ada@example.com');
INSERT INTO "Post" ("authorId") VALUES (1), (NULL);
