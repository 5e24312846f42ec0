//! Filling in the hub's forms as a browser does (hubauth): every state-changing form needs the
//! CSRF token the page carries, and, before sign-in, the `sg_csrf` cookie that came with it.

use std::net::SocketAddr;

use super::http;

/// What a browser sends with a form: its `Cookie` header and the form's `csrf` field.
#[derive(Debug, Clone)]
pub struct FormAuth {
    /// The `Cookie` header value.
    pub cookie: String,
    /// The hidden `csrf` field's value.
    pub csrf: String,
}

/// The hidden `csrf` field's value on a page.
pub fn csrf_in(page: &str) -> String {
    let start = page
        .find("name=\"csrf\" value=\"")
        .unwrap_or_else(|| panic!("no CSRF field on the page: {page}"))
        + 19;
    page[start..].split('"').next().expect("value").to_owned()
}

/// The `name=value` of the cookie `name` a reply sets.
pub fn set_cookie(reply: &http::Reply, name: &str) -> Option<String> {
    reply
        .headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v.split(';').next().unwrap_or("").to_owned())
        .find(|pair| pair.starts_with(&format!("{name}=")))
}

/// Opens `path` (with `cookie`, if any) and returns what a browser would send its form with.
pub async fn open_form(addr: SocketAddr, path: &str, cookie: Option<&str>) -> FormAuth {
    let headers: Vec<(&str, &str)> = cookie.map(|c| vec![("Cookie", c)]).unwrap_or_default();
    let page = http::get_with(addr, path, &headers).await;
    assert!(page.status < 400, "{path}: {} {}", page.status, page.body);
    let cookie = match (set_cookie(&page, "sg_csrf"), cookie) {
        (Some(fresh), Some(old)) => format!("{old}; {fresh}"),
        (Some(fresh), None) => fresh,
        (None, Some(old)) => old.to_owned(),
        (None, None) => String::new(),
    };
    FormAuth {
        cookie,
        csrf: csrf_in(&page.body),
    }
}

/// Posts `fields` to `path` as the browser holding `auth` would (the CSRF field added).
pub async fn post(
    addr: SocketAddr,
    path: &str,
    auth: &FormAuth,
    fields: &[(&str, &str)],
) -> http::Reply {
    let mut all = fields.to_vec();
    all.push(("csrf", auth.csrf.as_str()));
    http::post_form(addr, path, &all, &[("Cookie", auth.cookie.as_str())]).await
}
