INSERT INTO "User" ("email", "firstName", "lastName") VALUES ('a@x', 'Ada', 'Lovelace'), ('b@x', 'Ada', 'Lovelace');
INSERT INTO "Post" ("title") VALUES ('first');
