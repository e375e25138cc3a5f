-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL
);

-- Seed
INSERT INTO "Setting" ("key", "value") VALUES ('currency', 'EUR');

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
