-- The whole domain model (see DESIGN.md). Times are UTC text `YYYY-MM-DDTHH:MM:SSZ`, dates
-- `YYYY-MM-DD`, so text order is time order. Kept to SQL that PostgreSQL also accepts, except
-- the FTS5 table and its triggers.

CREATE TABLE workspace_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE projects (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL CHECK (source IN ('gitlab', 'jira')),
    source_name TEXT NOT NULL,
    remote_id   TEXT NOT NULL,
    key         TEXT NOT NULL,
    name        TEXT NOT NULL,
    web_url     TEXT,
    UNIQUE (source_name, remote_id)
);

CREATE TABLE people (
    id           INTEGER PRIMARY KEY,
    source_name  TEXT NOT NULL,
    remote_id    TEXT NOT NULL,
    username     TEXT NOT NULL,
    display_name TEXT NOT NULL,
    -- Points per sprint; [people] in the config wins over this.
    capacity     REAL,
    UNIQUE (source_name, remote_id)
);
CREATE INDEX people_username ON people (username);

CREATE TABLE issues (
    id              INTEGER PRIMARY KEY,
    project_id      INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    source          TEXT NOT NULL CHECK (source IN ('gitlab', 'jira')),
    remote_id       TEXT NOT NULL,
    key             TEXT NOT NULL UNIQUE,
    issue_type      TEXT NOT NULL CHECK (issue_type IN ('epic', 'story', 'task', 'bug')),
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    status_category TEXT NOT NULL CHECK (status_category IN ('todo', 'in_progress', 'done')),
    reporter_id     INTEGER REFERENCES people (id) ON DELETE SET NULL,
    priority        TEXT,
    -- 1 = most urgent; NULL when the tracker has no priority.
    priority_rank   INTEGER,
    story_points    REAL,
    parent_id       INTEGER REFERENCES issues (id) ON DELETE SET NULL,
    due_date        TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    closed_at       TEXT,
    web_url         TEXT,
    -- Set by reconcile when the tracker no longer shows the issue; the row and history stay.
    gone_at         TEXT,
    raw_json        TEXT,
    UNIQUE (project_id, remote_id)
);
-- The default backlog order, and a small index to count live issues with.
CREATE INDEX issues_updated ON issues (updated_at) WHERE gone_at IS NULL;
CREATE INDEX issues_parent ON issues (parent_id);
CREATE INDEX issues_category ON issues (status_category);
CREATE INDEX issues_due ON issues (due_date);
-- status:"In Review" compares case-insensitively.
CREATE INDEX issues_status_lower ON issues (lower(status));

CREATE TABLE issue_assignees (
    issue_id  INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, person_id)
);
CREATE INDEX issue_assignees_person ON issue_assignees (person_id);

CREATE TABLE labels (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE issue_labels (
    issue_id INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    label_id INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, label_id)
);
CREATE INDEX issue_labels_label ON issue_labels (label_id);

CREATE TABLE sprints (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL CHECK (source IN ('gitlab', 'jira', 'local')),
    source_name  TEXT NOT NULL,
    remote_id    TEXT NOT NULL,
    project_id   INTEGER REFERENCES projects (id) ON DELETE SET NULL,
    name         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('future', 'active', 'closed')),
    start_at     TEXT,
    end_at       TEXT,
    completed_at TEXT,
    goal         TEXT,
    capacity     REAL,
    UNIQUE (source_name, remote_id)
);
CREATE INDEX sprints_state ON sprints (state, start_at);

-- Membership over time: an issue added after the sprint started is scope added; removed_at
-- set means it left the sprint (scope removed, or carried over).
CREATE TABLE sprint_issues (
    sprint_id  INTEGER NOT NULL REFERENCES sprints (id) ON DELETE CASCADE,
    issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    added_at   TEXT NOT NULL,
    removed_at TEXT,
    PRIMARY KEY (sprint_id, issue_id)
);
CREATE INDEX sprint_issues_issue ON sprint_issues (issue_id);

CREATE TABLE status_events (
    id            INTEGER PRIMARY KEY,
    issue_id      INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    from_status   TEXT,
    to_status     TEXT NOT NULL,
    from_category TEXT CHECK (from_category IN ('todo', 'in_progress', 'done')),
    to_category   TEXT NOT NULL CHECK (to_category IN ('todo', 'in_progress', 'done')),
    at            TEXT NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('webhook', 'poll', 'manual', 'demo')),
    -- The tracker's event id where it has one, so a re-fetch does not duplicate history.
    remote_id     TEXT
);
CREATE INDEX status_events_issue ON status_events (issue_id, at);
CREATE UNIQUE INDEX status_events_remote ON status_events (issue_id, remote_id);

CREATE TABLE issue_links (
    id            INTEGER PRIMARY KEY,
    from_issue_id INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    to_issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    -- 'blocks': from blocks to.
    kind          TEXT NOT NULL CHECK (kind IN ('blocks', 'relates')),
    UNIQUE (from_issue_id, to_issue_id, kind),
    CHECK (from_issue_id <> to_issue_id)
);
CREATE INDEX issue_links_to ON issue_links (to_issue_id, kind);

