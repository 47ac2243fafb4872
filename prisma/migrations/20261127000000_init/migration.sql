-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('csr', 'supervisor', 'field', 'auditor', 'admin', 'system');

-- CreateEnum
CREATE TYPE "AccountClass" AS ENUM ('RES', 'COM');

-- CreateEnum
CREATE TYPE "AccountStatus" AS ENUM ('PENDING', 'ACTIVE', 'FINAL', 'CLOSED');

-- CreateEnum
CREATE TYPE "ServiceKind" AS ENUM ('WATER', 'ELECTRIC', 'GAS', 'SEWER');

-- CreateEnum
CREATE TYPE "ReadUnit" AS ENUM ('GAL', 'CUBIC_FEET', 'KWH', 'THERM');

-- CreateEnum
CREATE TYPE "PremiseType" AS ENUM ('RESIDENTIAL', 'COMMERCIAL');

-- CreateEnum
CREATE TYPE "HeatingSource" AS ENUM ('GAS', 'ELECTRIC', 'OIL', 'PROPANE', 'OTHER', 'NONE');

-- CreateEnum
CREATE TYPE "ServiceLineStatus" AS ENUM ('LEAD', 'GALVANIZED_REQUIRING_REPLACEMENT', 'NON_LEAD', 'LEAD_STATUS_UNKNOWN');

-- CreateEnum
CREATE TYPE "InteractionChannel" AS ENUM ('CALL', 'VISIT', 'EMAIL', 'LETTER');

-- CreateEnum
CREATE TYPE "InteractionDirection" AS ENUM ('INBOUND', 'OUTBOUND');

-- CreateEnum
CREATE TYPE "ServiceOrderType" AS ENUM ('START_SERVICE', 'STOP_SERVICE', 'TRANSFER_SERVICE', 'METER_INVESTIGATION', 'METER_EXCHANGE', 'DISCONNECT', 'RECONNECT', 'LEAK_CHECK', 'DOOR_HANGER');

