-- CreateSequence
CREATE SEQUENCE "invoice_number_seq" START 1000;

-- AlterTable
ALTER TABLE "Invoice" ADD COLUMN "number" INTEGER NOT NULL DEFAULT nextval('invoice_number_seq');

-- CreateView
CREATE VIEW "UnpaidInvoice" AS SELECT "id", "ref", "number" FROM "Invoice" WHERE NOT "paid";

-- CreateIndex
CREATE UNIQUE INDEX "Invoice_ref_key" ON "Invoice"("ref");