-- Local-only fields; sync never writes here.
CREATE TABLE overrides (
    issue_id          INTEGER PRIMARY KEY REFERENCES issues (id) ON DELETE CASCADE,
    internal_status   TEXT,
    notes             TEXT,
    target_date       TEXT,
    internal_priority TEXT,
    updated_at        TEXT NOT NULL
);

CREATE TABLE sync_cursors (
    source_name TEXT NOT NULL,
    scope       TEXT NOT NULL,
    cursor      TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (source_name, scope)
);

CREATE TABLE sync_runs (
    id             INTEGER PRIMARY KEY,
    source_name    TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('bootstrap', 'incremental', 'reconcile', 'webhook')),
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    state          TEXT NOT NULL CHECK (state IN ('running', 'ok', 'failed', 'cancelled')),
    pages          INTEGER NOT NULL DEFAULT 0,
    issues_seen    INTEGER NOT NULL DEFAULT 0,
    issues_changed INTEGER NOT NULL DEFAULT 0,
    error          TEXT
);
CREATE INDEX sync_runs_source ON sync_runs (source_name, started_at);

CREATE TABLE proposals (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('backlog', 'sprint_plan', 'insight', 'chat', 'manual')),
    title           TEXT NOT NULL,
    explanation     TEXT NOT NULL DEFAULT '',
    evidence_json   TEXT NOT NULL DEFAULT '[]',
    changes_json    TEXT NOT NULL,
    author          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'rejected', 'expired', 'conflicted')),
    decided_by      TEXT,
    decided_at      TEXT,
    decision_reason TEXT,
    -- Stable identity of an insight's finding, so it is not raised twice.
    fingerprint     TEXT
);
CREATE INDEX proposals_state ON proposals (state, created_at);
CREATE INDEX proposals_fingerprint ON proposals (fingerprint);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    proposal_id  INTEGER REFERENCES proposals (id) ON DELETE SET NULL,
    detail_json  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    proposal_id INTEGER REFERENCES proposals (id) ON DELETE SET NULL,
    issue_id    INTEGER REFERENCES issues (id) ON DELETE SET NULL,
    source_name TEXT NOT NULL,
    operation   TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    remote_id   TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX outbox_state ON outbox (state, id);

CREATE TABLE chat_conversations (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL,
    profile    TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE chat_messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES chat_conversations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    text            TEXT NOT NULL,
    citations_json  TEXT NOT NULL DEFAULT '[]',
    input_tokens    INTEGER,
    output_tokens   INTEGER,
    complete        INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL
);
CREATE INDEX chat_messages_conversation ON chat_messages (conversation_id, id);

-- Full-text index over key, title, description and label names; rowid = issues.id.
CREATE VIRTUAL TABLE issues_fts USING fts5 (
    key, title, description, labels,
    -- No prefix indexes: measured at 100k issues they did not make prefix keystrokes faster,
    -- and they grow the index by half.
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER issues_fts_insert AFTER INSERT ON issues BEGIN
    INSERT INTO issues_fts (rowid, key, title, description, labels)
    VALUES (new.id, new.key, new.title, new.description, '');
END;

CREATE TRIGGER issues_fts_update AFTER UPDATE OF key, title, description ON issues BEGIN
    UPDATE issues_fts SET key = new.key, title = new.title, description = new.description
    WHERE rowid = new.id;
END;

CREATE TRIGGER issues_fts_delete AFTER DELETE ON issues BEGIN
    DELETE FROM issues_fts WHERE rowid = old.id;
END;

CREATE TRIGGER issue_labels_fts_insert AFTER INSERT ON issue_labels BEGIN
    UPDATE issues_fts SET labels = (
        SELECT coalesce(group_concat(l.name, ' '), '') FROM issue_labels il
        JOIN labels l ON l.id = il.label_id WHERE il.issue_id = new.issue_id
    ) WHERE rowid = new.issue_id;
END;

CREATE TRIGGER issue_labels_fts_delete AFTER DELETE ON issue_labels BEGIN
    UPDATE issues_fts SET labels = (
        SELECT coalesce(group_concat(l.name, ' '), '') FROM issue_labels il
        JOIN labels l ON l.id = il.label_id WHERE il.issue_id = old.issue_id
    ) WHERE rowid = old.issue_id;
END;

CREATE TRIGGER labels_fts_rename AFTER UPDATE OF name ON labels BEGIN
    UPDATE issues_fts SET labels = (
        SELECT coalesce(group_concat(l.name, ' '), '') FROM issue_labels il
        JOIN labels l ON l.id = il.label_id WHERE il.issue_id = issues_fts.rowid
    ) WHERE rowid IN (SELECT issue_id FROM issue_labels WHERE label_id = new.id);
END;
