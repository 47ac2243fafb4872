-- CreateEnum
CREATE TYPE "ReadSource" AS ENUM ('AMI_CSV', 'GREEN_BUTTON', 'API', 'FIELD');

-- CreateEnum
CREATE TYPE "ReadQuality" AS ENUM ('ACTUAL', 'CORRECTED');

-- CreateEnum
CREATE TYPE "ReadExceptionStatus" AS ENUM ('OPEN', 'ACCEPTED', 'CORRECTED', 'ESTIMATED', 'CREW_SENT');

-- CreateEnum
CREATE TYPE "CycleRunStatus" AS ENUM ('OPEN', 'VALIDATING', 'RATING', 'HELD_FOR_REVIEW', 'ISSUING', 'ISSUED', 'DUE', 'CLOSED');

-- CreateEnum
CREATE TYPE "BillKind" AS ENUM ('REGULAR', 'FINAL', 'REBILL', 'ADJUSTMENT');

-- CreateEnum
CREATE TYPE "BillStatus" AS ENUM ('DRAFT', 'ISSUED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "LedgerKind" AS ENUM ('CHARGE', 'ADJUSTMENT', 'PAYMENT', 'PAYMENT_REVERSAL', 'LATE_FEE', 'RETURNED_PAYMENT_FEE', 'DEPOSIT_BILLED', 'DEPOSIT_APPLIED', 'DEPOSIT_REFUND', 'DEPOSIT_INTEREST');

-- CreateEnum
CREATE TYPE "PaymentChannel" AS ENUM ('CASH', 'CHECK', 'CARD', 'ACH', 'LOCKBOX');

-- CreateEnum
CREATE TYPE "PaymentStatus" AS ENUM ('POSTED', 'RETURNED');

-- CreateEnum
CREATE TYPE "DepositStatus" AS ENUM ('REQUIRED', 'WAIVED', 'HELD', 'APPLIED', 'REFUNDED');

-- CreateEnum
CREATE TYPE "NoticeChannel" AS ENUM ('EMAIL', 'PRINT');

-- CreateTable
CREATE TABLE "bill_cycle" (
    "id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "read_day" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bill_cycle_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bill_cycle_run" (
    "id" TEXT NOT NULL,
    "cycle_id" INTEGER NOT NULL,
    "period" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "status" "CycleRunStatus" NOT NULL DEFAULT 'OPEN',
    "read_window_from" TIMESTAMPTZ(3) NOT NULL,
    "read_window_to" TIMESTAMPTZ(3) NOT NULL,
    "bill_date" DATE,
    "due_date" DATE,
    "counts" JSONB NOT NULL DEFAULT '{}',
    "approved_by" TEXT,
    "approved_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bill_cycle_run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "read_import" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "file_name" TEXT NOT NULL,
    "source_hash" TEXT NOT NULL,
    "counts" JSONB NOT NULL,
    "rejections" JSONB NOT NULL,
    "actor" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "read_import_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "meter_read" (
    "id" BIGSERIAL NOT NULL,
    "meter_id" TEXT NOT NULL,
    "account_id" TEXT,
    "read_at" TIMESTAMPTZ(3) NOT NULL,
    "value" BIGINT,
    "raw_value" TEXT,
    "unit" TEXT NOT NULL,
    "source" "ReadSource" NOT NULL,
    "quality" "ReadQuality" NOT NULL DEFAULT 'ACTUAL',
    "flags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "import_id" UUID,
    "source_line" INTEGER,
    "corrects_id" BIGINT,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "meter_read_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "interval_read" (
    "meter_id" TEXT NOT NULL,
    "start" TIMESTAMPTZ(3) NOT NULL,
    "duration_sec" INTEGER NOT NULL,
    "value_wh" BIGINT NOT NULL,
    "import_id" UUID,

    CONSTRAINT "interval_read_pkey" PRIMARY KEY ("meter_id","start")
);

-- CreateTable
CREATE TABLE "read_exception" (
    "id" UUID NOT NULL,
    "cycle_run_id" TEXT NOT NULL,
    "meter_id" TEXT NOT NULL,
    "account_id" TEXT,
    "read_id" BIGINT,
    "code" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "details" JSONB,
    "status" "ReadExceptionStatus" NOT NULL DEFAULT 'OPEN',
    "resolution" JSONB,
    "resolved_by" TEXT,
    "resolved_at" TIMESTAMPTZ(3),
    "service_order_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "read_exception_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tariff_version" (
    "schedule" TEXT NOT NULL,
    "effective_from" DATE NOT NULL,
    "data" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tariff_version_pkey" PRIMARY KEY ("schedule","effective_from")
);

-- CreateTable
CREATE TABLE "bill" (
    "id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "cycle_run_id" TEXT,
    "kind" "BillKind" NOT NULL DEFAULT 'REGULAR',
    "status" "BillStatus" NOT NULL DEFAULT 'DRAFT',
    "issued_at" TIMESTAMPTZ(3),
    "period_from" DATE NOT NULL,
    "period_to" DATE NOT NULL,
    "bill_date" DATE NOT NULL,
    "due_date" DATE NOT NULL,
    "estimated" BOOLEAN NOT NULL DEFAULT false,
    "total_cents" BIGINT NOT NULL,
    "language" TEXT NOT NULL DEFAULT 'en',
    "replaces_id" TEXT,
    "cancelled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bill_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bill_line" (
    "id" BIGSERIAL NOT NULL,
    "bill_id" TEXT NOT NULL,
    "line_no" INTEGER NOT NULL,
    "service" TEXT NOT NULL,
    "component" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "quantity" DECIMAL(20,6) NOT NULL,
    "unit" TEXT NOT NULL,
    "rate" DECIMAL(20,8) NOT NULL,
    "rate_per" DECIMAL(20,6) NOT NULL DEFAULT 1,
    "amount_cents" BIGINT NOT NULL,
    "tariff_schedule" TEXT,
    "tariff_version" TEXT,
    "period_from" DATE NOT NULL,
    "period_to" DATE NOT NULL,
    "meter_id" TEXT,
    "corrects_line_id" BIGINT,

    CONSTRAINT "bill_line_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_entry" (
    "id" BIGSERIAL NOT NULL,
    "account_id" TEXT NOT NULL,
    "kind" "LedgerKind" NOT NULL,
    "amount_cents" BIGINT NOT NULL,
    "effective_date" DATE NOT NULL,
    "due_date" DATE,
    "bill_id" TEXT,
    "payment_id" UUID,
    "reverses_entry_id" BIGINT,
    "idempotency_key" TEXT NOT NULL,
    "memo" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_entry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payment" (
    "id" UUID NOT NULL,
    "account_id" TEXT NOT NULL,
    "amount_cents" BIGINT NOT NULL,
    "channel" "PaymentChannel" NOT NULL,
    "external_ref" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status" "PaymentStatus" NOT NULL DEFAULT 'POSTED',
    "returned_at" TIMESTAMPTZ(3),
    "return_code" TEXT,
    "return_reason" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deposit" (
    "id" UUID NOT NULL,
    "account_id" TEXT NOT NULL,
    "status" "DepositStatus" NOT NULL,
    "amount_cents" BIGINT NOT NULL,
    "held_since" DATE,
    "reason" TEXT NOT NULL,
    "closed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deposit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notice" (
    "id" UUID NOT NULL,
    "account_id" TEXT NOT NULL,
    "bill_id" TEXT,
    "type" TEXT NOT NULL,
    "channel" "NoticeChannel" NOT NULL,
    "language" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "message_id" TEXT,
    "batch_id" TEXT,
    "sent_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3),

    CONSTRAINT "notice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "collections_episode" (
    "account_id" TEXT NOT NULL,
    "episode" INTEGER NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "opened_by_run" TEXT,
    "past_due_cents" BIGINT NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),
    "close_reason" TEXT,

    CONSTRAINT "collections_episode_pkey" PRIMARY KEY ("account_id","episode")
);

-- CreateTable
CREATE TABLE "cycle_meter_result" (
    "cycle_run_id" TEXT NOT NULL,
    "meter_id" TEXT NOT NULL,
    "account_id" TEXT,
    "status" TEXT NOT NULL,
    "read_id" BIGINT,
    "previous_read_at" TIMESTAMPTZ(3),
    "read_at" TIMESTAMPTZ(3),
    "register_delta" BIGINT,
    "estimated_usage" TEXT,
    "basis" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cycle_meter_result_pkey" PRIMARY KEY ("cycle_run_id","meter_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "bill_cycle_run_workflow_id_key" ON "bill_cycle_run"("workflow_id");

-- CreateIndex
CREATE UNIQUE INDEX "bill_cycle_run_cycle_id_period_key" ON "bill_cycle_run"("cycle_id", "period");

-- CreateIndex
CREATE UNIQUE INDEX "read_import_source_hash_key" ON "read_import"("source_hash");

-- CreateIndex
CREATE INDEX "meter_read_meter_id_read_at_idx" ON "meter_read"("meter_id", "read_at");

-- CreateIndex
CREATE INDEX "meter_read_account_id_read_at_idx" ON "meter_read"("account_id", "read_at");

-- CreateIndex
CREATE UNIQUE INDEX "meter_read_import_id_source_line_key" ON "meter_read"("import_id", "source_line");

-- CreateIndex
CREATE INDEX "read_exception_status_idx" ON "read_exception"("status");

-- CreateIndex
CREATE INDEX "read_exception_account_id_idx" ON "read_exception"("account_id");

-- CreateIndex
CREATE UNIQUE INDEX "read_exception_cycle_run_id_meter_id_code_key" ON "read_exception"("cycle_run_id", "meter_id", "code");

-- CreateIndex
CREATE INDEX "bill_account_id_bill_date_idx" ON "bill"("account_id", "bill_date");

-- CreateIndex
CREATE INDEX "bill_cycle_run_id_idx" ON "bill"("cycle_run_id");

-- CreateIndex
CREATE UNIQUE INDEX "bill_line_bill_id_line_no_key" ON "bill_line"("bill_id", "line_no");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_entry_idempotency_key_key" ON "ledger_entry"("idempotency_key");

-- CreateIndex
CREATE INDEX "ledger_entry_account_id_effective_date_idx" ON "ledger_entry"("account_id", "effective_date");

-- CreateIndex
CREATE INDEX "ledger_entry_bill_id_idx" ON "ledger_entry"("bill_id");

-- CreateIndex
CREATE INDEX "ledger_entry_payment_id_idx" ON "ledger_entry"("payment_id");

-- CreateIndex
CREATE UNIQUE INDEX "payment_idempotency_key_key" ON "payment"("idempotency_key");

-- CreateIndex
CREATE INDEX "payment_account_id_received_at_idx" ON "payment"("account_id", "received_at");

-- CreateIndex
CREATE INDEX "deposit_account_id_idx" ON "deposit"("account_id");

-- CreateIndex
CREATE UNIQUE INDEX "notice_idempotency_key_key" ON "notice"("idempotency_key");

-- CreateIndex
CREATE INDEX "notice_account_id_sent_at_idx" ON "notice"("account_id", "sent_at");

-- CreateIndex
CREATE INDEX "notice_bill_id_idx" ON "notice"("bill_id");

-- CreateIndex
CREATE UNIQUE INDEX "collections_episode_workflow_id_key" ON "collections_episode"("workflow_id");

-- CreateIndex
CREATE INDEX "cycle_meter_result_cycle_run_id_account_id_idx" ON "cycle_meter_result"("cycle_run_id", "account_id");

-- AddForeignKey
ALTER TABLE "bill_cycle_run" ADD CONSTRAINT "bill_cycle_run_cycle_id_fkey" FOREIGN KEY ("cycle_id") REFERENCES "bill_cycle"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "read_exception" ADD CONSTRAINT "read_exception_cycle_run_id_fkey" FOREIGN KEY ("cycle_run_id") REFERENCES "bill_cycle_run"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bill" ADD CONSTRAINT "bill_cycle_run_id_fkey" FOREIGN KEY ("cycle_run_id") REFERENCES "bill_cycle_run"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bill_line" ADD CONSTRAINT "bill_line_bill_id_fkey" FOREIGN KEY ("bill_id") REFERENCES "bill"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- ---- hand-written: money is exact and history is immutable -----------------------------------

ALTER TABLE "bill_line" ADD CONSTRAINT bill_line_quantity_finite CHECK (quantity = quantity);
ALTER TABLE "payment" ADD CONSTRAINT payment_amount_positive CHECK (amount_cents > 0);
ALTER TABLE "deposit" ADD CONSTRAINT deposit_amount_nonnegative CHECK (amount_cents >= 0);
ALTER TABLE "bill_cycle" ADD CONSTRAINT bill_cycle_read_day CHECK (read_day BETWEEN 1 AND 28);
ALTER TABLE "bill_cycle_run" ADD CONSTRAINT bill_cycle_run_period CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$');
-- One regular bill per account per cycle run: the last line of defence against double billing.
CREATE UNIQUE INDEX bill_one_regular_per_run ON bill (account_id, cycle_run_id) WHERE kind = 'REGULAR';

CREATE FUNCTION refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is immutable: % refused (%)', TG_TABLE_NAME, TG_OP, TG_ARGV[0]
    USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Ledger entries are never changed or removed; corrections are new rows.
CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE OR DELETE ON ledger_entry
  FOR EACH ROW EXECUTE FUNCTION refuse_change('post a reversing or adjusting entry instead');

-- A draft bill (rated, not issued) may be replaced when a read is corrected; once issued, a bill
-- and its lines never change except ISSUED -> CANCELLED for a rebill.
CREATE FUNCTION bill_line_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' OR (SELECT status FROM bill WHERE id = OLD.bill_id) <> 'DRAFT' THEN
    RAISE EXCEPTION 'bill_line is immutable once its bill is issued: % refused (add an adjustment line instead)', TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END
$$;
CREATE TRIGGER bill_line_immutable BEFORE UPDATE OR DELETE ON bill_line FOR EACH ROW EXECUTE FUNCTION bill_line_guard();

CREATE FUNCTION bill_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'DRAFT' THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'bill % is immutable: DELETE refused (cancel and rebill instead)', OLD.id USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (to_jsonb(NEW) - 'status' - 'cancelled_at') <> (to_jsonb(OLD) - 'status' - 'cancelled_at')
     OR OLD.status = 'CANCELLED' THEN
    RAISE EXCEPTION 'bill % is immutable once issued: only ISSUED -> CANCELLED is allowed', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER bill_immutable BEFORE UPDATE OR DELETE ON bill FOR EACH ROW EXECUTE FUNCTION bill_guard();

-- A payment's amount, account and key never change; only its return is recorded.
CREATE FUNCTION payment_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'payment is immutable: DELETE refused (record a return instead)' USING ERRCODE = 'insufficient_privilege';
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
CREATE TRIGGER payment_immutable BEFORE UPDATE OR DELETE ON payment FOR EACH ROW EXECUTE FUNCTION payment_guard();

-- The utility's bill cycles (Millbrook reads cycle 1 around the 2nd and cycle 2 around the 16th).
INSERT INTO bill_cycle (id, name, read_day) VALUES (1, 'Cycle 1', 2), (2, 'Cycle 2', 16) ON CONFLICT DO NOTHING;

-- At most one open delinquency episode per account.
CREATE UNIQUE INDEX collections_episode_one_open ON collections_episode (account_id) WHERE closed_at IS NULL;
