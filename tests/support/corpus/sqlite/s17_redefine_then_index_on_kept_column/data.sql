INSERT INTO "Customer" ("email", "name", "age") VALUES ('same@example.com', 'Ada', '36'), ('same@example.com', NULL, NULL);
