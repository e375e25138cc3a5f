INSERT INTO "User" ("bio") VALUES ('hi'), (NULL);
INSERT INTO "Post" ("title") VALUES ('first');
