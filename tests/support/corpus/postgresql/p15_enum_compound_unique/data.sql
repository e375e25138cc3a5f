INSERT INTO "Member" ("tenantId", "email") VALUES (1, 'ada@example.com'), (1, 'ada@example.com'), (2, 'ada@example.com');
