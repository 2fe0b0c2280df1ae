-- gradflow (sqlite): the board's counts and overdue list join each of a
-- cohort's projects to its live deadline timer (store/viewer.rs
-- `DEADLINE_JOIN`). With only `timers_live_key` PostgreSQL hashed the whole
-- timers table for every board (80,000 rows read for a 1,000-project cohort
-- of a 20,000-project store: 70 ms; 2 ms with this index), and SQLite read
-- each timer's row for its due time. A partial index of the live deadlines
-- holding every column the join reads answers each probe from the index
-- alone (SQLite picks it over `timers_live_key` only when it matches the
-- join's three terms, hence `key` and `state` in it). Numbered in parallel with ../postgres.
CREATE INDEX timers_deadline ON timers (project_id, key, state, due_at) WHERE key = 'deadline' AND state IN ('pending', 'claimed');
