use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCompleter;

use super::complete;

#[derive(Debug, Parser)]
#[command(
    name = "sprintdeck",
    version,
    about = "A terminal dashboard for agile teams whose issues live in GitLab and Jira",
    long_about = "sprintdeck keeps a local SQLite copy of your team's GitLab and Jira issues and \
shows it as a backlog table, a sprint board, KPI dashboards and an AI chat whose suggestions you \
approve by keypress.\n\nWith no sources configured it opens a generated demo workspace, so you can \
try everything without credentials.",
    after_help = "Examples:\n  sprintdeck                         open the workspace (the demo when nothing is configured)\n  sprintdeck demo --out big.db --issues 100000 --seed 7\n  sprintdeck export --format csv --query 'status:doing assignee:@me'\n  sprintdeck --db big.db doctor\n\nEnvironment:\n  SPRINTDECK_CONFIG    config file (same as --config)\n  SPRINTDECK_DATA_DIR  where databases and logs live\n  SPRINTDECK_NOW       freeze the clock (RFC 3339 or YYYY-MM-DD), for demos and tests\n  SPRINTDECK_LOG       log level or filter, e.g. debug or sprintdeck::store=trace"
)]
pub struct Cli {
    /// Config file to use instead of the platform default.
    #[arg(long, global = true, env = "SPRINTDECK_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Open this `SQLite` database instead of the configured one (e.g. a generated data set).
    #[arg(long, global = true, value_name = "FILE")]
    pub db: Option<PathBuf>,

