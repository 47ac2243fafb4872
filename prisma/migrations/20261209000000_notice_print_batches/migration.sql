-- Printed notices go to the print vendor in batches (services/notice-print.ts). A letter the
-- register holds for print waits with no batch until a batch closes and claims it; the batch is
-- recorded here with the hashes of its two files.

CREATE TABLE "print_batch" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "cutoff" TIMESTAMPTZ(3) NOT NULL,
    "notices" INTEGER NOT NULL,
    "pages" INTEGER NOT NULL,
    "pdf_sha256" TEXT NOT NULL,
    "csv_sha256" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "print_batch_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "print_batch_kind_check" CHECK ("kind" IN ('NOTICES')),
    CONSTRAINT "print_batch_counts_check" CHECK ("notices" > 0 AND "pages" >= "notices"),
    CONSTRAINT "print_batch_sha256_check" CHECK ("pdf_sha256" ~ '^[0-9a-f]{64}$' AND "csv_sha256" ~ '^[0-9a-f]{64}$')
);
CREATE INDEX "print_batch_cutoff_idx" ON "print_batch" ("kind", "cutoff");

-- Letters registered for print before batches existed were given a day's batch name and never
-- printed: they wait for the first batch now.
UPDATE "notice" SET "batch_id" = NULL
WHERE "channel" = 'PRINT' AND "type" <> 'BILL'
  AND ("batch_id" LIKE 'collections-%' OR "batch_id" LIKE 'lead-notice-%')
  AND NOT EXISTS (SELECT 1 FROM "print_batch" pb WHERE pb."id" = "notice"."batch_id");

-- Letters waiting for a batch, and the letters of one batch (bills are never among them, so the
-- bill run's register rows pay nothing for these).
CREATE INDEX "notice_print_waiting_idx" ON "notice" ("sent_at")
  WHERE "channel" = 'PRINT' AND "type" <> 'BILL' AND "batch_id" IS NULL;
CREATE INDEX "notice_print_batch_idx" ON "notice" ("batch_id")
  WHERE "channel" = 'PRINT' AND "type" <> 'BILL';
