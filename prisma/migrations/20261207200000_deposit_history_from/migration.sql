-- A deposit converted from the legacy system: the day its account's payment history starts on
-- this ledger (the conversion). Timely months for its refund count from here.
ALTER TABLE "deposit" ADD COLUMN "history_from" DATE;
