-- AlterTable
ALTER TABLE `User` ADD COLUMN `nick` VARCHAR(191) NULL,
    ADD COLUMN `score` INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE UNIQUE INDEX `User_email_key` ON `User`(`email`);
