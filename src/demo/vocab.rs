//! Words the demo generator builds titles and descriptions from. Mixed scripts on purpose:
//! accents, CJK and emoji must survive every layer from `SQLite` to the terminal.

pub const PEOPLE: &[(&str, &str, f64)] = &[
    ("ana.souza", "Ana Souza", 13.0),
    ("bjorn.lund", "Björn Lund", 13.0),
    ("chloe.martin", "Chloé Martin", 10.0),
    ("diego.garcia", "Diego García", 10.0),
    ("emeka.obi", "Emeka Obi", 8.0),
    ("fatima.khan", "Fatima Khan", 8.0),
    ("hana.sato", "佐藤 花", 5.0),
    ("zoe.muller", "Zoë Müller", 3.0),
];

/// Whose `@me` the demo answers to.
pub const DEMO_ME: &str = "ana.souza";

pub const EPIC_THEMES: &[&str] = &[
    "Checkout redesign",
    "Payments v2",
    "Search relevance",
    "Mobile onboarding",
    "Observability",
    "Accessibility pass",
    "Internationalisation (i18n) für DACH",
    "Loyalty programme 🎁",
    "Incident response runbooks",
    "Platform cost reduction",
    "配送トラッキング",
    "GDPR data export",
    "Performance budget",
    "Design system migration",
];

pub const STORY_VERBS: &[&str] = &[
    "Add",
    "Show",
    "Redesign",
    "Support",
    "Let admins configure",
    "Enable",
    "Personalise",
];
pub const TASK_VERBS: &[&str] = &[
    "Refactor",
    "Migrate",
    "Write tests for",
    "Document",
    "Instrument",
    "Upgrade",
    "Clean up",
    "Automate",
];
pub const BUG_PREFIXES: &[&str] = &[
    "Crash when opening",
    "Wrong total in",
    "Timeout on",
    "Broken layout of",
    "Race condition in",
    "Memory leak in",
    "Encoding error (é → Ã©) in",
    "Flaky test for",
];

pub const OBJECTS: &[&str] = &[
    "the cart summary",
    "saved payment methods",
    "order history",
    "the product page",
    "push notifications",
    "the login form",
    "password reset e-mails",
    "the search results page",
    "gift cards",
    "café menu translations",
    "delivery slots",
    "the Zürich warehouse feed",
    "invoice PDFs",
    "the admin dashboard",
    "rate limiting",
    "the deploy pipeline",
    "database backups",
    "on-call alerts",
    "the status page",
    "TLS certificates",
    "商品一覧ページ",
    "支払い確認メール",
    "用户资料页面",
    "dark mode 🌙",
    "the résumé upload",
    "coupon codes 🏷️",
    "the São Paulo region",
    "feature flags",
];

pub const QUALIFIERS: &[&str] = &[
    "",
    "",
    "",
    " on mobile",
    " for guest users",
    " in Safari",
    " behind a feature flag",
    " for EU customers",
    " under load",
    " (follow-up)",
    " – phase 2",
    " 🚀",
];

pub const ROLES: &[&str] = &[
    "shopper",
    "store admin",
    "support agent",
    "on-call engineer",
    "finance analyst",
    "first-time visitor",
];

pub const BENEFITS: &[&str] = &[
    "I can finish my purchase faster",
    "fewer tickets reach support",
    "we notice problems before customers do",
    "the numbers match the ledger",
    "I trust the product with my data",
    "pages stay fast on slow networks",
];

pub const LABELS_WEB: &[&str] = &[
    "frontend",
    "backend",
    "ux",
    "checkout",
    "tech-debt",
    "customer",
];
pub const LABELS_MOBILE: &[&str] = &[
    "ios",
    "android",
    "ux",
    "onboarding",
    "tech-debt",
    "customer",
];
pub const LABELS_OPS: &[&str] = &[
    "infra",
    "security",
    "monitoring",
    "cost",
    "needs review",
    "incident",
];
