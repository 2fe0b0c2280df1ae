-- gradflow (postgres): a project's emails by project. Without it a cohort's mail
-- page (store/viewer.rs `cohort_messages`) walked the whole outbox from the
-- newest email back until it had found a page of the cohort's (all of it
-- for a cohort with no recent mail: millions of rows in a large store), a
-- project's emails were read by a scan, and erasing a project's data
-- scanned the outbox. With it each reads the cohort's or the project's own
-- rows. Numbered in parallel with ../sqlite.
CREATE INDEX outbox_project ON outbox (project_id, id);
