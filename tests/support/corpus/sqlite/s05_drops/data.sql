INSERT INTO "User" ("email", "legacy") VALUES ('ada@example.com', 'x');
INSERT INTO "Tag" ("label") VALUES ('news');
