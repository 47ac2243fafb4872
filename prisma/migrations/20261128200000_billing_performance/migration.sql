-- Rating looks up, for each batch of meters, the periods other cycle runs billed on an estimate
-- (services/read-history.ts billedEstimates): by meter, among the few estimated results. Without
-- this index each batch scans every month's results. Partial, so the schema cannot state it (as
-- with bill_one_regular_per_run); it is kept here.
CREATE INDEX "cycle_meter_result_estimated_meter_id_idx" ON "cycle_meter_result" ("meter_id")
  WHERE status = 'ESTIMATED';
