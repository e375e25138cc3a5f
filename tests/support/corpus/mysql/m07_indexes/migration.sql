-- DropIndex
DROP INDEX `Post_title_idx` ON `Post`;

-- CreateIndex
CREATE INDEX `User_email_name_idx` ON `User`(`email`, `name`);

-- RenameIndex
ALTER TABLE `User` RENAME INDEX `User_name_idx` TO `User_name_lookup`;

-- CreateIndex
CREATE UNIQUE INDEX `User_name_email_key` ON `User`(`name`, `email`);