    /// Disable every action that writes (for managers viewing over SSH).
    #[arg(long, global = true)]
    pub read_only: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or refresh the demo workspace, or write a generated data set to a file.
    #[command(
        after_help = "Examples:\n  sprintdeck demo                                  refresh the demo in the data dir\n  sprintdeck demo --out /tmp/demo.db              write the demo to a file\n  sprintdeck demo --issues 100000 --seed 7 --out big.db   a large data set for benchmarks\n  sprintdeck demo --shape teams --out team.db      GitLab and Jira teams, as synced\n\nThe data is deterministic for a given seed, size and day; dates follow the clock\n(SPRINTDECK_NOW freezes it), so the demo always has an active sprint."
    )]
    Demo {
        /// Number of issues to generate.
        #[arg(long, default_value_t = crate::demo::DEFAULT_ISSUES, value_name = "N")]
        issues: usize,
        /// Random seed; the same seed gives the same data.
        #[arg(long, default_value_t = crate::demo::DEFAULT_SEED, value_name = "N")]
        seed: u64,
        /// Write to this file instead of the demo database in the data dir. An existing file is
        /// replaced only if it holds a sprintdeck demo.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// `teams`: a GitLab group with a subgroup and five projects, group epics, iterations
        /// and milestones, and a Jira site with two projects and boards, as a sync stores them
        /// (hostile titles included); the issues are split evenly between the trackers.
        #[arg(long, value_enum, default_value_t = DemoShape::Default)]
        shape: DemoShape,
    },

    /// Export the backlog as CSV, JSON or Markdown, filtered with the query language.
    #[command(
        after_help = "Examples:\n  sprintdeck export --format csv > backlog.csv\n  sprintdeck export --format json --query 'is:open sprint:current' --out sprint.json\n  sprintdeck export --format md --query 'is:overdue sort:due'\n\nQuery language (see docs/query-language.md):\n  words and \"quoted phrases\"  full-text search on key, title, description, labels\n  status:todo|doing|done|NAME  assignee:@me|none|NAME  label:X  project:X  type:story\n  sprint:current|next|none|NAME  epic:KEY  priority:high  points:>=5\n  is:open|closed|overdue|blocked|unestimated\n  created:>7d  updated:<2026-01-01  closed:2026-01-01..2026-02-01  due:<7d  in-progress:>5d\n  -label:x (negation)   sort:updated-desc"
    )]
    Export {
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Filter in the query language; all issues when absent.
        #[arg(long, short, value_name = "QUERY", default_value = "")]
        query: String,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// At most this many issues.
        #[arg(long, value_name = "N")]
        limit: Option<i64>,
    },

    /// Sprint and flow metrics for managers: the dashboard's numbers, headless.
    #[command(
        after_help = "Examples:\n  sprintdeck report                                 the active sprint, as a table\n  sprintdeck report --format md > review.md         paste into a sprint review\n  sprintdeck report --format json --max-age 2h      for cron: fails when data is stale\n  sprintdeck report --sprint 'Sprint 45' --format csv\n\nThe JSON schema is docs/report.schema.json (field `version`). Definitions: docs/metrics.md.\nExit status 1 when the database is empty or older than --max-age."
    )]
    Report {
        /// `current` (the active sprint) or a sprint name.
        #[arg(long, default_value = "current", value_name = "SPRINT")]
        sprint: String,
        /// Start of the range for completions, cycle and lead time (default: the sprint start).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// End of the range (default: now).
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// Only this project (key or path, e.g. OPS or web/shop).
        #[arg(long, value_name = "PROJECT")]
        project: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: ReportFormat,
        /// Fail when the data is older than this (e.g. 30m, 2h, 1d, 1w, 1h30m).
        #[arg(long, value_name = "AGE")]
        max_age: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },

    /// Sync the configured GitLab and Jira sources into the local database.
    #[command(
        after_help = "Examples:\n  sprintdeck sync --once                 one pass over every source, then exit\n  sprintdeck sync --source work --once   one source\n  sprintdeck sync                        keep syncing every [sync] interval_minutes (a team's sync daemon)\n  sprintdeck sync --once --full          list everything again and reconcile\n\nThe first pass of a source lists its open issues and everything updated within\n[sync] closed_window_days; later passes ask only for what changed since. Exit status 1\nwhen a source failed (its reason is printed and logged in the Sync view)."
    )]
    Sync {
        /// Only this source (its `name` in the config).
        #[arg(long, value_name = "NAME", add = ArgValueCompleter::new(complete::sources))]
        source: Option<String>,
        /// One pass, then exit (default: keep syncing at the configured interval).
        #[arg(long)]
        once: bool,
        /// Ignore what earlier passes stored: list everything again, then reconcile.
        #[arg(long)]
        full: bool,
        /// Re-list open issues to find deleted, moved or hidden ones (also nightly).
        #[arg(long)]
        reconcile: bool,
    },

    /// Receive GitLab webhooks and keep syncing: a team's sync daemon.
    #[command(
        after_help = "Examples:\n  sprintdeck serve                          listen on 127.0.0.1:8787 and poll every [sync] interval_minutes\n  sprintdeck serve --listen 0.0.0.0:8787    behind a reverse proxy that terminates TLS\n\nIn GitLab: Settings → Webhooks, URL http://HOST:8787/webhooks/gitlab, the secret token\nfrom the source's webhook_secret_env, triggers \"Issues events\" and \"Comments\".\nGET /healthz answers ok. Deliveries over 1 MiB are refused (413), a wrong token gets 401,\nbad JSON 400; a redelivery (same Idempotency-Key or X-Gitlab-Event-UUID) is stored once."
    )]
    Serve {
        /// Address and port to listen on.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
        listen: std::net::SocketAddr,
        /// Only receive webhooks; do not poll.
        #[arg(long)]
        no_poll: bool,
    },

    /// Ask the AI a question about the backlog; the grounded answer streams to stdout.
    #[command(
        after_help = "Examples:\n  sprintdeck ask \"what is blocking the checkout epic?\"\n  sprintdeck ask --show-context \"summarise OPS-112\"\n  sprintdeck ask --profile local \"who is overloaded this sprint?\"\n\nThe context sent is built from the local database within a token budget: issues the\nquestion names, full-text matches, the active sprint and each person's load, each tagged\nwith its key ([llm] send_descriptions = false leaves descriptions out). --show-context\nprints exactly what is sent. Needs [llm] in the config."
    )]
    Ask {
        /// The question.
        question: String,
        /// A named profile from [llm.profiles.NAME] instead of [llm].
        #[arg(long, value_name = "NAME", add = ArgValueCompleter::new(complete::profiles))]
        profile: Option<String>,
        /// Print the context sent to the model (on standard error) before the answer.
        #[arg(long)]
        show_context: bool,
    },

    /// Issue-to-prompt: render an issue into a template for a coding agent, keep each render
    /// as a version, attach the agent's answer, and see usage.
    #[command(subcommand)]
    Prompt(PromptCommand),

    /// The approval queue: list, show, apply, reject and undo proposals; the audit log.
    #[command(subcommand)]
    Proposals(ProposalsCommand),

    /// Plan a sprint (capacity, priority, blockers, carry-over) as a proposal to apply.
    #[command(
        after_help = "Examples:\n  sprintdeck plan                      the next sprint\n  sprintdeck plan --sprint 'Sprint 48' --json\n\nCapacity per person comes from [people] capacity, the tracker, or the average of the\nlast 3 sprints. Nothing changes until the proposal is applied (sprintdeck proposals apply ID\nor `a` in the Proposals tab)."
    )]
    Plan {
        /// `next` (the earliest future sprint) or a sprint's name.
        #[arg(long, default_value = "next", value_name = "SPRINT")]
        sprint: String,
        #[arg(long)]
        json: bool,
    },

    /// Look for risks (blocked, scope growth, overload, overdue, stale, velocity drop, finished
    /// epics, unestimated work) and raise each new finding as an insight proposal.
    Analyze {
        #[arg(long)]
        json: bool,
    },

    /// Turn an idea (and documents) into epics, stories and tasks with the AI: checked against
    /// the schema and the [generator] rules, kept as a backlog proposal to review and apply.
    #[command(
        after_help = "Examples:\n  sprintdeck generate --project OPS --idea \"self-service invoice export for accountants\"\n  sprintdeck generate --project OPS --idea-file brief.md --file notes.pdf --format bdd --team-size 4 --sprint-days 10\n  sprintdeck generate --refine 12 --instruction \"split by user role\"\n\nNothing is created until the proposal is applied (sprintdeck proposals apply ID, or `a` in\nthe Proposals tab). Stories above [generator] max_story_points are sent back to be split; a\nbacklog with rule errors cannot be applied. When the model needs to know more it asks; answer\nwith --answer (once per question). --refine replaces the pending proposal and prints what changed."
    )]
    Generate {
        /// The project every item goes to (key or path).
        #[arg(long, required_unless_present = "refine")]
        project: Option<String>,
        /// The idea, in a few sentences.
        #[arg(long)]
        idea: Option<String>,
        /// Read the idea from this file instead.
        #[arg(long, value_name = "FILE")]
        idea_file: Option<PathBuf>,
        /// A document to give as context (repeatable): Markdown, plain text or PDF.
        #[cfg_attr(
            not(feature = "pdf"),
            arg(
                help = "A document to give as context (repeatable): Markdown or plain text (this build reads no PDF: cargo feature `pdf`)"
            )
        )]
        #[arg(long = "file", value_name = "FILE")]
        files: Vec<PathBuf>,
        /// `classic` ("As a … I want … so that …"), `bdd` (Given/When/Then criteria), or the
        /// path of your own story template.
        #[arg(long, default_value = "classic")]
        format: String,
        /// How deep to go: `epics`, `stories` or `tasks`.
        #[arg(long, default_value = "tasks", value_parser = ["epics", "stories", "tasks"])]
        depth: String,
        /// How many people will do the work.
        #[arg(long, value_name = "PEOPLE")]
        team_size: Option<u32>,
        /// How long a sprint is.
        #[arg(long, value_name = "DAYS")]
        sprint_days: Option<u32>,
        /// When everything must be done.
        #[arg(long, value_name = "YYYY-MM-DD")]
        deadline: Option<chrono::NaiveDate>,
        /// Other constraints to respect, in words.
        #[arg(long)]
        constraints: Option<String>,
        /// An answer to the model's questions (repeatable, in the order it asked them).
        #[arg(long = "answer", value_name = "TEXT")]
        answers: Vec<String>,
        /// Revise pending backlog proposal ID with --instruction; the revision replaces it.
        #[arg(long, value_name = "ID", requires = "instruction")]
        refine: Option<i64>,
        /// What to change in the backlog being refined ("make stories smaller").
        #[arg(long)]
        instruction: Option<String>,
        /// A named profile from [llm.profiles.NAME] instead of [llm].
        #[arg(long, value_name = "NAME", add = ArgValueCompleter::new(complete::profiles))]
        profile: Option<String>,
        /// Print the proposal as JSON.
        #[arg(long)]
        json: bool,
    },

    /// Push applied changes (the outbox) to GitLab and Jira; failed ones are tried again.
    #[command(
        after_help = "Examples:\n  sprintdeck push                 send what applied proposals changed\n  sprintdeck push --dry-run       print the requests instead of sending them\n  sprintdeck push --source work   one source\n\nA created issue is never made twice: its description carries a marker the tracker is\nsearched for before any second attempt. [proposals] write_back = false keeps changes local."
    )]
    Push {
        #[arg(long, value_name = "NAME", add = ArgValueCompleter::new(complete::sources))]
        source: Option<String>,
        /// Print the HTTP requests that would be sent; send nothing (reads still happen).
        #[arg(long)]
        dry_run: bool,
    },

    /// Check the config, the database and each source, and say what to fix.
    Doctor,

    /// Print the shell code that completes commands, options, issue keys, sources, profiles and
    /// templates (asking sprintdeck as you type), e.g. `source <(sprintdeck completions bash)`.
    #[command(
        after_help = "Install (each reads the workspace on every tab, so keys stay current):\n  bash  echo 'source <(sprintdeck completions bash)' >> ~/.bashrc\n  zsh   echo 'source <(sprintdeck completions zsh)' >> ~/.zshrc\n  fish  sprintdeck completions fish > ~/.config/fish/completions/sprintdeck.fish\n\nCompletion reads the config from SPRINTDECK_CONFIG or the default place, and the\ndatabase the config names (a --config or --db typed on the same line is not seen)."
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the manual page (roff), made from this help: `sprintdeck man | man -l -`.
    #[command(
        after_help = "Examples:\n  sprintdeck man | man -l -                          read it now\n  sprintdeck man > ~/.local/share/man/man1/sprintdeck.1\n  sprintdeck man report                              one command's page\n  sprintdeck man --dir ~/.local/share/man/man1       every page"
    )]
    Man {
        /// A command's own page (`report`, `prompt render`) instead of the main one.
        command: Vec<String>,
        /// Write sprintdeck.1 and a page per command into this directory instead.
        #[arg(long, value_name = "DIR", conflicts_with = "command")]
        dir: Option<PathBuf>,
    },

    /// Keep a source's token (or an [llm] key) in the OS keyring, read through `token_keyring`.
    #[command(subcommand)]
    Auth(AuthCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Store a token in the OS keyring: typed without echo, or piped on standard input.
    #[command(
        after_help = "Examples:\n  sprintdeck auth login work                 prompts for the token of source \"work\"\n  pass show gitlab | sprintdeck auth login work\n  sprintdeck auth login --llm                the key of [llm]\n  sprintdeck auth login --llm local          the key of [llm.profiles.local]\n\nThe token goes where the source's token_keyring (\"SERVICE/ACCOUNT\") points, by\ndefault sprintdeck/NAME; add that line to the source if it is not there yet. The OS\nkeyring is the macOS Keychain, the Windows Credential Manager, or on Linux the\nkernel's keyring (kept until reboot or logout: log in again then)."
    )]
    Login {
        /// The source's `name` (or, with --llm, a profile name).
        #[arg(
            value_name = "SOURCE",
            required_unless_present = "llm",
            add = ArgValueCompleter::new(complete::sources)
        )]
        name: Option<String>,
        /// The API key of [llm] (or of [llm.profiles.NAME]) instead of a source's token.
        #[arg(long)]
        llm: bool,
    },
    /// Remove a stored token from the OS keyring.
    Logout {
        #[arg(
            value_name = "SOURCE",
            required_unless_present = "llm",
            add = ArgValueCompleter::new(complete::sources)
        )]
        name: Option<String>,
        #[arg(long)]
        llm: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
    Md,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoShape {
    /// Three projects, one team (the demo that opens without a config).
    Default,
    /// Several teams on GitLab and Jira at once.
    Teams,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
    Md,
}

