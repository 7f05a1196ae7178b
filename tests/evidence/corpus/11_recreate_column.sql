-- AlterTable
ALTER TABLE "Tag" DROP COLUMN "alias",
ADD COLUMN     "alias" BOOLEAN NOT NULL;
