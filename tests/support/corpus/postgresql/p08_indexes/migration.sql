-- DropIndex
DROP INDEX "Post_title_idx";

-- CreateIndex
CREATE INDEX "User_email_firstName_idx" ON "User"("email", "firstName");

-- CreateIndex
CREATE UNIQUE INDEX "User_firstName_lastName_key" ON "User"("firstName", "lastName");

-- RenameIndex
ALTER INDEX "User_first_idx" RENAME TO "User_first_lookup";
