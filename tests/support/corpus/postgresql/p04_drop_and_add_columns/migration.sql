-- AlterTable
ALTER TABLE "User" DROP COLUMN "bio",
DROP COLUMN "legacy",
ADD COLUMN     "nick" TEXT;

-- CreateIndex
CREATE INDEX "User_email_idx" ON "User"("email");
