-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Customer" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "email" TEXT NOT NULL,
    "full_name" TEXT NOT NULL DEFAULT '',
    "tier" INTEGER NOT NULL DEFAULT 0
);
INSERT INTO "new_Customer" ("email", "id") SELECT "email", "id" FROM "Customer";
DROP TABLE "Customer";
ALTER TABLE "new_Customer" RENAME TO "Customer";
CREATE UNIQUE INDEX "Customer_email_key" ON "Customer"("email");
CREATE INDEX "Customer_tier_idx" ON "Customer"("tier");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
