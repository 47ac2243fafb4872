-- Bank account numbers at rest: an account's bank account on file (ACH autopay debits, refunds by
-- ACH) and the payer's account an ACH payment was drawn on. The number is stored only as an
-- AES-256-GCM token (lib/field-crypto.ts, key DATA_ENCRYPTION_KEY) plus its last four digits for
-- display; the checks make a clear number impossible to store here, whatever the writer.
-- Routing numbers identify a bank, not a customer, and stay in clear.

CREATE TABLE "bank_account" (
    "account_id" TEXT NOT NULL,
    "routing_number" TEXT NOT NULL,
    "account_number_enc" TEXT NOT NULL,
    "account_number_last4" TEXT NOT NULL,
    "account_type" TEXT NOT NULL,
    "holder_name" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "updated_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "bank_account_pkey" PRIMARY KEY ("account_id"),
    CONSTRAINT "bank_account_account_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id"),
    CONSTRAINT "bank_account_routing_number_check" CHECK ("routing_number" ~ '^[0-9]{9}$'),
    CONSTRAINT "bank_account_account_number_enc_check"
      CHECK ("account_number_enc" ~ '^v[0-9]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$'),
    CONSTRAINT "bank_account_account_number_last4_check" CHECK ("account_number_last4" ~ '^[0-9]{4}$'),
    CONSTRAINT "bank_account_account_type_check" CHECK ("account_type" IN ('CHECKING', 'SAVINGS'))
);

ALTER TABLE "payment"
  ADD COLUMN "ach_routing_number" TEXT,
  ADD COLUMN "ach_account_number_enc" TEXT,
  ADD COLUMN "ach_account_last4" TEXT,
  ADD COLUMN "ach_account_type" TEXT;
ALTER TABLE "payment" ADD CONSTRAINT "payment_ach_account_check" CHECK (
  ("ach_account_number_enc" IS NULL AND "ach_routing_number" IS NULL
     AND "ach_account_last4" IS NULL AND "ach_account_type" IS NULL)
  OR ("channel" = 'ACH'
     AND "ach_routing_number" ~ '^[0-9]{9}$'
     AND "ach_account_number_enc" ~ '^v[0-9]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$'
     AND "ach_account_last4" ~ '^[0-9]{4}$'
     AND "ach_account_type" IN ('CHECKING', 'SAVINGS'))
);
