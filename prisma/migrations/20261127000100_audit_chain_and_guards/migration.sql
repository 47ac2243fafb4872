-- Hand-written: what Prisma's schema language cannot say.

-- 1. Data checks the database enforces whatever writes to it.
ALTER TABLE "customer" ADD CONSTRAINT customer_email_format CHECK (email IS NULL OR email ~* '^[^@\s]+@[^@\s]+\.[^@\s]+$');
ALTER TABLE "premise" ADD CONSTRAINT premise_zip_format CHECK (zip ~ '^[0-9]{5}(-[0-9]{4})?$');
ALTER TABLE "premise" ADD CONSTRAINT premise_state_format CHECK (state ~ '^[A-Z]{2}$');
ALTER TABLE "account" ADD CONSTRAINT account_bill_cycle_range CHECK (bill_cycle BETWEEN 1 AND 31);
ALTER TABLE "account" ADD CONSTRAINT account_deposit_nonnegative CHECK (deposit_held_cents >= 0);
ALTER TABLE "account" ADD CONSTRAINT account_dates_ordered CHECK (end_date IS NULL OR end_date >= start_date);
ALTER TABLE "meter" ADD CONSTRAINT meter_dials_range CHECK (dials BETWEEN 1 AND 12);
ALTER TABLE "meter" ADD CONSTRAINT meter_multiplier_positive CHECK (multiplier > 0);
ALTER TABLE "meter" ADD CONSTRAINT meter_water_has_size CHECK (service <> 'WATER' OR size IS NOT NULL);
ALTER TABLE "api_key" ADD CONSTRAINT api_key_field_has_crew CHECK (role <> 'field' OR crew_id IS NOT NULL);

-- Numbers for records created in OpenCIS (converted records keep their legacy numbers).
CREATE SEQUENCE customer_number_seq START 500001;
CREATE SEQUENCE premise_number_seq START 500001;
CREATE SEQUENCE account_number_seq START 500001;
CREATE SEQUENCE service_order_number_seq START 1;

-- 2. The audit trail: append-only and hash-chained.
-- The row digest covers every column but the hash itself, in a fixed order, as a JSON array (so no
-- field boundary is ambiguous). jsonb renders its keys in a canonical order, so before/after hash
-- the same however the application built them.
CREATE FUNCTION audit_event_digest(e audit_event) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(
    e.seq::text,
    to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    e.actor, e.actor_role, e.action, e.entity_type, e.entity_id, e.account_id,
    e.before, e.after, e.reason, e.request_id, e.prev_hash
  )::text, 'UTF8')), 'hex')
$$;

-- Chaining happens in the database, so no writer can forget it or race another: an advisory lock
-- serialises appends until commit, the sequence number is drawn under the lock (so seq order is
-- chain order), and the previous row is the one with the highest seq.
CREATE FUNCTION audit_event_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  last_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(7240118);
  NEW.seq := nextval(pg_get_serial_sequence('audit_event', 'seq'));
  NEW.occurred_at := COALESCE(NEW.occurred_at, now());
  SELECT hash INTO last_hash FROM audit_event ORDER BY seq DESC LIMIT 1;
  NEW.prev_hash := COALESCE(last_hash, repeat('0', 64));
  NEW.hash := audit_event_digest(NEW);
  RETURN NEW;
END
$$;

-- The sequence is drawn in the trigger; a column default would draw a second, unused number.
ALTER TABLE audit_event ALTER COLUMN seq DROP DEFAULT;

CREATE TRIGGER audit_event_chain BEFORE INSERT ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_chain();

CREATE FUNCTION audit_event_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change();

-- 3. The application's own role: it may read and write business tables, but on the audit trail it
-- may only read and append. Migrations run as the owner; the API and worker connect as opencis_app
-- (or a login role granted it). Where the migrating role may not create roles, this is skipped and
-- the operator grants the same privileges by hand (README, "Database roles").
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'opencis_app') THEN
    CREATE ROLE opencis_app NOLOGIN;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO opencis_app', current_database());
  GRANT USAGE ON SCHEMA public TO opencis_app;
  GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO opencis_app;
  GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO opencis_app;
  REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM opencis_app;
  REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON opencis_migration FROM opencis_app;
  ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO opencis_app;
  ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO opencis_app;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'opencis_app role not managed here: %', SQLERRM;
END
$$;
