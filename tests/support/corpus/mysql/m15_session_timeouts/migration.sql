SET SESSION lock_wait_timeout = 31536000;
SET SESSION max_statement_time = 0;

-- AlterTable
ALTER TABLE `User` ADD COLUMN `nick` VARCHAR(191) NULL;

-- AlterTable
ALTER TABLE `User` MODIFY `bio` VARCHAR(191) NOT NULL;
