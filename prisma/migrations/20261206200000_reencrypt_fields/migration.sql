-- Rotating the data encryption key (npm run keys:rotate, services/reencrypt-fields.ts) writes each
-- encrypted value again under the new key. A payment is otherwise immutable (only POSTED ->
-- RETURNED), so the guard lets exactly that one column change, and only inside a transaction that
-- says it is re-encrypting (SET LOCAL opencis.reencrypting = 'on'); every other change to a payment
-- is refused as before, in that transaction too.
CREATE OR REPLACE FUNCTION payment_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'payment is immutable: DELETE refused (record a return instead)' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF current_setting('opencis.reencrypting', true) = 'on'
     AND (to_jsonb(NEW) - 'ach_account_number_enc') = (to_jsonb(OLD) - 'ach_account_number_enc') THEN
    RETURN NEW;
  END IF;
  IF (to_jsonb(NEW) - 'status' - 'returned_at' - 'return_code' - 'return_reason')
     <> (to_jsonb(OLD) - 'status' - 'returned_at' - 'return_code' - 'return_reason')
     OR OLD.status = 'RETURNED' THEN
    RAISE EXCEPTION 'payment % is immutable: only POSTED -> RETURNED is allowed', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
