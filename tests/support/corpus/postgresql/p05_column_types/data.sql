INSERT INTO "User" ("code") VALUES ('ok'), ('far-too-long-a-code');
INSERT INTO "Post" ("views") VALUES (1), (2);
