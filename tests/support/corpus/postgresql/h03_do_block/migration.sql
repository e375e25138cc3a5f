-- CreateEnum, if missing
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'Mood') THEN
        CREATE TYPE "Mood" AS ENUM ('HAPPY', 'SAD');
    END IF;
END
$$;

-- AlterTable
ALTER TABLE "User" ADD COLUMN "mood" "Mood";

-- AlterTable
ALTER TABLE "User" ALTER COLUMN "bio" SET NOT NULL;
