-- A GitLab group is a row of `projects` with kind 'group' (remote id `group:ID`, key its full
-- path): its epics, iterations and group milestones belong to it. Project lists and counts
-- leave groups out.
ALTER TABLE projects ADD COLUMN kind TEXT NOT NULL DEFAULT 'project'
    CHECK (kind IN ('project', 'group'));

-- The parent an issue names, by key, so that a parent stored after its child (a later page, a
-- later pass) is linked when it arrives.
ALTER TABLE issues ADD COLUMN parent_key TEXT;

-- When sync last read the issue's links from a tracker that lists them per issue (GitLab), as
-- of the issue's `updated_at` then; NULL: never read.
ALTER TABLE issues ADD COLUMN links_synced_at TEXT;

-- Epics were stored under a child project, once per project that named them (under keys that
-- could differ). One row per epic stays, which the next sync moves into its group; children
-- of the others point to it.
CREATE TEMPORARY TABLE epic_rows AS
    SELECT i.id AS id, p.source_name AS source_name, i.remote_id AS remote_id
    FROM issues i JOIN projects p ON p.id = i.project_id
    WHERE i.source = 'gitlab' AND i.remote_id LIKE 'epic:%';
CREATE TEMPORARY TABLE epic_keep AS
    SELECT source_name, remote_id, min(id) AS keep FROM epic_rows GROUP BY source_name, remote_id;
UPDATE issues SET parent_id = (
        SELECT k.keep FROM epic_rows e
        JOIN epic_keep k ON k.source_name = e.source_name AND k.remote_id = e.remote_id
        WHERE e.id = issues.parent_id)
    WHERE parent_id IN (SELECT id FROM epic_rows);
DELETE FROM issues WHERE id IN (SELECT id FROM epic_rows)
    AND id NOT IN (SELECT keep FROM epic_keep);
DROP TABLE epic_keep;
DROP TABLE epic_rows;

UPDATE issues SET parent_key = (SELECT p.key FROM issues p WHERE p.id = issues.parent_id)
    WHERE parent_id IS NOT NULL;
CREATE INDEX issues_parent_key ON issues (parent_key) WHERE parent_key IS NOT NULL;

-- The issues a first sync listed and has not fetched yet (Jira lists ids, then fetches them in
-- batches): a first sync that stopped resumes with what is left instead of starting over.
CREATE TABLE sync_queue (
    source_name TEXT NOT NULL,
    remote_id   TEXT NOT NULL,
    -- The listing's order.
    position    INTEGER NOT NULL,
    PRIMARY KEY (source_name, remote_id)
);
CREATE INDEX sync_queue_order ON sync_queue (source_name, position);
