//! The world being served, with the indexes a server needs to answer in time at 100k issues
//! (by id, by project, by key including moved-away keys, links by issue). Rebuilt after every
//! change; `version` tells searches that their snapshot is stale.

use std::collections::HashMap;

use sprintdeck::demo::teams::World;
use sprintdeck::demo::teams::model::{GitlabIssue, JiraIssue};

pub struct Served {
    pub world: World,
    pub version: u64,
    gl_by_id: HashMap<u64, usize>,
    gl_by_iid: HashMap<(u64, u64), usize>,
    /// Issue indexes per project, in id order.
    pub gl_by_project: HashMap<u64, Vec<usize>>,
    gl_links: HashMap<u64, Vec<usize>>,
    epics_by_id: HashMap<u64, usize>,
    jr_by_id: HashMap<u64, usize>,
    /// Current and earlier keys.
    jr_by_key: HashMap<String, usize>,
    jr_links: HashMap<u64, Vec<usize>>,
    jr_children: HashMap<u64, Vec<usize>>,
    jr_remote: HashMap<u64, Vec<usize>>,
}

impl Served {
    pub fn new(world: World) -> Self {
        let mut s = Self {
            world,
            version: 0,
            gl_by_id: HashMap::new(),
            gl_by_iid: HashMap::new(),
            gl_by_project: HashMap::new(),
            gl_links: HashMap::new(),
            epics_by_id: HashMap::new(),
            jr_by_id: HashMap::new(),
            jr_by_key: HashMap::new(),
            jr_links: HashMap::new(),
            jr_children: HashMap::new(),
            jr_remote: HashMap::new(),
        };
        s.reindex();
        s
    }

    pub fn reindex(&mut self) {
        self.version += 1;
        let gl = &self.world.gitlab;
        self.gl_by_id = gl
            .issues
            .iter()
            .enumerate()
            .map(|(n, i)| (i.id, n))
            .collect();
        self.gl_by_iid = gl
            .issues
            .iter()
            .enumerate()
            .map(|(n, i)| ((i.project_id, i.iid), n))
            .collect();
        let mut by_project: HashMap<u64, Vec<usize>> = HashMap::new();
        for (n, i) in gl.issues.iter().enumerate() {
            by_project.entry(i.project_id).or_default().push(n);
        }
        self.gl_by_project = by_project;
        let mut links: HashMap<u64, Vec<usize>> = HashMap::new();
        for (n, l) in gl.links.iter().enumerate() {
            links.entry(l.source_issue_id).or_default().push(n);
            links.entry(l.target_issue_id).or_default().push(n);
        }
        self.gl_links = links;
        self.epics_by_id = gl
            .epics
            .iter()
            .enumerate()
            .map(|(n, e)| (e.id, n))
            .collect();
        let jr = &self.world.jira;
        self.jr_by_id = jr
            .issues
            .iter()
            .enumerate()
            .map(|(n, i)| (i.id, n))
            .collect();
        let mut keys = HashMap::new();
        for (n, i) in jr.issues.iter().enumerate() {
            for m in &i.moves {
                keys.insert(m.from_key.clone(), n);
            }
        }
        for (n, i) in jr.issues.iter().enumerate() {
            keys.insert(i.key.clone(), n);
        }
        self.jr_by_key = keys;
        let mut links: HashMap<u64, Vec<usize>> = HashMap::new();
        for (n, l) in jr.links.iter().enumerate() {
            links.entry(l.outward_issue_id).or_default().push(n);
            links.entry(l.inward_issue_id).or_default().push(n);
        }
        self.jr_links = links;
        let mut children: HashMap<u64, Vec<usize>> = HashMap::new();
        for (n, i) in jr.issues.iter().enumerate() {
            if let Some(p) = i.parent_id {
                children.entry(p).or_default().push(n);
            }
        }
        self.jr_children = children;
        let mut remote: HashMap<u64, Vec<usize>> = HashMap::new();
        for (n, l) in jr.remote_links.iter().enumerate() {
            remote.entry(l.jira_issue_id).or_default().push(n);
        }
        self.jr_remote = remote;
    }

    pub fn gl_issue(&self, id: u64) -> Option<&GitlabIssue> {
        self.gl_by_id
            .get(&id)
            .map(|n| &self.world.gitlab.issues[*n])
    }

    pub fn gl_issue_by_iid(&self, project: u64, iid: u64) -> Option<&GitlabIssue> {
        self.gl_by_iid
            .get(&(project, iid))
            .map(|n| &self.world.gitlab.issues[*n])
    }

    pub fn gl_project_issues(&self, project: u64) -> impl Iterator<Item = &GitlabIssue> {
        self.gl_by_project
            .get(&project)
            .into_iter()
            .flatten()
            .map(|n| &self.world.gitlab.issues[*n])
    }

    pub fn gl_links_of(
        &self,
        issue: u64,
    ) -> impl Iterator<Item = &sprintdeck::demo::teams::model::GitlabLink> {
        self.gl_links
            .get(&issue)
            .into_iter()
            .flatten()
            .map(|n| &self.world.gitlab.links[*n])
    }

    pub fn epic(&self, id: u64) -> Option<&sprintdeck::demo::teams::model::Epic> {
        self.epics_by_id
            .get(&id)
            .map(|n| &self.world.gitlab.epics[*n])
    }

    pub fn jr_issue(&self, id: u64) -> Option<&JiraIssue> {
        self.jr_by_id.get(&id).map(|n| &self.world.jira.issues[*n])
    }

    /// By id, or by key (current or from before a move), case-insensitively.
    pub fn jr_find(&self, id_or_key: &str) -> Option<&JiraIssue> {
        if let Ok(id) = id_or_key.parse::<u64>() {
            return self.jr_issue(id);
        }
        self.jr_by_key
            .get(&id_or_key.to_ascii_uppercase())
            .map(|n| &self.world.jira.issues[*n])
    }

    pub fn jr_links_of(
        &self,
        issue: u64,
    ) -> impl Iterator<Item = &sprintdeck::demo::teams::model::JiraLink> {
        self.jr_links
            .get(&issue)
            .into_iter()
            .flatten()
            .map(|n| &self.world.jira.links[*n])
    }

    pub fn jr_children_of(&self, issue: u64) -> impl Iterator<Item = &JiraIssue> {
        self.jr_children
            .get(&issue)
            .into_iter()
            .flatten()
            .map(|n| &self.world.jira.issues[*n])
    }

    pub fn jr_remote_links_of(
        &self,
        issue: u64,
    ) -> impl Iterator<Item = &sprintdeck::demo::teams::model::CrossLink> {
        self.jr_remote
            .get(&issue)
            .into_iter()
            .flatten()
            .map(|n| &self.world.jira.remote_links[*n])
    }
}
