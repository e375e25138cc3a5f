CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");
