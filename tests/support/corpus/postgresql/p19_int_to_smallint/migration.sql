-- AlterTable
ALTER TABLE "Category" ADD COLUMN     "position" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Product" ADD COLUMN     "note" TEXT,
ALTER COLUMN "sku" SET DATA TYPE VARCHAR(8),
ALTER COLUMN "stock" SET DATA TYPE SMALLINT,
DROP COLUMN "code",
ADD COLUMN     "code" INTEGER NOT NULL;

-- CreateIndex
CREATE INDEX "Category_position_idx" ON "Category"("position");
