-- Each model run that made a proposal (generation, refinement, split, chat tool call): who,
-- when, which model and prompt version, which documents, and what it used.
CREATE TABLE generator_runs (
    id            INTEGER PRIMARY KEY,
    proposal_id   INTEGER REFERENCES proposals (id) ON DELETE SET NULL,
    kind          TEXT NOT NULL,
    author        TEXT NOT NULL,
    at            TEXT NOT NULL,
    model         TEXT,
    template_hash TEXT NOT NULL,
    files_json    TEXT NOT NULL DEFAULT '[]',
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost          REAL,
    attempts      INTEGER NOT NULL DEFAULT 1,
    -- What was asked (idea, project, format, depth, constraints, answers), so a refinement can
    -- continue the conversation; documents are kept as names and hashes only.
    brief_json    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX generator_runs_proposal ON generator_runs (proposal_id);

-- The version (SHA-256) of the chat prompt an answer was asked with.
ALTER TABLE chat_messages ADD COLUMN prompt_hash TEXT;
