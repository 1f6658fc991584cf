-- 0025_patients_staff_link: which staff member a "staff member as patient"
-- record belongs to (issue #5, the audit review's own-chart and
-- colleague's-chart flags in src/core/audit_view/review_access.c).
--
-- Set by an owner or administrator on the patient form, only together with
-- staff_patient; NULL when the record is not a staff member's or the link
-- is not known yet.  A user id identifies no patient by itself, so the
-- column is plain, like staff_patient.
ALTER TABLE patients ADD COLUMN staff_user_id BIGINT REFERENCES users(id);
CREATE INDEX patients_staff_user ON patients (practice_id, staff_user_id)
    WHERE staff_user_id IS NOT NULL;
