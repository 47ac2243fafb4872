-- A critical-care designation (a resident depends on an electric-powered medical device to sustain
-- life; 16 TAC §25.497): the days it is in force and the emergency contact its application names.
-- Both dates or neither.
ALTER TABLE "account"
  ADD COLUMN "critical_care_from" DATE,
  ADD COLUMN "critical_care_until" DATE,
  ADD COLUMN "emergency_contact_name" TEXT,
  ADD COLUMN "emergency_contact_phone" TEXT,
  ADD CONSTRAINT "account_critical_care_dates"
    CHECK ((critical_care_from IS NULL) = (critical_care_until IS NULL)
           AND (critical_care_until IS NULL OR critical_care_until >= critical_care_from));
