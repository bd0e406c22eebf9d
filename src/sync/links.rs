//! Pagination headers: `Link: <url>; rel="next"` (keyset and offset), `x-next-page` (empty on
//! the last page) and `x-total-pages` (absent above 10,000 records).

/// The URL a `Link` header gives for `rel`.
pub fn link(header: &str, rel: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        params
            .split(';')
            .any(|p| {
                let p = p.trim();
                p.strip_prefix("rel=")
                    .is_some_and(|v| v.trim_matches('"').split_whitespace().any(|r| r == rel))
            })
            .then(|| url.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::link;

    #[test]
    fn next_and_last_from_the_documented_headers() {
        let offset = r#"<https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=1&per_page=3>; rel="prev", <https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=3&per_page=3>; rel="next", <https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=1&per_page=3>; rel="first", <https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=3&per_page=3>; rel="last""#;
        assert_eq!(
            link(offset, "next").as_deref(),
            Some("https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=3&per_page=3")
        );
        let keyset = r#"<https://gitlab.example.com/api/v4/groups?pagination=keyset&per_page=50&order_by=name&sort=asc&cursor=eyJuYW1lIjoiRmxpZ2h0anMiLCJpZCI6IjI2IiwiX2tkIjoibiJ9>; rel="next""#;
        assert!(link(keyset, "next").is_some_and(|u| {
            u.ends_with("cursor=eyJuYW1lIjoiRmxpZ2h0anMiLCJpZCI6IjI2IiwiX2tkIjoibiJ9")
        }));
        assert_eq!(link(keyset, "last"), None);
        assert_eq!(link("garbage", "next"), None);
    }
}
