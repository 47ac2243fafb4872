-- A winter disconnection affidavit filed with the state commission (Maryland, COMAR 20.31.03.03A)
-- is a collections action of its own: the rules read when it was filed, against the notice and the
-- act. The kinds the table accepts gain AFFIDAVIT_FILED.
ALTER TABLE "collections_action" DROP CONSTRAINT "collections_action_kind_check";
ALTER TABLE "collections_action" ADD CONSTRAINT "collections_action_kind_check" CHECK ("kind" IN (
  'HANDOFF', 'REMINDER', 'DISCONNECT_NOTICE', 'CONTACT_ATTEMPT', 'POSTED_NOTICE', 'DISCONNECT',
  'RECONNECT', 'ARRANGEMENT_ACCEPTED', 'ARRANGEMENT_REJECTED', 'ARRANGEMENT_DEFAULTED',
  'ARRANGEMENT_COMPLETED', 'CURED', 'CLOSED', 'AFFIDAVIT_FILED'));
