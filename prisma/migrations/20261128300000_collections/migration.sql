-- Collections and disconnection as compliance events: the facts the policy evaluator reads
-- (income, medical certificates, disputes, holds, arrangements, weather), the actions a case takes
-- (notices, contacts, disconnections, reconnections) for the regulatory reports, and the case's
-- stage on its episode row.

ALTER TYPE "NoticeChannel" ADD VALUE IF NOT EXISTS 'POSTED';

ALTER TABLE "notice" ADD COLUMN "episode" INTEGER, ADD COLUMN "content" JSONB;

ALTER TABLE "account"
  ADD COLUMN "income_pct_fpl" DECIMAL(6,2),
  ADD COLUMN "income_verified_on" DATE,
  ADD COLUMN "third_party_name" TEXT,
  ADD COLUMN "third_party_email" TEXT,
  ADD COLUMN "third_party_address" TEXT;
ALTER TABLE "account" ADD CONSTRAINT "account_income_pct_fpl_check" CHECK ("income_pct_fpl" IS NULL OR "income_pct_fpl" >= 0);

ALTER TABLE "customer" ADD COLUMN "age65_or_dependent" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "premise" ADD COLUMN "tenant_occupied" BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE "service_order"
  ADD COLUMN "due_by" TIMESTAMPTZ(3),
  ADD COLUMN "collections_workflow_id" TEXT;

ALTER TABLE "collections_episode"
  ADD COLUMN "profile" TEXT,
  ADD COLUMN "stage" TEXT NOT NULL DEFAULT 'OPEN',
  ADD COLUMN "next_action" TEXT,
  ADD COLUMN "next_action_at" TIMESTAMPTZ(3),
  ADD COLUMN "reasons" JSONB,
  ADD COLUMN "hold_since" TIMESTAMPTZ(3),
  ADD COLUMN "hold_reason" TEXT,
  ADD COLUMN "hold_by" TEXT,
  ADD COLUMN "disconnected_at" TIMESTAMPTZ(3),
  ADD COLUMN "reconnected_at" TIMESTAMPTZ(3),
  ADD COLUMN "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
CREATE INDEX "collections_episode_stage_idx" ON "collections_episode"("stage", "closed_at");

CREATE TABLE "medical_certificate" (
    "id" UUID NOT NULL,
    "account_id" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "valid_until" DATE NOT NULL,
    "kind" TEXT NOT NULL,
    "renewal_number" INTEGER NOT NULL DEFAULT 0,
    "arrears_cents" BIGINT NOT NULL,
    "certified_by" TEXT NOT NULL,
    "written_follow_up_by" DATE,
    "recorded_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "medical_certificate_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "medical_certificate_kind_check" CHECK ("kind" IN ('PHONE', 'WRITTEN')),
    CONSTRAINT "medical_certificate_account_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id")
);
CREATE INDEX "medical_certificate_account_idx" ON "medical_certificate"("account_id", "received_at");

CREATE TABLE "dispute" (
    "id" UUID NOT NULL,
    "account_id" TEXT NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL,
    "summary" TEXT NOT NULL,
    "opened_by" TEXT NOT NULL,
    "resolved_at" TIMESTAMPTZ(3),
    "resolution" TEXT,
    "resolved_by" TEXT,
    CONSTRAINT "dispute_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "dispute_account_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id")
);
CREATE INDEX "dispute_account_idx" ON "dispute"("account_id", "opened_at");

CREATE TABLE "payment_arrangement" (
    "id" UUID NOT NULL,
    "account_id" TEXT NOT NULL,
    "episode" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "arrears_cents" BIGINT NOT NULL,
    "down_payment_cents" BIGINT NOT NULL,
    "terms" JSONB NOT NULL,
    "reasons" JSONB NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "defaulted_on" DATE,
    "completed_on" DATE,
    CONSTRAINT "payment_arrangement_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "payment_arrangement_status_check" CHECK ("status" IN ('CURRENT', 'DEFAULTED', 'COMPLETED')),
    CONSTRAINT "payment_arrangement_account_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id")
);
CREATE INDEX "payment_arrangement_account_idx" ON "payment_arrangement"("account_id", "created_at");

CREATE TABLE "arrangement_installment" (
    "arrangement_id" UUID NOT NULL,
    "n" INTEGER NOT NULL,
    "due_date" DATE NOT NULL,
    "amount_cents" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'DUE',
    "settled_on" DATE,
    CONSTRAINT "arrangement_installment_pkey" PRIMARY KEY ("arrangement_id", "n"),
    CONSTRAINT "arrangement_installment_status_check" CHECK ("status" IN ('DUE', 'PAID', 'MISSED')),
    CONSTRAINT "arrangement_installment_amount_check" CHECK ("amount_cents" >= 0),
    CONSTRAINT "arrangement_installment_arrangement_fkey" FOREIGN KEY ("arrangement_id") REFERENCES "payment_arrangement"("id")
);

CREATE TABLE "weather_observation" (
    "service_area" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "forecast_high_f" INTEGER,
    "forecast_low_f" INTEGER,
    "observed_high_f" INTEGER,
    "observed_low_f" INTEGER,
    "heat_advisory" BOOLEAN NOT NULL DEFAULT false,
    "source" TEXT NOT NULL,
    "recorded_by" TEXT NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "weather_observation_pkey" PRIMARY KEY ("service_area", "day")
);

-- One row per compliance action a case took: the regulatory reports count these.
CREATE TABLE "collections_action" (
    "id" BIGSERIAL NOT NULL,
    "account_id" TEXT NOT NULL,
    "episode" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "method" TEXT,
    "cause" TEXT,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "profile" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "customer_class" TEXT NOT NULL,
    "heating" BOOLEAN NOT NULL,
    "zip" TEXT NOT NULL,
    "amount_cents" BIGINT,
    "idempotency_key" TEXT NOT NULL,
    "data" JSONB,
    CONSTRAINT "collections_action_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "collections_action_kind_check" CHECK ("kind" IN ('HANDOFF', 'REMINDER', 'DISCONNECT_NOTICE', 'CONTACT_ATTEMPT', 'POSTED_NOTICE', 'DISCONNECT', 'RECONNECT', 'ARRANGEMENT_ACCEPTED', 'ARRANGEMENT_REJECTED', 'ARRANGEMENT_DEFAULTED', 'ARRANGEMENT_COMPLETED', 'CURED', 'CLOSED'))
);
CREATE UNIQUE INDEX "collections_action_idempotency_key_key" ON "collections_action"("idempotency_key");
CREATE INDEX "collections_action_kind_time_idx" ON "collections_action"("kind", "occurred_at");
CREATE INDEX "collections_action_account_idx" ON "collections_action"("account_id", "episode");
