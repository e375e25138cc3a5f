-- Renamed by hand
ALTER TABLE "User" RENAME COLUMN "bio" TO "about";

-- CreateIndex
CREATE INDEX "User_about_idx" ON "User"("about");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
