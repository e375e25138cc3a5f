-- CreateIndex
CREATE INDEX CONCURRENTLY "User_bio_idx" ON "User"("bio");

-- CreateIndex
CREATE UNIQUE INDEX CONCURRENTLY "User_email_key" ON "User"("email");
