-- Printed notices go to the print vendor in batches (services/notice-print.ts). A letter the
-- register holds for print waits with no batch (batch_id NULL) until a close claims it; the batch
-- is recorded here, in the same transaction, with the hashes of its two files. Letters registered
-- before batches existed keep the day's name they were given and are not printed automatically:
-- their dates are past.

CREATE TABLE "print_batch" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "cutoff" TIMESTAMPTZ(3) NOT NULL,
    "notices" INTEGER NOT NULL,
    "pages" INTEGER NOT NULL,
    "pdf_sha256" TEXT NOT NULL,
    "csv_sha256" TEXT NOT NULL,
    -- Disconnection notices in the batch that were meant for an earlier one (their dates moved).
    "late" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- When the files took their final names in the vendor's folder (after the record committed).
    "files_placed_at" TIMESTAMPTZ(3),
    CONSTRAINT "print_batch_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "print_batch_kind_check" CHECK ("kind" IN ('NOTICES')),
    CONSTRAINT "print_batch_counts_check" CHECK ("notices" > 0 AND "pages" >= "notices" AND "late" BETWEEN 0 AND "notices"),
    CONSTRAINT "print_batch_sha256_check" CHECK ("pdf_sha256" ~ '^[0-9a-f]{64}$' AND "csv_sha256" ~ '^[0-9a-f]{64}$')
);
CREATE INDEX "print_batch_kind_cutoff_idx" ON "print_batch" ("kind", "cutoff");

-- Letters waiting for a batch, and the letters of one batch (bills are never among them, so the
-- bill run's register rows pay nothing for these).
CREATE INDEX "notice_print_waiting_idx" ON "notice" ("sent_at")
  WHERE "channel" = 'PRINT' AND "type" <> 'BILL' AND "batch_id" IS NULL;
CREATE INDEX "notice_print_batch_idx" ON "notice" ("batch_id")
  WHERE "channel" = 'PRINT' AND "type" <> 'BILL';
