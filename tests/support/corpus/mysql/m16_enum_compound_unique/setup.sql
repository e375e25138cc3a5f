CREATE TABLE `Member` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `tenantId` INTEGER NOT NULL,
    `email` VARCHAR(191) NOT NULL,

    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

INSERT INTO `Member` (`tenantId`, `email`) VALUES (1, 'ada@example.com'), (1, 'ada@example.com'), (2, 'ada@example.com');
