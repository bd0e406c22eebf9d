-- When sync last fetched an issue's status history (its `updated_at` then). History is fetched
-- after the issues themselves, so a sync stopped in between resumes it; NULL: never fetched.
ALTER TABLE issues ADD COLUMN history_synced_at TEXT;
