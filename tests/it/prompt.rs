//! Issue-to-prompt: template lint (one fixture per case, exact messages), renders of demo
//! issues with each built-in template (snapshots), literal issue text, token counts against
//! published values, immutable versions, outputs, OSC 52, and the command line.

use std::collections::BTreeMap;

use sprintdeck::clipboard;
use sprintdeck::prompt::{self, Library, Request, Tokenizer, templates};
use sprintdeck::store::{Store, prompts};

use crate::common::{BinaryEnv, demo_store, fixture, now};

fn lint_fixture(name: &str) -> Vec<String> {
    let path = fixture(&format!("prompts/lint/{name}"));
    let source = std::fs::read_to_string(&path).expect("fixture");
    let origin = format!("tests/fixtures/prompts/lint/{name}");
    match templates::parse(name.trim_end_matches(".md"), &origin, &source) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[rstest::rstest]
#[case("declared-input.md", &[])]
#[case(
    "unknown-variable.md",
    &["tests/fixtures/prompts/lint/unknown-variable.md:3: unknown variable `titel` (did you mean `title`?)"]
)]
#[case(
    "unknown-parent-field.md",
    &["tests/fixtures/prompts/lint/unknown-parent-field.md:1: unknown field `parent.name` (parent has key, title, status)"]
)]
#[case(
    "front-matter-offset.md",
    &["tests/fixtures/prompts/lint/front-matter-offset.md:4: unknown variable `nobody`"]
)]
#[case(
    "bad-front-matter.md",
    &["tests/fixtures/prompts/lint/bad-front-matter.md:3: front matter: unknown key `owner` (known: description, vars)"]
)]
#[case(
    "unclosed-front-matter.md",
    &["tests/fixtures/prompts/lint/unclosed-front-matter.md:1: front matter: no closing `---`"]
)]
#[case(
    "front-matter-not-key-value.md",
    &["tests/fixtures/prompts/lint/front-matter-not-key-value.md:3: front matter: expected `key: value`, found `{{ key }}`"]
)]
#[case(
    "input-shadows-variable.md",
    &["tests/fixtures/prompts/lint/input-shadows-variable.md:2: front matter: `title` is already an issue variable"]
)]
#[case(
    "unbalanced-block.md",
    &["tests/fixtures/prompts/lint/unbalanced-block.md:2: syntax error: unexpected end of input, expected end of block"]
)]
fn template_lint_names_file_line_and_problem(#[case] file: &str, #[case] expected: &[&str]) {
    assert_eq!(lint_fixture(file), expected);
}

#[test]
fn an_oversized_or_broken_override_is_reported_and_not_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("big.md"), "x".repeat(40_000)).expect("write");
    // A broken file named like a built-in replaces it: the user's intent is not silently lost.
    std::fs::write(dir.path().join("implement.md"), "{{ nope }}\n").expect("write");
    std::fs::write(dir.path().join("mine.md"), "Do {{ key }}\n").expect("write");
    let library = Library::load(Some(dir.path()));
    let errors: Vec<String> = library.errors.iter().map(ToString::to_string).collect();
    let big = dir.path().join("big.md");
    let implement = dir.path().join("implement.md");
    assert_eq!(
        errors,
        [
            format!(
                "{}: the template is 40000 bytes, over the 32768-byte limit",
                big.display()
            ),
            format!("{}:1: unknown variable `nope`", implement.display()),
        ]
    );
    assert_eq!(library.names(), ["write-tests", "review", "mine"]);
}

async fn issue(store: &Store, sql: &'static str) -> (i64, String) {
    sqlx::query_as(sql)
        .fetch_one(store.pool())
        .await
        .expect(sql)
}

fn request(issue_id: i64, template: &str) -> Request {
    Request {
        issue_id,
        template: template.into(),
        vars: BTreeMap::new(),
        tokenizer: Tokenizer::Cl100k,
        author: "ana.souza".into(),
    }
}

