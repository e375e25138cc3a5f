CREATE TABLE `User` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `email` VARCHAR(191) NOT NULL,
    `name` VARCHAR(191) NULL,
    `bio` VARCHAR(191) NULL,
    `balance` INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

INSERT INTO `User` (`email`, `name`, `bio`, `balance`) VALUES
    ('same@example.com', 'Ada', 'hi', 10),
    ('same@example.com', 'Ada', NULL, 20);

CREATE TABLE `Post` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `title` VARCHAR(191) NOT NULL,
    `views` INTEGER NOT NULL DEFAULT 0,
    `authorId` INTEGER NULL,

    INDEX `Post_title_idx`(`title`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

INSERT INTO `Post` (`title`, `authorId`) VALUES ('first', 1), ('orphan', 7);
UPDATE `User` SET `email` = 'a-much-longer-address@example.com' WHERE `id` = 2;
