-- The reconnection charge the tariff sets (Millbrook: $50.00 in business hours, $150.00 after),
-- posted when a crew restores service cut off for nonpayment.
ALTER TYPE "LedgerKind" ADD VALUE 'RECONNECTION_FEE';
