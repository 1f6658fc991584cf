-- 0010_audit_viewer: indexes for the audit viewer (src/core/audit_view/).
--
-- The viewer lists events newest first with keyset pagination on seq
-- ("seq < ? ORDER BY seq DESC LIMIT n"), one branch for the practice
-- (practice_id = ?) and one for installation events (practice_id IS NULL).
-- 0003's indexes end in recorded_at, which orders by time but not by seq,
-- so a page would have to sort every matching row first.  These end in
-- seq: each filter's branch walks its index backwards from the cursor and
-- stops after n rows, whatever the table's size.
--
--   practice_seq   no filter, or filters on outcome/sensitivity/date only
--   practice_verb  "show me the failed sign-ins"
--   actor_seq      "what did this person do"
--   patient_seq    "who touched this patient" (NULL patient ids skipped)
--   failures       "what went wrong": failures are rare, so a walk over
--                  all events would read millions to find fifty
--   sensitive      psychotherapy notes and Part 2 records, also rare; the
--                  query repeats the index's WHERE term so both engines
--                  see that it applies
--
-- Date ranges use 0003's (practice_id, recorded_at) when the planner
-- finds the range narrower than the walk.

CREATE INDEX audit_events_practice_seq ON audit_events (practice_id, seq);
CREATE INDEX audit_events_practice_verb ON audit_events (practice_id, verb, seq);
CREATE INDEX audit_events_actor_seq ON audit_events (actor_user_id, seq);
CREATE INDEX audit_events_patient_seq ON audit_events (patient_id, seq)
	WHERE patient_id IS NOT NULL;
CREATE INDEX audit_events_failures ON audit_events (practice_id, seq)
	WHERE outcome <> 0;
CREATE INDEX audit_events_sensitive ON audit_events (practice_id, sensitivity, seq)
	WHERE sensitivity <> 'normal';
