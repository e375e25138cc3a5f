CREATE TABLE `Product` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `sku` VARCHAR(191) NOT NULL,
    `name` VARCHAR(191) NOT NULL,
    `legacy` VARCHAR(191) NULL,

    INDEX `Product_name_idx`(`name`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

INSERT INTO `Product` (`sku`, `name`, `legacy`) VALUES ('A-1', 'short', 'x'), ('B-2-THIS-SKU-IS-FAR-TOO-LONG', 'long', NULL);