impl Command {
    /// What it changes in the team's data (refused under `--read-only`), when it does.
    pub fn writes(&self) -> Option<&'static str> {
        match self {
            Self::Plan { .. } => Some("plan"),
            Self::Analyze { .. } => Some("analyze"),
            Self::Generate { .. } => Some("generate"),
            Self::Push { .. } => Some("push"),
            Self::Sync { .. } => Some("sync"),
            Self::Proposals(
                ProposalsCommand::Apply { .. }
                | ProposalsCommand::Reject { .. }
                | ProposalsCommand::Undo,
            ) => Some("proposals"),
            _ => None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum PromptCommand {
    /// Render an issue into a template; the prompt goes to stdout unless --copy or --out.
    #[command(
        after_help = "Examples:\n  sprintdeck prompt render OPS-12                      the default template (implement)\n  sprintdeck prompt render OPS-12 --template write-tests --copy\n  sprintdeck prompt render web/shop#7 --template review --var diff_url=https://…/merge_requests/9\n\nEach render is kept as a version (a new one only when the issue or template changed); the\nversion, token estimate and size go to standard error. --copy uses the terminal's clipboard\n(OSC 52), which works over SSH and inside tmux."
    )]
    Render {
        /// The issue key, e.g. OPS-12 or web/shop#12.
        #[arg(add = ArgValueCompleter::new(complete::issue_keys))]
        key: String,
        #[arg(
            long,
            short,
            default_value = "implement",
            value_name = "NAME",
            add = ArgValueCompleter::new(complete::templates)
        )]
        template: String,
        /// A value for an input the template declares (repeatable).
        #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
        vars: Vec<(String, String)>,
        /// Copy to the clipboard through the terminal instead of printing.
        #[arg(long, conflicts_with = "out")]
        copy: bool,
        /// Write to this file instead of printing.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Check every template (built-in and the config dir's prompts/issue/*.md); exit 1 on errors.
    Lint,
    /// The templates: name, where from, description, declared inputs.
    List,
    /// The variables templates can use, and the filters.
    Vars,
    /// An issue's prompt versions, newest first.
    Versions {
        #[arg(add = ArgValueCompleter::new(complete::issue_keys))]
        key: String,
    },
    /// One version's text.
    Show { version: i64 },
    /// Attach the agent's answer (a text file of at most 5 MiB, or - for standard input) to a
    /// version. The same text twice is kept once.
    Output { version: i64, file: PathBuf },
    /// Prompts today and this week, average tokens, most-used templates, issues with most versions.
    Stats {
        #[arg(long)]
        json: bool,
    },
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("expected NAME=VALUE, got `{s}`"))
}

#[derive(Debug, Subcommand)]
pub enum ProposalsCommand {
    /// Proposals, newest first (pending only unless --all).
    List {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// One proposal: its explanation, evidence and changes as a diff.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Apply a pending proposal, all or nothing (a changed issue makes it conflicted).
    Apply { id: i64 },
    /// Reject a pending proposal.
    Reject {
        id: i64,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Undo the last applied proposal (as a new proposal, applied the same way).
    Undo,
    /// Who decided what, and when.
    Audit {
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}
