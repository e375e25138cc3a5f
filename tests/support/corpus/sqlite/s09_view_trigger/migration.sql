-- AlterTable
ALTER TABLE "User" ADD COLUMN "updatedAt" DATETIME;

-- CreateView
CREATE VIEW "RichUser" AS SELECT "id", "email" FROM "User" WHERE "balance" > 15;

-- CreateTrigger
CREATE TRIGGER "User_touch" AFTER UPDATE OF "balance" ON "User"
BEGIN
    UPDATE "User" SET "updatedAt" = CURRENT_TIMESTAMP WHERE "id" = NEW."id";
END;

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