#[tokio::test]
async fn demo_issues_render_with_each_built_in_template() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let library = Library::load(None);
    assert!(library.errors.is_empty(), "{:?}", library.errors);
    let picks = [
        (
            "story",
            "SELECT id, key FROM issues WHERE issue_type = 'story' AND parent_id IS NOT NULL \
             AND description LIKE '%Acceptance criteria%' ORDER BY id LIMIT 1",
        ),
        (
            "bug",
            "SELECT id, key FROM issues WHERE issue_type = 'bug' ORDER BY id LIMIT 1",
        ),
        (
            "linked",
            "SELECT i.id, i.key FROM issues i JOIN issue_links l ON l.from_issue_id = i.id \
             ORDER BY i.id LIMIT 1",
        ),
    ];
    for (label, sql) in picks {
        let (id, key) = issue(&store, sql).await;
        for template in ["implement", "write-tests", "review"] {
            let mut r = request(id, template);
            if template == "review" {
                r.vars
                    .insert("diff_url".into(), "https://example.test/mr/1".into());
            }
            let rendered = prompt::render_issue(&store, &library, r, now())
                .await
                .expect("renders");
            let v = &rendered.version;
            assert_eq!(v.issue_key, key);
            assert!(v.text.contains(&key), "{}", v.text);
            assert_eq!(
                usize::try_from(v.tokens).expect("tokens"),
                Tokenizer::Cl100k.count(&v.text)
            );
            insta::assert_snapshot!(format!("prompt_{label}_{template}"), v.text);
        }
    }
}

#[tokio::test]
async fn issue_text_that_looks_like_a_template_renders_literally() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let (id, _) = issue(&store, "SELECT id, key FROM issues ORDER BY id LIMIT 1").await;
    store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                sqlx::query(
                    "UPDATE issues SET title = 'Use {{ key }} and {% if x %}', \
                     description = '{{ description }} {# not a comment #} {% raw %}' WHERE id = ?",
                )
                .bind(id)
                .execute(&mut *c)
                .await?;
                Ok(())
            })
        })
        .await
        .expect("update");
    let rendered = prompt::render_issue(
        &store,
        &Library::load(None),
        request(id, "implement"),
        now(),
    )
    .await
    .expect("renders");
    let text = &rendered.version.text;
    assert!(text.contains("# Use {{ key }} and {% if x %}"), "{text}");
    assert!(
        text.contains("{{ description }} {# not a comment #} {% raw %}"),
        "{text}"
    );
}

#[test]
fn token_counts_match_published_encodings() {
    // Published examples: OpenAI's cookbook ("How to count tokens with tiktoken") and the
    // tiktoken test suites: cl100k "tiktoken is great!" = [83, 1609, 5963, 374, 2294, 0],
    // "hello world" = [15339, 1917] in cl100k and [24912, 2375] in o200k.
    assert_eq!(Tokenizer::Cl100k.count("tiktoken is great!"), 6);
    assert_eq!(Tokenizer::Cl100k.count("hello world"), 2);
    assert_eq!(
        Tokenizer::Cl100k.count("Hello, world! How are you today?"),
        9
    );
    assert_eq!(Tokenizer::O200k.count("hello world"), 2);
    assert_eq!(
        Tokenizer::Approx.count("abcdefghi"),
        3,
        "9 characters / 4, rounded up"
    );
    assert_eq!(Tokenizer::for_model("gpt-4o-mini"), Tokenizer::O200k);
    assert_eq!(
        Tokenizer::for_model("openai/gpt-4.1-nano"),
        Tokenizer::O200k
    );
    assert_eq!(Tokenizer::for_model("gpt-4-turbo"), Tokenizer::Cl100k);
    assert_eq!(Tokenizer::for_model("claude-sonnet-4-5"), Tokenizer::Approx);
}

