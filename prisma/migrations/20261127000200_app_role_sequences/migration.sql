-- A conversion moves the record-number sequences past the legacy numbers it loads (setval), so
-- the application role needs UPDATE on them, not only USAGE.
DO $$
BEGIN
  GRANT UPDATE ON SEQUENCE customer_number_seq, premise_number_seq, account_number_seq, service_order_number_seq TO opencis_app;
EXCEPTION WHEN insufficient_privilege OR undefined_object THEN
  RAISE NOTICE 'opencis_app role not managed here: %', SQLERRM;
END
$$;
