use std::path::Path;

use rstest::rstest;
use sprintdeck::config::{self, ConfigError, GitlabAuth, JiraDeployment, LlmProvider, ProjectRef};

fn load(name: &str) -> Result<Option<config::Config>, ConfigError> {
    // A relative path keeps the error text independent of where the checkout lives.
    config::load(Path::new(&format!("tests/fixtures/config/{name}")), true)
}

#[test]
fn full_config_parses_every_section() {
    let c = load("valid-full.toml").expect("valid").expect("exists");
    assert_eq!(c.workspace.as_deref(), Some("Team Rocket"));
    let gl = &c.gitlab[0];
    assert_eq!(
        gl.projects,
        vec![ProjectRef::Path("web/shop".into()), ProjectRef::Id(42)]
    );
    assert_eq!(gl.auth, GitlabAuth::PrivateToken);
    assert!(gl.include_subgroups);
    let jira = &c.jira[0];
    assert_eq!(jira.deployment, JiraDeployment::Cloud);
    assert_eq!(
        jira.fields.get("story_points").map(String::as_str),
        Some("customfield_10036")
    );
    assert_eq!(c.sync.interval_minutes, 10);
    assert_eq!(c.sync.concurrency, 4, "unset keys keep their defaults");
    let llm = c.llm.as_ref().expect("llm");
    assert_eq!(llm.provider, LlmProvider::Anthropic);
    assert_eq!(llm.profiles["local"].provider, LlmProvider::Ollama);
    assert_eq!(c.ui.columns, vec!["key", "title", "status"]);
    assert_eq!(c.ui.views[0].query, "assignee:@me is:open");
    assert_eq!(c.metrics.working_days.len(), 4);
    assert_eq!(c.people.capacity["bjorn.lund"], 0.0);
    assert!(config::secrets::warnings(&c).is_empty());
}

#[test]
fn missing_default_file_means_no_config_but_missing_explicit_file_is_an_error() {
    let path = Path::new("tests/fixtures/config/does-not-exist.toml");
    assert!(
        config::load(path, false)
            .expect("default path may be absent")
            .is_none()
    );
    let err = config::load(path, true).expect_err("explicit path must exist");
    assert_eq!(
        err.to_string(),
        "config file tests/fixtures/config/does-not-exist.toml does not exist; create it from config.example.toml or drop --config/SPRINTDECK_CONFIG"
    );
}

