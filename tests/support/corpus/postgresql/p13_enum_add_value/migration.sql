-- AlterEnum
ALTER TYPE "Role" ADD VALUE 'MODERATOR';

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
