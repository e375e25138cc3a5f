INSERT INTO "User" ("email") VALUES ('same@example.com'), ('same@example.com');
INSERT INTO "Post" ("slug") VALUES ('a'), ('b');
