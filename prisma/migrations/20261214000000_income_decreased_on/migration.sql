-- The day a recorded household income fell enough to count as a "change in income" (66 Pa.C.S.
-- §1403: a decrease of at least 20% above 200% of the poverty level, at least 10% at or below it).
-- Such a change lets a customer who defaulted on a payment agreement have a new one (§1405(d)).
ALTER TABLE "account" ADD COLUMN "income_decreased_on" DATE;
