-- Convert balances to cents
UPDATE "User" SET "balance" = "balance" * 100;

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
