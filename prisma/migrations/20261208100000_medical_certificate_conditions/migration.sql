-- What a medical certificate's protection can depend on besides its dates: who certified it
-- (PA: physician or nurse practitioner), whether the customer showed they cannot pay (CA; a NY
-- renewal) and whether they agreed to a payment plan (CA).
ALTER TABLE "medical_certificate"
  ADD COLUMN "certifier" TEXT NOT NULL DEFAULT 'PHYSICIAN',
  ADD COLUMN "inability_to_pay" BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN "agrees_to_plan" BOOLEAN NOT NULL DEFAULT false,
  ADD CONSTRAINT "medical_certificate_certifier"
    CHECK (certifier IN ('PHYSICIAN', 'NURSE_PRACTITIONER', 'PHYSICIAN_ASSISTANT', 'BOARD_OF_HEALTH', 'OTHER'));
