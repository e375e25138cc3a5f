-- CreateTable
CREATE TABLE `Setting` (
    `key` VARCHAR(191) NOT NULL,
    `value` VARCHAR(191) NOT NULL,

    PRIMARY KEY (`key`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- Seed
INSERT INTO `Setting` (`key`, `value`) VALUES ('currency', 'EUR'), ('locale', 'fr');

-- Clean up
DELETE FROM `Post` WHERE `authorId` IS NULL OR `authorId` NOT IN (SELECT `id` FROM `User`);

-- CreateIndex
CREATE UNIQUE INDEX `User_email_key` ON `User`(`email`);
