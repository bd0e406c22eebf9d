-- The dashboard's last computed report, drawn at once on the next start while a fresh one is
-- computed (loading every status event of a large workspace takes far longer than a frame).
CREATE TABLE report_snapshots (
    view        TEXT PRIMARY KEY,   -- 'dashboard': the default view (active sprint, all projects)
    computed_at TEXT NOT NULL,
    report_json TEXT NOT NULL
);
