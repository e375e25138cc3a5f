INSERT INTO "Category" ("name") VALUES ('tools');
INSERT INTO "Product" ("sku", "stock", "code") VALUES ('A-1', 10, '12'), ('B-2', 100000, 'x7');
