-- AlterTable
ALTER TABLE `Post` MODIFY `views` INTEGER NOT NULL DEFAULT 10;

-- AlterTable
ALTER TABLE `User` ALTER COLUMN `balance` DROP DEFAULT;

-- AlterTable
ALTER TABLE `User` MODIFY `name` VARCHAR(191) NULL DEFAULT 'anonymous';