#[rstest]
#[case::unknown_key(
    "unknown-key.toml",
    "config error in tests/fixtures/config/unknown-key.toml, line 2, key `sync.intervall_minutes`: unknown key `intervall_minutes`\n  2 | intervall_minutes = 5\n  hint: did you mean `interval_minutes`? valid keys here: interval_minutes, reconcile_hour, closed_window_days, concurrency, timeout_secs, rate_limit_wait_minutes"
)]
#[case::wrong_type(
    "wrong-type.toml",
    "config error in tests/fixtures/config/wrong-type.toml, line 2, key `sync.interval_minutes`: invalid type: string \"five\", expected u32\n  2 | interval_minutes = \"five\"\n  hint: see config.example.toml for the expected type of this key"
)]
#[case::missing_name(
    "missing-name.toml",
    "config error in tests/fixtures/config/missing-name.toml, line 1, key `gitlab[0]`: missing required key `name`\n  1 | [[gitlab]]\n  hint: add `name = …` to gitlab[0]; see config.example.toml"
)]
#[case::duplicate_source(
    "duplicate-source.toml",
    "config error in tests/fixtures/config/duplicate-source.toml, line 6, key `jira[0].name`: the source name `work` is used twice\n  6 | name = \"work\"\n  hint: give every [[gitlab]] and [[jira]] source its own name"
)]
#[case::bad_url(
    "bad-url.toml",
    "config error in tests/fixtures/config/bad-url.toml, line 3, key `jira[0].base_url`: `example.atlassian.net` is not an http(s) URL\n  3 | base_url = \"example.atlassian.net\"\n  hint: write the full address, e.g. base_url = \"https://gitlab.example.com\""
)]
#[case::not_toml(
    "not-toml.toml",
    "config error in tests/fixtures/config/not-toml.toml, line 1: unclosed table, expected `]`\n  1 | [ui\n  hint: this is not valid TOML; check quotes, brackets and `key = value` syntax"
)]
#[case::bad_column(
    "bad-column.toml",
    "config error in tests/fixtures/config/bad-column.toml, line 2, key `ui.columns`: unknown column `titel`\n  2 | columns = [\"key\", \"titel\"]\n  hint: columns are key, type, title, status, assignee, points, sprint, priority, updated"
)]
#[case::bad_view_query(
    "bad-view-query.toml",
    "config error in tests/fixtures/config/bad-view-query.toml, key `ui.views[0].query`: the view `Broken` has a bad query: column 8: expected a value after `status:`\n  hint: see docs/query-language.md"
)]
#[case::unknown_section(
    "unknown-section.toml",
    "config error in tests/fixtures/config/unknown-section.toml, line 1, key `gitlab`: invalid type: map, expected a sequence\n  1 | [gitlab]\n  hint: `gitlab` holds a list: write each table as [[gitlab]], or use gitlab = [ … ]"
)]
#[case::bad_enum(
    "bad-enum.toml",
    "config error in tests/fixtures/config/bad-enum.toml, line 2, key `llm.provider`: unknown variant `gpt`, expected one of `openai`, `anthropic`, `ollama`\n  2 | provider = \"gpt\"\n  hint: use one of the listed values"
)]
#[case::bad_workflow(
    "bad-workflow.toml",
    "config error in tests/fixtures/config/bad-workflow.toml, line 2, key `ui.workflows.OPS`: the workflow of `OPS` names `to do` twice or empty\n  2 | OPS = [\"To Do\", \"Doing\", \"to do\"]\n  hint: list each status once, in board order"
)]
#[case::bad_wip_column(
    "bad-wip-column.toml",
    "config error in tests/fixtures/config/bad-wip-column.toml, line 2, key `ui.wip_limits`: unknown board column `In Reveiw`\n  2 | wip_limits = { \"In Reveiw\" = 3 }\n  hint: board columns are todo, doing, done, or a status named in [ui.workflows]"
)]
fn invalid_configs_name_file_line_key_and_fix(#[case] file: &str, #[case] expected: &str) {
    let err = load(file).expect_err("invalid config");
    assert_eq!(err.to_string(), expected);
}

#[test]
fn literal_tokens_warn_without_echoing_them() {
    let c = load("literal-token.toml").expect("loads").expect("exists");
    let warnings = config::secrets::warnings(&c);
    assert_eq!(
        warnings,
        vec![
            "gitlab[0].token holds a secret in plain text (`glpa…`); move it to an environment variable (token_env) or a command".to_owned(),
            "jira[0].token_env should name an environment variable, but `ATAT…` looks like the secret itself; set token_env = \"MY_TOKEN\" and export MY_TOKEN".to_owned(),
        ]
    );
    for w in &warnings {
        assert!(
            !w.contains("abcdefghijklmnop"),
            "warning leaks the token: {w}"
        );
    }
}

#[test]
fn the_example_config_is_valid_and_documents_every_key() {
    let c = config::load(Path::new("config.example.toml"), true)
        .expect("valid")
        .expect("exists");
    assert!(c.has_sources());
    let text = std::fs::read_to_string("config.example.toml").expect("readable");
    // Keys of every section, read off the defaults and the schema.
    for key in [
        "workspace",
        "database",
        "name",
        "base_url",
        "projects",
        "groups",
        "include_subgroups",
        "auth",
        "token_env",
        "token_cmd",
        "ca_file",
        "status_labels",
        "webhook_secret_env",
        "deployment",
        "email",
        "jql",
        "boards",
        "fields",
        "interval_minutes",
        "reconcile_hour",
        "closed_window_days",
        "concurrency",
        "timeout_secs",
        "provider",
        "model",
        "api_key_env",
        "api_key_cmd",
        "api_version",
        "headers",
        "temperature",
        "max_tokens",
        "price_input_per_1k",
        "price_output_per_1k",
        "send_descriptions",
        "profiles",
        "theme",
        "keymap",
        "columns",
        "read_only",
        "start_pane",
        "me",
        "views",
        "done_statuses",
        "working_days",
        "aging_wip_days",
        "default_capacity",
        "capacity",
    ] {
        assert!(
            text.contains(&format!("{key} =")) || text.contains(&format!(".{key}.")),
            "{key} is not documented"
        );
    }
}
