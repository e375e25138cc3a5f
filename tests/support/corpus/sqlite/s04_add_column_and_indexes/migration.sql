-- AlterTable
ALTER TABLE "User" ADD COLUMN "nick" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "User_bio_idx" ON "User"("bio");
