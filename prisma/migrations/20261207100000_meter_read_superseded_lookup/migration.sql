-- A read that a correction replaced, or that validation turned away and no one accepted, is never
-- the start of a later period (services/read-history.ts lastGoodReads). Both lookups are of a few
-- rows among all reads: partial indexes keep them to those rows.
CREATE INDEX "meter_read_corrects_id_idx" ON "meter_read" ("corrects_id") WHERE "corrects_id" IS NOT NULL;
CREATE INDEX "read_exception_read_id_unaccepted_idx" ON "read_exception" ("read_id")
  WHERE "read_id" IS NOT NULL AND "status" <> 'ACCEPTED';
