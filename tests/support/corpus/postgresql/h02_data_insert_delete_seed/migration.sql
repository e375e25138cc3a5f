-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "Setting_pkey" PRIMARY KEY ("key")
);

-- Seed
INSERT INTO "Setting" ("key", "value") VALUES ('currency', 'EUR'), ('locale', 'fr');

-- Clean up
DELETE FROM "Session" WHERE "expired";

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
