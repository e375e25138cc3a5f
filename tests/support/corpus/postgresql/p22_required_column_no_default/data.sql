INSERT INTO "Customer" ("name") VALUES ('Ada');
INSERT INTO "Order" ("number", "total") VALUES ('A-1', 10), ('A-2', 20);
