-- AlterTable
ALTER TABLE "Seat" DROP CONSTRAINT "Seat_pkey",
DROP COLUMN "id",
ADD COLUMN     "label" TEXT NOT NULL DEFAULT '',
ADD CONSTRAINT "Seat_pkey" PRIMARY KEY ("teamId", "number");

-- CreateIndex
CREATE INDEX "Seat_label_idx" ON "Seat"("label");

-- AddForeignKey
ALTER TABLE "Seat" ADD CONSTRAINT "Seat_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
