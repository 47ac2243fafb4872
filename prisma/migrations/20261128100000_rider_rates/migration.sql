-- Rider rates the utility board sets month by month (Millbrook's power cost adjustment). The
-- ordinance's own months are in the tariff; a month set here adds to them or overrides them.
-- A month that has billed is not changed: the row is kept, a later decision is a new row.
CREATE TABLE "rider_rate" (
    "rider" TEXT NOT NULL,
    "month" TEXT NOT NULL,
    "rate" DECIMAL(20,8) NOT NULL,
    "set_by" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "rider_rate_pkey" PRIMARY KEY ("rider","month"),
    CONSTRAINT "rider_rate_month_check" CHECK ("month" ~ '^\d{4}-(0[1-9]|1[0-2])$'),
    CONSTRAINT "rider_rate_rate_check" CHECK ("rate" >= 0)
);
