-- AlterTable
ALTER TABLE "User" ADD COLUMN "nick" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");
