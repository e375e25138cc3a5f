-- Renamed by hand instead of Prisma's DROP/ADD
ALTER TABLE "User" RENAME COLUMN "bio" TO "about";

-- RenameIndex
ALTER INDEX "User_bio_idx" RENAME TO "User_about_idx";

-- RenameTable
ALTER TABLE "User" RENAME TO "Account";

-- CreateIndex
CREATE UNIQUE INDEX "Account_email_key" ON "Account"("email");
