-- A late payment charge not posted because the household's policy profile waives it (California
-- water, H&S Code §116914(a)(2): interest on delinquent bills waived once every 12 months for a
-- household below 200% of the federal poverty level). One row per bill, written in the same
-- transaction that would have posted the charge, so a retry neither charges nor waives twice, and
-- the next waiver's 12 months count from here.
CREATE TABLE "late_charge_waiver" (
    "bill_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    -- The day the charge would have been assessed.
    "waived_on" DATE NOT NULL,
    -- The charge that was not posted.
    "amount_cents" BIGINT NOT NULL,
    "code" TEXT NOT NULL,
    "cite" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "late_charge_waiver_pkey" PRIMARY KEY ("bill_id"),
    CONSTRAINT "late_charge_waiver_amount_positive" CHECK ("amount_cents" > 0),
    CONSTRAINT "late_charge_waiver_bill_id_fkey" FOREIGN KEY ("bill_id") REFERENCES "bill"("id") ON DELETE RESTRICT,
    CONSTRAINT "late_charge_waiver_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE RESTRICT
);
CREATE INDEX "late_charge_waiver_account_id_waived_on_idx" ON "late_charge_waiver"("account_id", "waived_on");
