-- When a sync saw the tracker holding what was pushed (NULL: not confirmed yet).
ALTER TABLE outbox ADD COLUMN confirmed_at TEXT;