#[tokio::test]
async fn versions_are_immutable_and_new_only_when_inputs_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let (id, _) = issue(&store, "SELECT id, key FROM issues ORDER BY id LIMIT 1").await;
    let library = Library::load(None);
    let first = prompt::render_issue(&store, &library, request(id, "implement"), now())
        .await
        .expect("renders");
    assert!(first.created);
    let again = prompt::render_issue(&store, &library, request(id, "implement"), now())
        .await
        .expect("renders");
    assert!(!again.created, "same inputs: the same version");
    assert_eq!(again.version.id, first.version.id);
    // The store refuses to edit a version.
    let vid = first.version.id;
    let edit = store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                sqlx::query("UPDATE prompt_versions SET text = 'tampered' WHERE id = ?")
                    .bind(vid)
                    .execute(&mut *c)
                    .await?;
                Ok(())
            })
        })
        .await;
    let err = edit.expect_err("updates are refused").to_string();
    assert!(err.contains("immutable"), "{err}");
    // The issue changes: a new version; the old one is untouched.
    store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                sqlx::query("UPDATE issues SET title = title || ' (v2)' WHERE id = ?")
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                Ok(())
            })
        })
        .await
        .expect("update");
    let changed = prompt::render_issue(&store, &library, request(id, "implement"), now())
        .await
        .expect("renders");
    assert!(changed.created);
    assert!(changed.version.id > first.version.id);
    let old = prompts::version(store.pool(), first.version.id)
        .await
        .expect("query")
        .expect("kept");
    assert_eq!(old.text, first.version.text);
    // A changed template (same text out) is a new version too.
    let dir2 = tempfile::tempdir().expect("tempdir");
    let builtin = library.get("implement").expect("implement").body.clone();
    std::fs::write(
        dir2.path().join("implement.md"),
        format!("---\ndescription: edited\n---\n{builtin}"),
    )
    .expect("write");
    let edited = Library::load(Some(dir2.path()));
    let by_template = prompt::render_issue(&store, &edited, request(id, "implement"), now())
        .await
        .expect("renders");
    assert_eq!(by_template.version.text, changed.version.text);
    assert!(by_template.created, "the template's hash differs");
    let all = prompts::versions(store.pool(), id).await.expect("versions");
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn outputs_are_kept_once_and_limits_hold() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_store(&dir).await;
    let (id, _) = issue(&store, "SELECT id, key FROM issues ORDER BY id LIMIT 1").await;
    let library = Library::load(None);
    let a = prompt::render_issue(&store, &library, request(id, "implement"), now())
        .await
        .expect("renders")
        .version
        .id;
    let b = prompt::render_issue(&store, &library, request(id, "review").tap_vars(), now())
        .await
        .expect("renders")
        .version
        .id;
    let attach = |version: i64, text: &'static str| {
        let store = &store;
        async move {
            store
                .writer()
                .transaction(move |c| {
                    Box::pin(async move {
                        prompts::attach_output(c, version, text, "answer.md", now()).await
                    })
                })
                .await
                .expect("attach")
        }
    };
    let (sha, added) = attach(a, "the agent's answer").await;
    assert!(added);
    assert_eq!(sha, prompts::sha256(b"the agent's answer"));
    assert!(
        !attach(a, "the agent's answer").await.1,
        "the same text twice is kept once"
    );
    assert!(
        attach(b, "the agent's answer").await.1,
        "another version may have it too"
    );
    let count = |sql: &'static str| {
        let pool = store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .expect(sql)
        }
    };
    assert_eq!(count("SELECT count(*) FROM prompt_outputs").await, 2);
    assert_eq!(
        count("SELECT count(*) FROM prompt_output_blobs").await,
        1,
        "stored once"
    );
    // Limits, before anything is stored.
    let big = vec![b'a'; prompts::MAX_OUTPUT_BYTES + 1];
    assert_eq!(
        prompts::check_output(&big),
        Err(prompts::OutputError::TooLarge {
            bytes: prompts::MAX_OUTPUT_BYTES + 1
        })
    );
    assert_eq!(
        prompts::check_output(&[0x89, b'P', b'N', b'G', 0, 0]),
        Err(prompts::OutputError::Binary)
    );
    assert_eq!(
        prompts::check_output(b"text\0with nul"),
        Err(prompts::OutputError::Binary)
    );
    assert_eq!(prompts::check_output("ok ✓".as_bytes()), Ok("ok ✓"));
    let stats = prompts::stats(store.pool(), now()).await.expect("stats");
    assert_eq!(
        (stats.today, stats.this_week, stats.total, stats.outputs),
        (2, 2, 2, 2)
    );
    assert_eq!(stats.top_issues.first().map(|(_, n)| *n), Some(2));
}

