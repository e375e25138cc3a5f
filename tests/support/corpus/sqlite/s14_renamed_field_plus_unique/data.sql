INSERT INTO "Customer" ("email", "name") VALUES ('same@example.com', 'Ada'), ('same@example.com', NULL);
