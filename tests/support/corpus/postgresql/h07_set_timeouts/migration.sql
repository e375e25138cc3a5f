SET lock_timeout = 0;
SET statement_timeout = 0;

-- AlterTable
ALTER TABLE "User" ADD COLUMN "nick" TEXT;

-- AlterTable
ALTER TABLE "User" ALTER COLUMN "bio" SET NOT NULL;
