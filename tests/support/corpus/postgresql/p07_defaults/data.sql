INSERT INTO "User" ("score") VALUES (1), (2);
INSERT INTO "Post" ("published") VALUES (true);