-- CreateEnum
CREATE TYPE "ServiceOrderStatus" AS ENUM ('OPEN', 'ASSIGNED', 'COMPLETED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "ServiceOrderPriority" AS ENUM ('EMERGENCY', 'HIGH', 'NORMAL', 'LOW');

-- CreateTable
CREATE TABLE "customer" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "mailing_address" TEXT NOT NULL,
    "email" TEXT,
    "phone" TEXT,
    "language" TEXT NOT NULL DEFAULT 'en',
    "paperless" BOOLEAN NOT NULL DEFAULT false,
    "date_of_birth_enc" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "premise" (
    "id" TEXT NOT NULL,
    "service_address" TEXT NOT NULL,
    "zip" TEXT NOT NULL,
    "service_area" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "jurisdiction_profile" TEXT NOT NULL,
    "premise_type" "PremiseType" NOT NULL,
    "heating" "HeatingSource",
    "service_line_public" "ServiceLineStatus" NOT NULL DEFAULT 'LEAD_STATUS_UNKNOWN',
    "service_line_private" "ServiceLineStatus" NOT NULL DEFAULT 'LEAD_STATUS_UNKNOWN',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "premise_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "account" (
    "id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "premise_id" TEXT NOT NULL,
    "class" "AccountClass" NOT NULL,
    "bill_cycle" INTEGER NOT NULL,
    "status" "AccountStatus" NOT NULL DEFAULT 'ACTIVE',
    "start_date" DATE NOT NULL,
    "end_date" DATE,
    "deposit_held_cents" INTEGER NOT NULL DEFAULT 0,
    "autopay" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "service_point" (
    "id" TEXT NOT NULL,
    "premise_id" TEXT NOT NULL,
    "service" "ServiceKind" NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "service_point_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "meter" (
    "id" TEXT NOT NULL,
    "service_point_id" TEXT NOT NULL,
    "service" "ServiceKind" NOT NULL,
    "read_unit" "ReadUnit" NOT NULL,
    "dials" INTEGER NOT NULL,
    "multiplier" INTEGER NOT NULL,
    "size" TEXT,
    "ami_endpoint" TEXT,
    "installed_on" DATE,
    "removed_on" DATE,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "meter_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "crew" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "crew_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "app_user" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "role" "Role" NOT NULL,
    "crew_id" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "app_user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_key" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "crew_id" TEXT,
    "label" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "interaction" (
    "id" UUID NOT NULL,
    "account_id" TEXT NOT NULL,
    "channel" "InteractionChannel" NOT NULL,
    "direction" "InteractionDirection" NOT NULL DEFAULT 'INBOUND',
    "subject" TEXT NOT NULL,
    "notes" TEXT,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "interaction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "service_order" (
    "id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "premise_id" TEXT NOT NULL,
    "meter_id" TEXT,
    "type" "ServiceOrderType" NOT NULL,
    "status" "ServiceOrderStatus" NOT NULL DEFAULT 'OPEN',
    "priority" "ServiceOrderPriority" NOT NULL DEFAULT 'NORMAL',
    "reason" TEXT NOT NULL,
    "crew_id" TEXT,
    "workflow_id" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "assigned_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "cancelled_at" TIMESTAMPTZ(3),
    "completion" JSONB,

    CONSTRAINT "service_order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "timeline_event" (
    "id" BIGSERIAL NOT NULL,
    "account_id" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_id" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "data" JSONB,

    CONSTRAINT "timeline_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_event" (
    "seq" BIGSERIAL NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "actor_role" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_id" TEXT NOT NULL,
    "account_id" TEXT,
    "before" JSONB,
    "after" JSONB,
    "reason" TEXT,
    "request_id" TEXT,
    "prev_hash" TEXT NOT NULL DEFAULT '',
    "hash" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "idempotency_record" (
    "key" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "request_hash" TEXT,
    "result" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_record_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "import_run" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "source_hash" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "valid_only" BOOLEAN NOT NULL DEFAULT false,
    "counts" JSONB NOT NULL,
    "rejections" JSONB NOT NULL,
    "actor" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "import_run_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "premise_zip_idx" ON "premise"("zip");

-- CreateIndex
CREATE INDEX "account_customer_id_idx" ON "account"("customer_id");

-- CreateIndex
CREATE INDEX "account_premise_id_idx" ON "account"("premise_id");

-- CreateIndex
CREATE INDEX "account_bill_cycle_idx" ON "account"("bill_cycle");

-- CreateIndex
CREATE UNIQUE INDEX "service_point_premise_id_service_key" ON "service_point"("premise_id", "service");

-- CreateIndex
CREATE UNIQUE INDEX "meter_ami_endpoint_key" ON "meter"("ami_endpoint");

-- CreateIndex
CREATE INDEX "meter_service_point_id_idx" ON "meter"("service_point_id");

-- CreateIndex
CREATE UNIQUE INDEX "app_user_email_key" ON "app_user"("email");

-- CreateIndex
CREATE UNIQUE INDEX "api_key_prefix_key" ON "api_key"("prefix");

-- CreateIndex
CREATE UNIQUE INDEX "api_key_key_hash_key" ON "api_key"("key_hash");

-- CreateIndex
CREATE INDEX "interaction_account_id_occurred_at_idx" ON "interaction"("account_id", "occurred_at");

-- CreateIndex
CREATE UNIQUE INDEX "service_order_workflow_id_key" ON "service_order"("workflow_id");

-- CreateIndex
CREATE INDEX "service_order_account_id_idx" ON "service_order"("account_id");

-- CreateIndex
CREATE INDEX "service_order_crew_id_status_idx" ON "service_order"("crew_id", "status");

-- CreateIndex
CREATE INDEX "timeline_event_account_id_occurred_at_id_idx" ON "timeline_event"("account_id", "occurred_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "audit_event_entity_type_entity_id_idx" ON "audit_event"("entity_type", "entity_id");

-- CreateIndex
CREATE INDEX "audit_event_account_id_idx" ON "audit_event"("account_id");

-- CreateIndex
CREATE INDEX "audit_event_occurred_at_idx" ON "audit_event"("occurred_at");

-- CreateIndex
CREATE INDEX "import_run_kind_source_hash_idx" ON "import_run"("kind", "source_hash");

-- AddForeignKey
ALTER TABLE "account" ADD CONSTRAINT "account_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "account" ADD CONSTRAINT "account_premise_id_fkey" FOREIGN KEY ("premise_id") REFERENCES "premise"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "service_point" ADD CONSTRAINT "service_point_premise_id_fkey" FOREIGN KEY ("premise_id") REFERENCES "premise"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "meter" ADD CONSTRAINT "meter_service_point_id_fkey" FOREIGN KEY ("service_point_id") REFERENCES "service_point"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_crew_id_fkey" FOREIGN KEY ("crew_id") REFERENCES "crew"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "interaction" ADD CONSTRAINT "interaction_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "service_order" ADD CONSTRAINT "service_order_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "service_order" ADD CONSTRAINT "service_order_crew_id_fkey" FOREIGN KEY ("crew_id") REFERENCES "crew"("id") ON DELETE SET NULL ON UPDATE CASCADE;

