//! All integration tests in one binary (one link of the dependency tree instead of one per file).

// Scenario tests read best as one function per scenario, and helpers may panic like tests do.
#![allow(
    clippy::panic,
    clippy::too_many_lines,
    clippy::float_cmp,
    clippy::many_single_char_names
)]

mod board_workflow;
mod chat;
mod chat_tool;
mod cli;
mod common;
mod config;
mod dashboard_view;
mod demo;
mod e2e;
mod export;
mod fake_gitlab;
mod fake_jira;
mod generator;
mod generator_pane;
mod generator_push;
mod gitlab_map;
mod gitlab_sync;
mod gitlab_webhook;
mod jira_sync;
mod keymap;
mod llm;
mod logging;
mod metrics;
mod panes;
mod planning;
mod prompt;
mod proposals;
mod query;
mod report;
mod store;
mod store_sql;
mod theme;
mod tui;
mod tui_sync;
mod writeback;
