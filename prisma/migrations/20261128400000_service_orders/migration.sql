-- Service orders by type: dispatch windows, holds (a start of service waiting for its deposit),
-- SLA timers and their escalation, cancel reasons and what finishing an order did; the reads an
-- order took, meter exchanges, final-bill settlements and the escalation emails sent.

ALTER TABLE "service_order"
  ADD COLUMN "details" JSONB,
  ADD COLUMN "window_start" TIMESTAMPTZ(3),
  ADD COLUMN "window_end" TIMESTAMPTZ(3),
  ADD COLUMN "hold_reason" TEXT,
  ADD COLUMN "released_at" TIMESTAMPTZ(3),
  ADD COLUMN "sla_due_at" TIMESTAMPTZ(3),
  ADD COLUMN "sla_breached_at" TIMESTAMPTZ(3),
  ADD COLUMN "escalated_at" TIMESTAMPTZ(3),
  ADD COLUMN "cancel_reason" TEXT,
  ADD COLUMN "effects" JSONB;
ALTER TABLE "service_order" ADD CONSTRAINT "service_order_window_check"
  CHECK ("window_start" IS NULL OR "window_end" IS NULL OR "window_end" > "window_start");

-- The supervisors' dashboard lists breached orders; most orders never breach.
CREATE INDEX "service_order_sla_breached_idx" ON "service_order" ("sla_breached_at") WHERE "sla_breached_at" IS NOT NULL;
CREATE INDEX "service_order_type_status_idx" ON "service_order" ("type", "status");

-- Each read an order recorded (a start's initial read, a stop's final read, both sides of a meter
-- exchange). A read an order took is a service boundary, not a cycle read.
CREATE TABLE "service_order_read" (
    "order_id" TEXT NOT NULL,
    "meter_id" TEXT NOT NULL,
    "account_id" TEXT,
    "role" TEXT NOT NULL,
    "read_id" BIGINT NOT NULL,
    "read_at" TIMESTAMPTZ(3) NOT NULL,
    "value" BIGINT NOT NULL,
    CONSTRAINT "service_order_read_pkey" PRIMARY KEY ("order_id", "meter_id"),
    CONSTRAINT "service_order_read_role_check"
      CHECK ("role" IN ('INITIAL', 'FINAL', 'EXCHANGE_FINAL', 'EXCHANGE_INITIAL'))
);
CREATE INDEX "service_order_read_meter_idx" ON "service_order_read" ("meter_id", "read_at");
CREATE UNIQUE INDEX "service_order_read_read_key" ON "service_order_read" ("read_id");

-- A meter taken out and the one set in its place: the old meter's final read and the new one's
-- initial read, so the next bill prices the use on both exactly once.
CREATE TABLE "meter_exchange" (
    "order_id" TEXT NOT NULL,
    "premise_id" TEXT NOT NULL,
    "account_id" TEXT,
    "old_meter_id" TEXT NOT NULL,
    "new_meter_id" TEXT NOT NULL,
    "final_read_id" BIGINT NOT NULL,
    "initial_read_id" BIGINT NOT NULL,
    "exchanged_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "meter_exchange_pkey" PRIMARY KEY ("order_id"),
    CONSTRAINT "meter_exchange_distinct_meters_check" CHECK ("old_meter_id" <> "new_meter_id")
);
CREATE UNIQUE INDEX "meter_exchange_new_meter_id_key" ON "meter_exchange" ("new_meter_id");
CREATE UNIQUE INDEX "meter_exchange_old_meter_id_key" ON "meter_exchange" ("old_meter_id");

-- How a stopped (or transferred) account's final bill was settled.
CREATE TABLE "final_settlement" (
    "order_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "bill_id" TEXT,
    "due_date" DATE,
    "balance_cents" BIGINT,
    "deposit_applied_cents" BIGINT NOT NULL DEFAULT 0,
    "outcome" TEXT NOT NULL,
    "refund_cents" BIGINT,
    "to_account_id" TEXT,
    "collections_workflow_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "settled_at" TIMESTAMPTZ(3),
    CONSTRAINT "final_settlement_pkey" PRIMARY KEY ("order_id"),
    CONSTRAINT "final_settlement_outcome_check"
      CHECK ("outcome" IN ('PENDING', 'ZERO', 'REFUNDED', 'PAID', 'COLLECTIONS', 'TRANSFERRED', 'NEEDS_REVIEW'))
);
CREATE INDEX "final_settlement_account_idx" ON "final_settlement" ("account_id");

-- Escalation emails for a breached SLA: one per order and recipient, claimed before it is sent.
CREATE TABLE "service_order_escalation" (
    "id" BIGSERIAL NOT NULL,
    "order_id" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "user_id" TEXT,
    "sent_at" TIMESTAMPTZ(3) NOT NULL,
    "message_id" TEXT,
    CONSTRAINT "service_order_escalation_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "service_order_escalation_order_recipient_key" ON "service_order_escalation" ("order_id", "recipient");
