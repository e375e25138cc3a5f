-- AlterTable
ALTER TABLE "User" ALTER COLUMN "score" SET DEFAULT 10,
ALTER COLUMN "status" DROP DEFAULT;

-- AlterTable
ALTER TABLE "Post" ALTER COLUMN "published" SET DEFAULT false;
