-- Issue-to-prompt: every render of an issue into a template is kept as an immutable version;
-- an agent's answer can be attached to a version (content stored once, by checksum).
CREATE TABLE prompt_versions (
    id            INTEGER PRIMARY KEY,
    -- No foreign key: versions are history and outlive a demo refresh, which deletes and
    -- re-creates the issues (sync never deletes; it marks issues gone).
    issue_id      INTEGER NOT NULL,
    issue_key     TEXT NOT NULL,
    template      TEXT NOT NULL,
    template_hash TEXT NOT NULL,   -- SHA-256 of the template's text
    text_hash     TEXT NOT NULL,   -- SHA-256 of the rendered text: same inputs, same version
    text          TEXT NOT NULL,
    tokens        INTEGER NOT NULL,
    tokenizer     TEXT NOT NULL,   -- o200k, cl100k or approx
    author        TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX prompt_versions_issue ON prompt_versions (issue_id, template, id);
CREATE INDEX prompt_versions_created ON prompt_versions (created_at);

CREATE TRIGGER prompt_versions_immutable BEFORE UPDATE ON prompt_versions BEGIN
    SELECT RAISE(ABORT, 'prompt versions are immutable: render again to make a new one');
END;

CREATE TABLE prompt_output_blobs (
    sha256 TEXT PRIMARY KEY,
    bytes  INTEGER NOT NULL,
    text   TEXT NOT NULL
);

CREATE TABLE prompt_outputs (
    id         INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES prompt_versions (id) ON DELETE CASCADE,
    sha256     TEXT NOT NULL REFERENCES prompt_output_blobs (sha256),
    source     TEXT NOT NULL,      -- a file name, or 'pasted'
    created_at TEXT NOT NULL,
    UNIQUE (version_id, sha256)
);
