-- AlterTable
ALTER TABLE "Team" RENAME CONSTRAINT "Team_pkey" TO "team_pk";

-- RenameForeignKey
ALTER TABLE "Member" RENAME CONSTRAINT "Member_teamId_fkey" TO "member_team_fk";

-- RenameIndex
ALTER INDEX "Team_slug_key" RENAME TO "team_slug_uq";
