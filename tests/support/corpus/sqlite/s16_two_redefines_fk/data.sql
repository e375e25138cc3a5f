INSERT INTO "Author" ("name") VALUES ('Ada');
INSERT INTO "Book" ("title", "isbn", "authorId") VALUES ('One', '111', 1), ('Two', NULL, 1);
