//! The people of the world: most have an account in both trackers under different names (a
//! GitLab username, often typed without accents, and a Jira display name with them), some in
//! one tracker only; some Jira profiles hide the e-mail; one name is hostile.

use super::hostile;
use super::model::{Email, GitlabUser, JiraUser, Person};

struct Spec {
    name: &'static str,
    email: &'static str,
    /// (username, GitLab `name`).
    gitlab: Option<(&'static str, &'static str)>,
    /// (display name, how the e-mail shows).
    jira: Option<(&'static str, Shows)>,
}

#[derive(Clone, Copy)]
enum Shows {
    Yes,
    /// Hidden: the key is left out.
    Absent,
    /// Hidden: `"emailAddress": null`.
    Null,
}
use Shows::{Absent, Null, Yes};

const PEOPLE: &[Spec] = &[
    Spec {
        name: "Zoë Ångström",
        email: "zoe.angstrom@acme.example",
        gitlab: Some(("zoe.angstrom", "Zoe Angstrom")),
        jira: Some(("Zoë Ångström", Yes)),
    },
    Spec {
        name: "Ana Souza",
        email: "ana.souza@acme.example",
        gitlab: Some(("ana.souza", "Ana Souza")),
        jira: Some(("Ana Souza", Absent)),
    },
    Spec {
        name: "Björn Lund",
        email: "bjorn.lund@acme.example",
        gitlab: Some(("blund", "Björn Lund")),
        jira: Some(("Björn Lund", Yes)),
    },
    Spec {
        name: "Chloé Martin",
        email: "chloe.martin@acme.example",
        gitlab: Some(("chloe", "Chloe Martin")),
        jira: Some(("Chloé Martin (contractor)", Null)),
    },
    Spec {
        name: "Diego García",
        email: "diego.garcia@acme.example",
        gitlab: Some(("dgarcia", "Diego Garcia")),
        jira: Some(("Diego García", Yes)),
    },
    Spec {
        name: "Emeka Obi",
        email: "emeka.obi@acme.example",
        gitlab: Some(("emeka", "Emeka Obi")),
        jira: None,
    },
    Spec {
        name: "Fatima Khan",
        email: "fatima.khan@acme.example",
        gitlab: None,
        jira: Some(("Fatima Khan", Yes)),
    },
    Spec {
        name: "佐藤 花",
        email: "hana.sato@acme.example",
        gitlab: Some(("hana.sato", "佐藤 花")),
        jira: Some(("Hana Sato", Yes)),
    },
    Spec {
        name: "Nguyễn Văn An",
        email: "an.nguyen@acme.example",
        gitlab: Some(("an.nguyen", "Nguyen Van An")),
        jira: Some(("Nguyễn Văn An", Absent)),
    },
    Spec {
        name: "Siobhán O'Brien",
        email: "siobhan.obrien@acme.example",
        gitlab: Some(("sobrien", "Siobhán O'Brien")),
        jira: Some(("O'Brien, Siobhán", Yes)),
    },
    Spec {
        name: "Kai Müller-Lüdenscheidt",
        email: "kai.mueller@acme.example",
        gitlab: Some(("kmueller", "Kai Mueller-Luedenscheidt")),
        jira: Some(("Kai Müller-Lüdenscheidt", Yes)),
    },
    Spec {
        name: "Priya Raman",
        email: "priya.raman@acme.example",
        gitlab: None,
        jira: Some(("Priya Raman", Null)),
    },
];

/// Everyone, in a fixed order; the last one carries hostile names in both trackers.
pub fn roster() -> Vec<Person> {
    let mut out: Vec<Person> = PEOPLE
        .iter()
        .enumerate()
        .map(|(i, s)| Person {
            name: s.name.to_owned(),
            email: s.email.to_owned(),
            gitlab: s.gitlab.map(|(username, name)| GitlabUser {
                id: 1001 + i as u64,
                username: username.to_owned(),
                name: name.to_owned(),
            }),
            jira: s.jira.map(|(display, shows)| JiraUser {
                account_id: account_id(i as u64),
                display_name: display.to_owned(),
                email: match shows {
                    Yes => Email::Shown(s.email.to_owned()),
                    Absent => Email::Absent,
                    Null => Email::Null,
                },
                active: true,
                account_type: "atlassian",
            }),
        })
        .collect();
    let n = out.len() as u64;
    out.push(Person {
        name: hostile::PERSON_NAME.to_owned(),
        email: "mallory@acme.example".to_owned(),
        gitlab: Some(GitlabUser {
            id: 1001 + n,
            username: "mallory".to_owned(),
            name: hostile::GITLAB_USER_NAME.to_owned(),
        }),
        jira: Some(JiraUser {
            account_id: account_id(n),
            display_name: hostile::JIRA_DISPLAY_NAME.to_owned(),
            email: Email::Absent,
            active: true,
            account_type: "atlassian",
        }),
    });
    // Who left the company: Jira shows "Former user"; an automation account reports issues.
    for (k, (name, display, active, kind)) in [
        ("Olaf Former", "Former user", false, "atlassian"),
        ("Automation for Jira", "Automation for Jira", true, "app"),
    ]
    .into_iter()
    .enumerate()
    {
        out.push(Person {
            name: name.to_owned(),
            email: String::new(),
            gitlab: None,
            jira: Some(JiraUser {
                account_id: account_id(n + 1 + k as u64),
                display_name: display.to_owned(),
                email: Email::Null,
                active,
                account_type: kind,
            }),
        });
    }
    out
}

/// A Cloud account id in today's form (`712020:` and a UUID), fixed per person.
fn account_id(n: u64) -> String {
    let a = 0x3f8d_2c7e_u64.wrapping_add(n.wrapping_mul(0x9e37_79b9));
    format!(
        "712020:{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a & 0xffff_ffff,
        (a >> 7) & 0xffff,
        n & 0xfff,
        (n * 7) & 0xfff,
        0x5b10_a284_4c20_u64 + n
    )
}
