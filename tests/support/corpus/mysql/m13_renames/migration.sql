-- Renamed by hand instead of Prisma's DROP/ADD
ALTER TABLE `User` RENAME COLUMN `bio` TO `about`;

-- RenameTable
ALTER TABLE `Post` RENAME TO `Article`;

-- CreateIndex
CREATE UNIQUE INDEX `User_email_key` ON `User`(`email`);
