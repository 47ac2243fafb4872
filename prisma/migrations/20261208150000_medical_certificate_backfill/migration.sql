-- Certificates recorded before their conditions were columns were recorded when the record stood
-- for all three (physician, inability to pay, a plan): they keep protecting as they did. Only those
-- older than the migration that added the columns; later ones say what was shown.
UPDATE "medical_certificate" SET "inability_to_pay" = true, "agrees_to_plan" = true
WHERE "created_at" < (
  SELECT applied_at FROM opencis_migration WHERE name = '20261208100000_medical_certificate_conditions'
);
