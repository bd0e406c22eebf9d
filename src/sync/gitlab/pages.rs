//! Every page of a GitLab listing, in order. Keyset answers (`Link: rel="next"` with a cursor)
//! and offset answers without totals are followed one after another; offset answers that say
//! how many pages there are (`x-total-pages`) are fetched `concurrency` at a time, still
//! yielded in order so cursors move forward page by page.

use futures_util::stream::{self, BoxStream, StreamExt};
use reqwest::Url;

use crate::sync::http::{Answer, Http, HttpError};
use crate::sync::links::link;

pub struct Page {
    pub answer: Answer,
    /// 1-based.
    pub number: usize,
    /// Pages in all, when the server says.
    pub total: Option<usize>,
}

pub fn all(
    http: &Http,
    first: Url,
    concurrency: usize,
) -> BoxStream<'static, Result<Page, HttpError>> {
    let start = first.clone();
    let client = http.clone();
    let http = http.clone();
    stream::once(async move { client.get(first).await })
        .flat_map(
            move |answer| -> BoxStream<'static, Result<Page, HttpError>> {
                let answer = match answer {
                    Ok(a) => a,
                    Err(e) => return stream::once(async move { Err(e) }).boxed(),
                };
                let total = answer
                    .header("x-total-pages")
                    .and_then(|t| t.parse::<usize>().ok());
                let next = next_url(&answer);
                let first_page = stream::once(async move {
                    Ok(Page {
                        answer,
                        number: 1,
                        total,
                    })
                });
                match total {
                    Some(total) if total > 1 => {
                        let base = start.clone();
                        let http = http.clone();
                        let rest = stream::iter(2..=total)
                            .map(move |n| {
                                let url = with_page(&base, n);
                                let http = http.clone();
                                async move {
                                    http.get(url).await.map(|answer| Page {
                                        answer,
                                        number: n,
                                        total: Some(total),
                                    })
                                }
                            })
                            .buffered(concurrency.max(1));
                        first_page.chain(rest).boxed()
                    }
                    Some(_) => first_page.boxed(),
                    None => {
                        let http = http.clone();
                        let rest = stream::unfold((next, 2usize), move |(next, n)| {
                            let http = http.clone();
                            async move {
                                let url = next?;
                                Some(match http.get(url).await {
                                    Ok(answer) => {
                                        let following = next_url(&answer);
                                        (
                                            Ok(Page {
                                                answer,
                                                number: n,
                                                total: None,
                                            }),
                                            (following, n + 1),
                                        )
                                    }
                                    Err(e) => (Err(e), (None, n + 1)),
                                })
                            }
                        });
                        first_page.chain(rest).boxed()
                    }
                }
            },
        )
        .boxed()
}

/// `Link: rel="next"`, else `x-next-page` (empty on the last page).
fn next_url(answer: &Answer) -> Option<Url> {
    if let Some(next) = answer.header("link").and_then(|h| link(h, "next")) {
        return Url::parse(&next).ok();
    }
    let page: usize = answer.header("x-next-page")?.parse().ok()?;
    Some(with_page(&answer.url, page))
}

fn with_page(url: &Url, page: usize) -> Url {
    let mut url = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "page")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair("page", &page.to_string());
    url
}
