-- gradflow (postgres): the offer-expiry queue (issue 16, part 2: places).
-- Numbered in parallel with ../sqlite.
--
-- An offer of a freed place lapses at offer_expires; the worker lets it
-- lapse (and offers the place to the next of the waiting list). Like every
-- queue item it has attempts, a backoff and a terminal state with its
-- reason, so nothing loops for ever:
--   applications.offer_attempts       failed tries to let it lapse
--   applications.offer_next_try       not tried again before (microseconds;
--                                     the backoff after a failed try)
--   applications.offer_claimed_until  a worker holds it until (microseconds):
--                                     two workers never try one offer at once
--   applications.offer_failure        why the worker gave up on it (terminal:
--                                     the operator sees it in the queue list)

ALTER TABLE applications ADD COLUMN offer_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE applications ADD COLUMN offer_next_try BIGINT;
ALTER TABLE applications ADD COLUMN offer_claimed_until BIGINT;
ALTER TABLE applications ADD COLUMN offer_failure TEXT;

CREATE INDEX applications_offer_queue ON applications (offer_expires)
    WHERE state = 'offered' AND offer_failure IS NULL;
