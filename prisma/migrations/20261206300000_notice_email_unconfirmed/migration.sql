-- An email claimed in the notice register but never confirmed sent. Bill and notice email is at
-- most once: the register row is claimed before the message goes out and gets its message id once
-- the mail server accepts it. A worker stopped between the two leaves a row with no message id,
-- and nothing said so. The delivery activity now marks such rows when it finishes (unconfirmed_at),
-- with an audit event and a timeline entry, so a clerk sees which customers may lack their bill.
ALTER TABLE notice ADD COLUMN unconfirmed_at TIMESTAMPTZ(3);

-- Claims still waiting for their message id: only the rows in flight (or left by a stopped worker),
-- so finding them stays an index lookup however large the register grows.
CREATE INDEX notice_email_awaiting_confirmation_idx ON notice (bill_id)
  WHERE channel = 'EMAIL' AND message_id IS NULL AND unconfirmed_at IS NULL;
