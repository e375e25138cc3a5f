CREATE TABLE "Invoice" (
    "id" SERIAL NOT NULL,
    "ref" TEXT NOT NULL,
    "paid" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Invoice_pkey" PRIMARY KEY ("id")
);
INSERT INTO "Invoice" ("ref", "paid") VALUES ('A-1', true), ('A-1', false);
