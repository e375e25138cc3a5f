-- AlterTable
ALTER TABLE `Product` DROP COLUMN `legacy`,
    ADD COLUMN `price` DECIMAL(10, 2) NOT NULL DEFAULT 0.00;

-- RenameIndex
ALTER TABLE `Product` RENAME INDEX `Product_name_idx` TO `Product_name_lookup`;

-- AlterTable
ALTER TABLE `Product` MODIFY `sku` VARCHAR(12) NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX `Product_sku_key` ON `Product`(`sku`);