trait TapVars {
    fn tap_vars(self) -> Self;
}

impl TapVars for Request {
    fn tap_vars(mut self) -> Self {
        self.vars.insert("diff_url".into(), String::new());
        self
    }
}

#[test]
fn osc52_sequence_and_tmux_passthrough() {
    let seq = clipboard::osc52("hi ✓".as_bytes());
    assert_eq!(seq, "\x1b]52;c;aGkg4pyT\x1b\\", "{seq:?}");
    let wrapped = clipboard::tmux_passthrough(&seq);
    assert_eq!(
        wrapped, "\x1bPtmux;\x1b\x1b]52;c;aGkg4pyT\x1b\x1b\\\x1b\\",
        "{wrapped:?}"
    );
    // Outside tmux the plain sequence goes to the terminal.
    let mut out = Vec::new();
    clipboard::copy_with(&mut out, "hi", None).expect("written");
    assert_eq!(out, clipboard::osc52(b"hi").as_bytes());
}

#[tokio::test]
async fn the_command_line_renders_lints_attaches_and_counts() {
    let env = BinaryEnv::new(
        "[prompts]\ntokenizer = \"cl100k\"\n",
        ("SPRINTDECK_UNUSED", ""),
    );
    let out = env.run(&["prompt", "render", "OPS-12"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("You are working on OPS-12"), "{text}");
    assert!(
        stderr.contains("OPS-12 · implement · version 1 (new) ·") && stderr.contains("(cl100k)"),
        "{stderr}"
    );
    let out = env
        .run(&["prompt", "render", "OPS-12", "--template", "review"])
        .await;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("template `review` needs diff_url"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = env.dir.path().join("answer.md");
    std::fs::write(&file, "done: see the diff").expect("write");
    let path = file.to_str().expect("path");
    let out = env.run(&["prompt", "output", "1", path]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let binary = env.dir.path().join("image.png");
    std::fs::write(&binary, [0x89, b'P', b'N', b'G', 0, 1, 2]).expect("write");
    let out = env
        .run(&["prompt", "output", "1", binary.to_str().expect("path")])
        .await;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not text (binary data)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = env.run(&["prompt", "stats", "--json"]).await;
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(stats["total"], 1);
    assert_eq!(stats["outputs"], 1);
    // A broken template in the config dir fails the lint with its file and line.
    let dir = env.dir.path().join("prompts/issue");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("broken.md"), "ok\n{{ titel }}\n").expect("write");
    let out = env.run(&["prompt", "lint"]).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.md:2: unknown variable `titel` (did you mean `title`?)"),
        "{stderr}"
    );
}

mod pane {
    use std::sync::Arc;

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use sprintdeck::app::state::{PromptStage, Tab};
    use sprintdeck::app::{Effect, Msg};

    use crate::panes::{draw, text};
    use crate::tui::{Harness, settings};

    fn stage(h: &Harness) -> &PromptStage {
        &h.state
            .prompt
            .as_ref()
            .expect("the prompt pane is open")
            .stage
    }

    #[tokio::test]
    async fn p_renders_the_selected_issue_and_the_preview_copies_writes_pipes_and_attaches() {
        let mut h = Harness::with(settings(), (100, 30), Tab::Backlog).await;
        let out = tempfile::tempdir().expect("tempdir");
        let mut setup = sprintdeck::prompt::Setup::built_in();
        setup.out_dir = out.path().join("prompts");
        setup.author = "ana.souza".into();
        h.io.prompts = Arc::new(setup);
        let key = h.selected_key().expect("a row");
        h.key(KeyCode::Char('p')).await;
        assert!(matches!(stage(&h), PromptStage::Pick { selected: 0 }));
        let screen = text(&draw(&h.state));
        assert!(
            screen.contains("implement") && screen.contains("asks for diff_url"),
            "{screen}"
        );
        // review asks for its input first.
        h.key(KeyCode::Char('j')).await;
        h.key(KeyCode::Char('j')).await;
        h.key(KeyCode::Enter).await;
        assert!(matches!(stage(&h), PromptStage::Inputs { .. }));
        h.keys("https://example.test/mr/7").await;
        h.key(KeyCode::Enter).await;
        let PromptStage::Preview(r) = stage(&h) else {
            panic!("{:?}", stage(&h));
        };
        let text_rendered = r.version.text.clone();
        assert!(text_rendered.contains("https://example.test/mr/7"));
        assert!(text_rendered.contains(&key));
        let screen = text(&draw(&h.state));
        assert!(
            screen.contains(&format!("{key} · review · version 1 (new) · "))
                && screen.contains(" tokens (approx)"),
            "{screen}"
        );
        insta::assert_snapshot!("prompt_preview_100x30", screen);
        // y copies (through the terminal: an effect outside the store).
        h.key(KeyCode::Char('y')).await;
        assert!(
            h.outside
                .iter()
                .any(|e| matches!(e, Effect::Copy { text, .. } if *text == text_rendered)),
            "{:?}",
            h.outside
        );
        // w writes a file in the data dir.
        h.key(KeyCode::Char('w')).await;
        let file = std::fs::read_dir(out.path().join("prompts"))
            .expect("dir")
            .next()
            .expect("a file")
            .expect("entry")
            .path();
        assert_eq!(std::fs::read_to_string(&file).expect("read"), text_rendered);
        assert!(
            h.state
                .flash
                .as_ref()
                .is_some_and(|f| f.text.starts_with("written to")),
            "{:?}",
            h.state.flash
        );
        // | needs [prompts] pipe; with one, the prompt is its standard input.
        h.key(KeyCode::Char('|')).await;
        assert!(
            h.state
                .flash
                .as_ref()
                .is_some_and(|f| f.error && f.text.contains("[prompts] pipe"))
        );
        let piped = out.path().join("piped.txt");
        h.state.settings.prompt_pipe = Some(format!("cat > '{}'", piped.display()));
        h.key(KeyCode::Char('|')).await;
        assert_eq!(
            std::fs::read_to_string(&piped).expect("piped"),
            text_rendered
        );
        let failing = "echo nope >&2; exit 3".to_owned();
        h.state.settings.prompt_pipe = Some(failing);
        h.key(KeyCode::Char('|')).await;
        assert!(
            h.state
                .flash
                .as_ref()
                .is_some_and(|f| f.error && f.text.contains("nope")),
            "{:?}",
            h.state.flash
        );
        // o: paste the agent's answer, ctrl-s keeps it.
        h.key(KeyCode::Char('o')).await;
        assert!(matches!(stage(&h), PromptStage::Output { .. }));
        h.send(Msg::Paste("All criteria met.\nSee the diff.".into()))
            .await;
        h.send(Msg::Key(KeyEvent::new(
            KeyCode::Char('s'),
            KeyModifiers::CONTROL,
        )))
        .await;
        assert!(matches!(stage(&h), PromptStage::Preview(_)));
        let kept: String = sqlx::query_scalar(
            "SELECT b.text FROM prompt_outputs o JOIN prompt_output_blobs b USING (sha256)",
        )
        .fetch_one(h.store.pool())
        .await
        .expect("kept");
        assert_eq!(kept, "All criteria met.\nSee the diff.");
        h.key(KeyCode::Esc).await;
        assert!(h.state.prompt.is_none());
    }
}
