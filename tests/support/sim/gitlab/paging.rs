//! GitLab's two ways to page a list, with their documented headers and limits.

use serde_json::{Value, json};

use super::super::wire::{Query, Reply, token, untoken};

/// An error in GitLab's Grape shape: `{"error": …}` (rule GL-ERR-5, U-G16).
pub fn grape_error(status: u16, text: &str) -> Reply {
    Reply::json(status, &json!({ "error": text }))
}

/// `page` and `per_page` as GitLab reads them: `per_page` defaults to 20 and is clamped to 100
/// without an error (rules GL-PAG-1, GL-PAG-2); 0 is refused (rule GL-PAG-3).
pub fn page_params(q: &Query) -> Result<(usize, usize), Reply> {
    let read = |key: &str, default: usize| -> Result<usize, Reply> {
        match q.get(key) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(0) | Err(_) => Err(grape_error(
                    400,
                    &format!("{key} does not have a valid value"),
                )),
                Ok(n) => Ok(n),
            },
        }
    };
    Ok((read("page", 1)?, read("per_page", 20)?.min(100)))
}

/// The positions of a page's items, and its headers.
pub type Page = (Vec<usize>, Vec<(String, String)>);

pub struct Listing<'a> {
    /// `http://127.0.0.1:PORT/api/v4/...`: where the links point.
    pub url: &'a str,
    pub query: &'a Query,
    /// Endpoints that also offer keyset pagination refuse large offsets (rule GL-PAG-9).
    pub offset_limit: Option<usize>,
    /// `Project`, `Issue`: named in the offset-limit error.
    pub model: &'a str,
}

/// One offset page of `items` (already filtered and sorted), with `x-page`, `x-per-page`,
/// `x-next-page` (empty on the last page), `x-prev-page`, `x-total`, `x-total-pages` and `link`
/// (rules GL-PAG-4..8, U-G1: lower-case names). Above 10,000 items the totals and `rel="last"`
/// are left out (rule GL-PAG-7).
pub fn offset<T>(items: &[T], l: &Listing<'_>) -> Result<Page, Reply> {
    let (page, per_page) = page_params(l.query)?;
    if let Some(limit) = l.offset_limit
        && page.saturating_mul(per_page) > limit
    {
        // lib/api/helpers/pagination_strategies.rb (rule GL-PAG-9).
        return Err(grape_error(
            405,
            &format!(
                "Offset pagination has a maximum allowed offset of {limit} for requests that return objects of type {}. Remaining records can be retrieved using keyset pagination.",
                l.model
            ),
        ));
    }
    let total = items.len();
    let pages = total.div_ceil(per_page).max(1);
    let start = (page - 1).saturating_mul(per_page).min(total);
    let end = (start + per_page).min(total);
    let next = (end < total).then(|| page + 1);
    let prev = (page > 1).then(|| page - 1);
    let link = |p: usize, rel: &str| {
        format!(
            "<{}?{}>; rel=\"{rel}\"",
            l.url,
            l.query.with("page", &p.to_string())
        )
    };
    let counted = total <= 10_000;
    let mut links = Vec::new();
    if let Some(p) = prev {
        links.push(link(p, "prev"));
    }
    if let Some(n) = next {
        links.push(link(n, "next"));
    }
    links.push(link(1, "first"));
    if counted {
        links.push(link(pages, "last"));
    }
    let mut headers = vec![
        ("x-page".to_owned(), page.to_string()),
        ("x-per-page".to_owned(), per_page.to_string()),
        (
            "x-next-page".to_owned(),
            next.map(|n| n.to_string()).unwrap_or_default(),
        ),
        (
            "x-prev-page".to_owned(),
            prev.map(|n| n.to_string()).unwrap_or_default(),
        ),
        ("link".to_owned(), links.join(", ")),
    ];
    if counted {
        headers.push(("x-total".to_owned(), total.to_string()));
        headers.push(("x-total-pages".to_owned(), pages.to_string()));
    }
    Ok(((start..end).collect(), headers))
}

/// A key to order by, and the item's id to break ties.
pub type SortKey = (Value, u64);

/// One keyset page: items after the cursor in the requested order, and `link: rel="next"`
/// whenever the page is not empty, so the collection ends with an empty page that has no
/// `link` (rules GL-KEY-2, GL-KEY-3, U-G5). The cursor is opaque base64 JSON bound to the
/// ordering; replayed with another ordering it is refused.
pub fn keyset(
    keys: &[SortKey],
    l: &Listing<'_>,
    order_by: &str,
    descending: bool,
) -> Result<Page, Reply> {
    let (_, per_page) = page_params(l.query)?;
    let after: Option<SortKey> = match l.query.get("cursor") {
        None => None,
        Some(c) => {
            let v = untoken(c).ok_or_else(|| grape_error(400, "cursor is invalid"))?;
            let same = v["order_by"] == json!(order_by) && v["desc"] == json!(descending);
            if !same {
                return Err(grape_error(400, "cursor is invalid"));
            }
            Some((v["key"].clone(), v["id"].as_u64().unwrap_or(0)))
        }
    };
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|a, b| {
        let o = compare(&keys[*a], &keys[*b]);
        if descending { o.reverse() } else { o }
    });
    let page: Vec<usize> = order
        .into_iter()
        .filter(|i| {
            after.as_ref().is_none_or(|c| {
                let o = compare(&keys[*i], c);
                if descending { o.is_lt() } else { o.is_gt() }
            })
        })
        .take(per_page)
        .collect();
    let mut headers = Vec::new();
    if let Some(last) = page.last() {
        let cursor = token(
            &json!({ "order_by": order_by, "desc": descending, "key": keys[*last].0, "id": keys[*last].1 }),
        );
        headers.push((
            "link".to_owned(),
            format!(
                "<{}?{}>; rel=\"next\"",
                l.url,
                l.query.with("cursor", &cursor)
            ),
        ));
    }
    Ok((page, headers))
}

/// Orders keys: numbers and strings as themselves, null last.
pub fn compare(a: &SortKey, b: &SortKey) -> std::cmp::Ordering {
    let rank = |v: &Value| match v {
        Value::Null => 2,
        Value::String(_) => 1,
        _ => 0,
    };
    let by_value = match (&a.0, &b.0) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&y.as_f64().unwrap_or(0.0)),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (x, y) => rank(x).cmp(&rank(y)),
    };
    by_value.then(a.1.cmp(&b.1))
}
