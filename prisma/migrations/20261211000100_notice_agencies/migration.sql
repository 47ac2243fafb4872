-- Public agencies that receive copies of disconnection notices: the local health department
-- (Illinois, Nov–Mar heating terminations, 220 ILCS 5/8-206) and the local officials of a multiple
-- dwelling (New York, PSL §40). Their addresses are the utility's to keep, per service area; the
-- row for '*' serves every area without its own. A copy with no agency on file is not sent to a
-- placeholder: it is recorded as having no recipient, on the account's timeline.
CREATE TABLE "notice_agency" (
    "service_area" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "email" TEXT,
    "updated_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "notice_agency_pkey" PRIMARY KEY ("service_area", "role"),
    CONSTRAINT "notice_agency_role_check" CHECK ("role" IN ('HEALTH_DEPARTMENT'))
);
