//! How each record from the store, the report and the model is cleaned when it enters the app
//! (`Safe::new`): every text field, one line or a block. Each record is destructured whole, so a
//! text field added to it later does not compile until it is cleaned here too.

use crate::domain::text::{Clean, clean_block};

impl Clean for crate::store::read::IssueRow {
    fn clean(&mut self) {
        let Self {
            id: _,
            key,
            project_key,
            issue_type,
            title,
            status,
            status_category,
            priority,
            priority_rank: _,
            story_points: _,
            due_date,
            created_at,
            updated_at,
            closed_at,
            web_url,
            parent_key,
            assignees,
            labels,
            sprint,
            blocked: _,
        } = self;
        for text in [
            key,
            project_key,
            issue_type,
            title,
            status,
            status_category,
            created_at,
            updated_at,
        ] {
            text.clean();
        }
        for text in [
            priority, due_date, closed_at, web_url, parent_key, assignees, labels, sprint,
        ] {
            text.clean();
        }
    }
}

impl Clean for crate::store::detail::IssueDetail {
    fn clean(&mut self) {
        let Self {
            row,
            extra,
            links,
            events,
            overrides,
            prompt_versions,
            pushes,
        } = self;
        row.clean();
        let crate::store::detail::DetailExtra {
            description,
            reporter,
            parent_id: _,
            parent_key,
            parent_title,
        } = extra;
        clean_block(description);
        for text in [reporter, parent_key, parent_title] {
            text.clean();
        }
        for link in links {
            let crate::store::detail::LinkRow {
                issue_id: _,
                key,
                title,
                status_category,
                relation,
            } = link;
            for text in [key, title, status_category, relation] {
                text.clean();
            }
        }
        for event in events {
            let crate::store::detail::EventRow {
                from_status,
                to_status,
                to_category,
                at,
            } = event;
            from_status.clean();
            for text in [to_status, to_category, at] {
                text.clean();
            }
        }
        let crate::store::detail::Overrides {
            internal_status,
            notes,
            target_date,
            internal_priority,
        } = overrides;
        for text in [internal_status, notes, target_date, internal_priority] {
            text.clean();
        }
        for version in prompt_versions {
            let crate::store::detail::PromptVersionRow {
                id: _,
                template,
                tokens: _,
                author,
                created_at,
                outputs: _,
            } = version;
            for text in [template, author, created_at] {
                text.clean();
            }
        }
        pushes.clean();
    }
}

impl Clean for crate::store::sync_state::RunRow {
    fn clean(&mut self) {
        let Self {
            id: _,
            source_name,
            kind,
            started_at,
            finished_at,
            state,
            pages: _,
            issues_seen: _,
            issues_changed: _,
            error,
        } = self;
        for text in [source_name, kind, started_at, state] {
            text.clean();
        }
        finished_at.clean();
        error.clean();
    }
}

impl Clean for crate::store::chat::Conversation {
    fn clean(&mut self) {
        let Self {
            id: _,
            title,
            profile,
            updated_at,
            questions: _,
        } = self;
        title.clean();
        profile.clean();
        updated_at.clean();
    }
}

impl Clean for crate::store::proposals::AuditRow {
    fn clean(&mut self) {
        let Self {
            id: _,
            at,
            actor,
            action,
            proposal_id: _,
            title,
            detail_json: _,
            run,
        } = self;
        for text in [at, actor, action] {
            text.clean();
        }
        title.clean();
        run.clean();
    }
}

impl Clean for crate::store::prompts::Stats {
    fn clean(&mut self) {
        let Self {
            today: _,
            this_week: _,
            total: _,
            average_tokens: _,
            top_templates,
            top_issues,
            outputs: _,
        } = self;
        for (name, _) in top_templates.iter_mut().chain(top_issues.iter_mut()) {
            name.clean();
        }
    }
}

impl Clean for crate::report::Report {
    fn clean(&mut self) {
        let Self {
            version: _,
            generated_at,
            workspace,
            sprints,
            range,
            sprint,
            counts,
            cycle_time_days: _,
            lead_time_days: _,
            throughput,
            velocity,
            aging_wip,
            people,
        } = self;
        generated_at.clean();
        workspace.clean();
        sprints.clean();
        range.from.clean();
        range.to.clean();
        if let Some(part) = sprint {
            let crate::report::SprintPart {
                name,
                start,
                end,
                days_left: _,
                unit,
                committed: _,
                added: _,
                removed: _,
                completed: _,
                remaining: _,
                carry_over,
                burndown,
            } = part;
            name.clean();
            start.clean();
            end.clean();
            unit.clean();
            carry_over.clean();
            for day in burndown {
                day.day.clean();
            }
        }
        let crate::report::CountsPart {
            scope,
            deltas,
            in_progress,
            completed,
            overdue,
            not_started,
            blocked,
        } = counts;
        scope.clean();
        if let Some(d) = deltas {
            d.against.clean();
        }
        for count in [in_progress, completed, overdue, not_started, blocked] {
            count.keys.clean();
        }
        for week in throughput {
            week.week_of.clean();
        }
        for sprint in &mut velocity.sprints {
            sprint.name.clean();
        }
        for aging in aging_wip {
            aging.key.clean();
        }
        for person in people {
            person.person.clean();
        }
    }
}

impl Clean for crate::generator::Backlog {
    fn clean(&mut self) {
        let Self {
            project,
            questions,
            epics,
        } = self;
        project.clean();
        questions.clean();
        for epic in epics {
            let crate::generator::backlog::Epic {
                title,
                description,
                stories,
            } = epic;
            title.clean();
            clean_block(description);
            for story in stories {
                let crate::generator::backlog::Story {
                    title,
                    description,
                    acceptance_criteria,
                    points: _,
                    labels,
                    tasks,
                } = story;
                title.clean();
                clean_block(description);
                acceptance_criteria.clean();
                labels.clean();
                for task in tasks {
                    let crate::generator::backlog::Task {
                        title,
                        description,
                        points: _,
                    } = task;
                    title.clean();
                    clean_block(description);
                }
            }
        }
    }
}

impl Clean for crate::generator::Violation {
    fn clean(&mut self) {
        let Self {
            path,
            level: _,
            rule: _,
            message,
        } = self;
        path.clean();
        message.clean();
    }
}

impl Clean for crate::generator::diff::DiffLine {
    fn clean(&mut self) {
        let Self {
            mark: _,
            level: _,
            what,
            detail,
        } = self;
        what.clean();
        detail.clean();
    }
}
