-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN     "num" SERIAL NOT NULL;
