-- How each side of a premise's service line came to be known (the service-line inventory, 40 CFR
-- 141.84(a)): the source of the material on record and the day it was verified. An unknown side
-- has neither; a side whose material changes keeps no verification from before.
ALTER TABLE "premise"
    ADD COLUMN "service_line_public_source" TEXT,
    ADD COLUMN "service_line_public_verified_on" DATE,
    ADD COLUMN "service_line_private_source" TEXT,
    ADD COLUMN "service_line_private_verified_on" DATE,
    ADD CONSTRAINT "premise_service_line_public_source_check" CHECK ("service_line_public_source" IN
        ('RECORDS', 'VISUAL_INSPECTION', 'EXCAVATION', 'CUSTOMER_REPORT', 'WATER_QUALITY_SAMPLING', 'PREDICTIVE_MODEL', 'OTHER')),
    ADD CONSTRAINT "premise_service_line_private_source_check" CHECK ("service_line_private_source" IN
        ('RECORDS', 'VISUAL_INSPECTION', 'EXCAVATION', 'CUSTOMER_REPORT', 'WATER_QUALITY_SAMPLING', 'PREDICTIVE_MODEL', 'OTHER'));
