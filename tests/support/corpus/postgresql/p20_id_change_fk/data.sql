INSERT INTO "Team" ("name") VALUES ('red');
INSERT INTO "Seat" ("teamId", "number") VALUES (1, 1), (1, 2), (9, 1);
