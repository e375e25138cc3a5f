-- AlterTable
ALTER TABLE "User" ADD COLUMN "ageText" TEXT;

-- Keep the original text
UPDATE "User" SET "ageText" = "age";

-- AlterTable
ALTER TABLE "User" ALTER COLUMN "age" SET DATA TYPE INTEGER USING "age"::integer;
