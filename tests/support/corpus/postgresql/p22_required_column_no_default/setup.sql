-- By scripts/oracle_corpus.py: Prisma's diff from the empty schema to from.prisma, then data.sql.
-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Order" (
    "id" SERIAL NOT NULL,
    "number" TEXT NOT NULL,
    "total" INTEGER NOT NULL,

    CONSTRAINT "Order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Customer" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "Customer_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Order_number_idx" ON "Order"("number");

-- data.sql
INSERT INTO "Customer" ("name") VALUES ('Ada');
INSERT INTO "Order" ("number", "total") VALUES ('A-1', 10), ('A-2', 20);
