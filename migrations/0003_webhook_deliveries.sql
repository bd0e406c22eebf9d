-- Webhook deliveries already stored, by the tracker's delivery id (GitLab's Idempotency-Key or
-- X-Gitlab-Event-UUID, Jira's X-Atlassian-Webhook-Identifier): a redelivery stores nothing.
CREATE TABLE webhook_deliveries (
    delivery_id TEXT PRIMARY KEY,
    source_name TEXT NOT NULL,
    received_at TEXT NOT NULL
);
