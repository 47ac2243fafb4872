-- Drinking-water notices to everyone served (domain/water-notices.ts): public notification by tier
-- (40 CFR 141.201–141.205) and the Consumer Confidence Report (40 CFR 141.151–141.155). One row per
-- notice the utility issues; each copy delivered is a row in the notice register (type
-- WATER_NOTICE, key water-notice:<id>:<round>:<account>), which is the proof of delivery.
CREATE TABLE "water_notice" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    -- The service areas it goes to; NULL: every area.
    "service_areas" TEXT[],
    -- When the system learned of the violation or situation (public notices); NULL for a CCR.
    "learned_at" TIMESTAMPTZ(3),
    -- The CCR's delivery year and edition (2: the second delivery of a system serving 10,000+).
    "year" INTEGER,
    "edition" INTEGER,
    "due_by" TIMESTAMPTZ(3) NOT NULL,
    -- Where the report is published (a CCR delivered electronically links to it).
    "url" TEXT,
    "body_en" TEXT NOT NULL,
    "body_es" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- The situation is over: a repeating notice stops repeating.
    "resolved_at" TIMESTAMPTZ(3),
    "resolved_reason" TEXT,
    CONSTRAINT "water_notice_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "water_notice_kind_check" CHECK ("kind" IN ('PN_TIER_1', 'PN_TIER_2', 'PN_TIER_3', 'CCR')),
    CONSTRAINT "water_notice_basis_check" CHECK (
        ("kind" = 'CCR' AND "year" IS NOT NULL AND "edition" IN (1, 2) AND "learned_at" IS NULL)
        OR ("kind" <> 'CCR' AND "learned_at" IS NOT NULL AND "year" IS NULL AND "edition" IS NULL))
);
