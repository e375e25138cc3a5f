/*
  Warnings:

  - You are about to alter the column `email` on the `User` table. The data in that column could be lost. The data in that column will be cast from `VarChar(191)` to `VarChar(20)`.

*/
-- AlterTable
ALTER TABLE `Post` MODIFY `views` BIGINT NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE `User` MODIFY `email` VARCHAR(20) NOT NULL;
