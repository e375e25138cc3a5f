INSERT INTO "User" ("email", "role") VALUES ('ada@example.com', 'ADMIN'), ('bob@example.com', 'USER');
INSERT INTO "Invite" ("email", "role", "roles") VALUES ('eve@example.com', 'GUEST', ARRAY['USER']::"Role"[]), ('joe@example.com', NULL, ARRAY['USER', 'ADMIN']::"Role"[]);
