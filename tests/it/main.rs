//! All integration tests in one binary (one link of the dependency tree instead of one per file).

// Scenario tests read best as one function per scenario, and helpers may panic like tests do.
#![allow(
    clippy::panic,
    clippy::too_many_lines,
    clippy::float_cmp,
    clippy::many_single_char_names
)]

mod auth;
mod board_workflow;
mod chat;
mod chat_tool;
mod cli;
mod cli_input;
mod common;
mod completion;
mod config;
mod dashboard_view;
mod demo;
mod e2e;
mod executor;
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
mod model_json;
mod panes;
mod planning;
mod prompt;
mod proposals;
mod query;
mod read_only;
mod report;
mod roundtrip;
#[path = "../support/sim/mod.rs"]
mod sim;
mod sim_selftest;
mod store;
mod store_sql;
mod teams_demo;
mod theme;
mod tui;
mod tui_sync;
mod webhook_scope;
mod writeback;
