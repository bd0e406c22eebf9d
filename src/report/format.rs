//! The report as text: JSON (schema in `docs/report.schema.json`), CSV rows, Markdown and an
//! 80-column table.

use std::fmt::Write as _;

use super::Report;

fn delta_text(d: Option<i64>) -> String {
    match d {
        Some(d) if d > 0 => format!(" (+{d})"),
        Some(d) if d < 0 => format!(" ({d})"),
        Some(_) => " (±0)".to_owned(),
        None => String::new(),
    }
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v}"))
}

pub fn json(report: &Report) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}

/// `section,name,value` rows: easy to load into a spreadsheet or a time series.
pub fn csv(report: &Report) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["section", "name", "value"])?;
    let c = &report.counts;
    for (name, count) in [
        ("in_progress", &c.in_progress),
        ("completed", &c.completed),
        ("overdue", &c.overdue),
        ("not_started", &c.not_started),
        ("blocked", &c.blocked),
    ] {
        w.write_record(["counts", name, &count.count.to_string()])?;
    }
    if let Some(s) = &report.sprint {
        w.write_record(["sprint", "name", &s.name])?;
        w.write_record(["sprint", "unit", s.unit.as_str()])?;
        for (name, v) in [
            ("committed", s.committed),
            ("added", s.added),
            ("removed", s.removed),
            ("completed", s.completed),
            ("remaining", s.remaining),
        ] {
            w.write_record(["sprint", name, &v.to_string()])?;
        }
    }
    for (section, st) in [
        ("cycle_time_days", &report.cycle_time_days),
        ("lead_time_days", &report.lead_time_days),
    ] {
        w.write_record([section, "p50", &num(st.p50)])?;
        w.write_record([section, "p85", &num(st.p85)])?;
    }
    for v in &report.velocity.sprints {
        w.write_record(["velocity", &v.name, &v.points.to_string()])?;
    }
    for week in &report.throughput {
        w.write_record(["throughput", &week.week_of, &week.completed.to_string()])?;
    }
    for p in &report.people {
        w.write_record(["sprint_points", &p.person, &p.sprint_points.to_string()])?;
    }
    let bytes = w.into_inner().map_err(csv::IntoInnerError::into_error)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Markdown to paste into a sprint review.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let title = report
        .sprint
        .as_ref()
        .map_or("All work".to_owned(), |s| s.name.clone());
    let _ = writeln!(out, "# {title} — {}\n", report.workspace);
    let c = &report.counts;
    let _ = writeln!(
        out,
        "| In progress | Completed | Overdue | Not started | Blocked |\n|---:|---:|---:|---:|---:|"
    );
    let d = c.deltas.as_ref();
    let _ = writeln!(
        out,
        "| {}{} | {}{} | {}{} | {}{} | {} |\n",
        c.in_progress.count,
        delta_text(d.map(|d| d.in_progress)),
        c.completed.count,
        delta_text(d.map(|d| d.completed)),
        c.overdue.count,
        delta_text(d.map(|d| d.overdue)),
        c.not_started.count,
        delta_text(d.map(|d| d.not_started)),
        c.blocked.count
    );
    if let Some(d) = d {
        let _ = writeln!(
            out,
            "Changes are against {}, as it stood at its end.\n",
            d.against
        );
    }
    if let Some(s) = &report.sprint {
        let _ = writeln!(out, "## Sprint\n");
        let _ = writeln!(
            out,
            "Committed {} {unit}, added {}, removed {}, completed {}, remaining {}{}.\n",
            s.committed,
            s.added,
            s.removed,
            s.completed,
            s.remaining,
            s.days_left
                .map_or_else(String::new, |d| format!("; {d} working days left")),
            unit = s.unit
        );
        if !s.carry_over.is_empty() {
            let _ = writeln!(out, "Carried over: {}\n", s.carry_over.join(", "));
        }
    }
    let _ = writeln!(out, "## Flow\n");
    let _ = writeln!(
        out,
        "- Cycle time p50 {} d, p85 {} d ({} issues)\n- Lead time p50 {} d, p85 {} d\n- Velocity (last {} sprints): mean {}, spread {}\n",
        num(report.cycle_time_days.p50),
        num(report.cycle_time_days.p85),
        report.cycle_time_days.count,
        num(report.lead_time_days.p50),
        num(report.lead_time_days.p85),
        report.velocity.sprints.len(),
        num(report.velocity.mean),
        num(report.velocity.spread)
    );
    if !report.people.is_empty() {
        let _ = writeln!(
            out,
            "## People\n\n| Person | Open | In progress | Sprint points | Capacity |\n|---|---:|---:|---:|---:|"
        );
        for p in &report.people {
            let flag = if p.over_capacity { " ⚠ over" } else { "" };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {}{flag} | {} |",
                p.person,
                p.open,
                p.in_progress,
                p.sprint_points,
                num(p.capacity)
            );
        }
        out.push('\n');
    }
    if !report.aging_wip.is_empty() {
        let _ = writeln!(out, "## Aging work in progress\n");
        for a in &report.aging_wip {
            let _ = writeln!(out, "- {} — {} days", a.key, a.days);
        }
        out.push('\n');
    }
    out
}

/// Plain text that fits an 80-column SSH terminal.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let title = report
        .sprint
        .as_ref()
        .map_or("all work".to_owned(), |s| s.name.clone());
    let _ = writeln!(
        out,
        "{} — {title} (as of {})",
        report.workspace, report.generated_at
    );
    let c = &report.counts;
    let _ = writeln!(
        out,
        "in progress {}   completed {}   overdue {}   not started {}   blocked {}",
        c.in_progress.count,
        c.completed.count,
        c.overdue.count,
        c.not_started.count,
        c.blocked.count
    );
    if let Some(d) = &c.deltas {
        let _ = writeln!(
            out,
            "vs {}:{} in progress,{} completed,{} overdue,{} not started",
            d.against,
            delta_text(Some(d.in_progress)),
            delta_text(Some(d.completed)),
            delta_text(Some(d.overdue)),
            delta_text(Some(d.not_started))
        );
    }
    if let Some(s) = &report.sprint {
        let _ = writeln!(
            out,
            "sprint ({}): {} committed +{} -{}, {} done, {} left{}",
            s.unit,
            s.committed,
            s.added,
            s.removed,
            s.completed,
            s.remaining,
            s.days_left
                .map_or_else(String::new, |d| format!(", {d} days to go"))
        );
    }
    let _ = writeln!(
        out,
        "cycle time p50 {} d, p85 {} d; lead time p50 {} d; velocity {} ± {}",
        num(report.cycle_time_days.p50),
        num(report.cycle_time_days.p85),
        num(report.lead_time_days.p50),
        num(report.velocity.mean),
        num(report.velocity.spread)
    );
    if !report.people.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<20} {:>6} {:>8} {:>10} {:>9}",
            "person", "open", "doing", "points", "capacity"
        );
        for p in &report.people {
            let name: String = p.person.chars().take(20).collect();
            let over = if p.over_capacity { " over" } else { "" };
            let _ = writeln!(
                out,
                "{name:<20} {:>6} {:>8} {:>10} {:>9}{over}",
                p.open,
                p.in_progress,
                p.sprint_points,
                num(p.capacity)
            );
        }
    }
    out
}
