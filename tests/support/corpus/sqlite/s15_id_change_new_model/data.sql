INSERT INTO "Membership" ("userId", "groupId") VALUES (1, 1), (1, 1), (2, 1);
