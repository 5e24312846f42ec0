//! One significant line of each format → entries, or the reasons it cannot be used.

use std::net::IpAddr;

use super::entry::parse_unchecked;
use super::{Entry, ListError};
use crate::canon;

/// DNS names are at most 253 bytes; anything longer is not a real host.
const MAX_HOST_BYTES: usize = 253;

/// Names hosts files map for the machine itself: never a site to block, and often `0.0.0.0` or
/// `localhost`, which would otherwise become entries that match nothing useful or too much.
const HOUSEKEEPING: &[&str] = &[
    "localhost",
    "localhost.localdomain",
    "local",
    "broadcasthost",
    "ip6-localhost",
    "ip6-loopback",
    "ip6-localnet",
    "ip6-mcastprefix",
    "ip6-allnodes",
    "ip6-allrouters",
    "ip6-allhosts",
    "0.0.0.0",
    "127.0.0.1",
    "255.255.255.255",
    "[::]",
    "[::1]",
];

/// Adblock options that only restate "block the page itself", which is all a URL filter does.
const HARMLESS_ADBLOCK_OPTIONS: &[&str] = &["important", "all", "document", "doc"];

/// Parses one trimmed, non-comment line of `format` into `entries`, reasons into `errors`.
pub(crate) fn parse_line(
    format: super::ListFormat,
    line: &str,
    entries: &mut Vec<Entry>,
    errors: &mut Vec<ListError>,
) {
    use super::ListFormat::*;
    let result = match format {
        Hosts => return hosts_line(line, entries, errors),
        Auto | Domains => single_token(line, true).and_then(domain_token),
        Urls => single_token(line, true).and_then(url_token),
        Adblock => adblock_rule(line),
        Expressions => expression(line),
    };
    match result {
        Ok(e) => entries.push(e),
        Err(e) => errors.push(e),
    }
}

/// The one token of a domain or URL line, after dropping a trailing ` # comment`.
fn single_token(line: &str, strip_comment: bool) -> Result<&str, ListError> {
    let line = if strip_comment {
        strip_trailing_comment(line)
    } else {
        line
    };
    if line.contains(char::is_whitespace) {
        return Err(ListError::ContainsSpaces);
    }
    Ok(line)
}

/// `a.com   # note` → `a.com`. A `#` not preceded by whitespace may be a URL fragment.
fn strip_trailing_comment(line: &str) -> &str {
    let mut prev_space = false;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_space {
            return line[..i].trim_end();
        }
        prev_space = c.is_whitespace();
    }
    line
}

/// A domain as lists write it: `example.com`, `*.example.com`, `.example.com`, `Example.COM.`.
/// A URL in a domains list is taken for what it says rather than rejected.
pub(crate) fn domain_token(token: &str) -> Result<Entry, ListError> {
    let bare = token
        .strip_prefix("*.")
        .or_else(|| token.strip_prefix('.'))
        .unwrap_or(token);
    if bare.contains('/') {
        return url_token(token);
    }
    if bare.contains('*') {
        return Err(ListError::Wildcard);
    }
    let host = canon::normalize_host(bare).map_err(|e| ListError::InvalidHost {
        host: bare.to_string(),
        reason: e.to_string(),
    })?;
    check_host(host).map(Entry::Domain)
}

/// A URL or `host/path` line.
fn url_token(token: &str) -> Result<Entry, ListError> {
    if token.contains('*') {
        return Err(ListError::Wildcard);
    }
    let entry = parse_unchecked(token).map_err(ListError::InvalidUrl)?;
    check_entry(entry)
}

/// A domain or URL-prefix entry whose host passes [`check_host`].
pub(crate) fn check_entry(entry: Entry) -> Result<Entry, ListError> {
    match entry {
        Entry::Domain(h) => check_host(h).map(Entry::Domain),
        Entry::UrlPrefix { host, path } => {
            check_host(host).map(|host| Entry::UrlPrefix { host, path })
        }
        Entry::Expression(_) => Err(ListError::InvalidUrl("not a url".into())),
    }
}

/// Rejects what a canonical host may be but a list or policy entry must not: housekeeping names,
/// over-long or odd hosts, single labels and public suffixes, which would cover whole swathes of
/// the web.
pub(crate) fn check_host(host: String) -> Result<String, ListError> {
    if HOUSEKEEPING.contains(&host.as_str()) || host.starts_with("ip6-") {
        return Err(ListError::Housekeeping(host));
    }
    if host.len() > MAX_HOST_BYTES {
        return Err(ListError::InvalidHost {
            host,
            reason: "longer than 253 bytes".into(),
        });
    }
    if host.starts_with('[') {
        return Ok(host);
    }
    if let Some(c) = host
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')))
    {
        return Err(ListError::InvalidHost {
            reason: format!("character `{c}`"),
            host,
        });
    }
    if !host.contains('.') {
        return Err(ListError::SingleLabel(host));
    }
    // An IPv4 address's last label is not a top-level domain.
    let ipv4 = host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if !ipv4 && crate::public_suffix::covers_a_public_suffix(&host) == Some(true) {
        return Err(ListError::PublicSuffix(host));
    }
    Ok(host)
}

/// `address host [host…] [# comment]`. A lone domain is accepted too: merged hosts lists often
/// carry a few, and their meaning is plain.
fn hosts_line(line: &str, entries: &mut Vec<Entry>, errors: &mut Vec<ListError>) {
    // Host names never contain `#`, so anything after one is a comment.
    let line = line.split('#').next().unwrap_or(line);
    let mut tokens = line.split_whitespace();
    let Some(first) = tokens.next() else { return };
    let mut push = |r: Result<Entry, ListError>| match r {
        Ok(e) => entries.push(e),
        Err(e) => errors.push(e),
    };
    if first.parse::<IpAddr>().is_err() {
        match tokens.next() {
            None => push(domain_token(first)),
            Some(_) => errors.push(ListError::NotHostsLine),
        }
        return;
    }
    let mut any = false;
    // Bounded by the 2048-byte line limit: at most ~1000 tokens.
    for token in tokens {
        any = true;
        push(domain_token(token));
    }
    if !any {
        errors.push(ListError::AddressOnly);
    }
}

/// `||host^`, `||host/path^` and the harmless options; everything else is reported.
fn adblock_rule(line: &str) -> Result<Entry, ListError> {
    let unsupported = |why: &str| Err(ListError::UnsupportedAdblock(why.to_string()));
    if line.starts_with("@@") {
        return unsupported("exception rules (`@@`) are not supported");
    }
    if ["##", "#@#", "#?#", "#$#", "#%#"]
        .iter()
        .any(|m| super::find_str(line, m).is_some())
    {
        return unsupported("cosmetic rules are not supported");
    }
    if line.len() > 1 && line.starts_with('/') && line.ends_with('/') {
        return unsupported("regular expression rules are not supported");
    }
    let (pattern, options) = line.split_once('$').unwrap_or((line, ""));
    if let Some(opt) = options
        .split(',')
        .map(str::trim)
        .find(|o| !o.is_empty() && !HARMLESS_ADBLOCK_OPTIONS.contains(o))
    {
        return Err(ListError::UnsupportedAdblock(format!(
            "option `${opt}` is not supported"
        )));
    }
    let Some(rest) = pattern.strip_prefix("||") else {
        return unsupported("only `||host^` and `||host/path^` rules are supported");
    };
    let rest = rest.strip_suffix('|').unwrap_or(rest);
    let rest = rest.strip_suffix('^').unwrap_or(rest);
    if rest.is_empty() || rest.contains(['*', '^', '|']) {
        return unsupported("wildcards and separators inside a rule are not supported");
    }
    if rest.contains(char::is_whitespace) {
        return Err(ListError::ContainsSpaces);
    }
    if rest.contains('/') {
        url_token(rest)
    } else {
        domain_token(rest)
    }
}

/// A squidGuard regular expression, checked by compiling it exactly as matching will.
fn expression(line: &str) -> Result<Entry, ListError> {
    use crate::expressions::Refused;
    crate::expressions::check(line).map_err(|refused| match refused {
        Refused::Invalid(reason) => ListError::InvalidExpression(reason),
        Refused::MatchesEverything => ListError::MatchesEverything,
    })?;
    Ok(Entry::Expression(line.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lists::ListFormat;

    fn one(format: ListFormat, line: &str) -> Result<Vec<String>, Vec<String>> {
        let (mut e, mut r) = (Vec::new(), Vec::new());
        parse_line(format, line, &mut e, &mut r);
        if r.is_empty() {
            Ok(e.iter().map(Entry::key).collect())
        } else {
            Err(r.iter().map(ToString::to_string).collect())
        }
    }

    #[test]
    fn domains() {
        let d = |l| one(ListFormat::Domains, l);
        assert_eq!(d("Example.COM").unwrap(), ["example.com"]);
        assert_eq!(d("*.example.com").unwrap(), ["example.com"]);
        assert_eq!(d(".example.com").unwrap(), ["example.com"]);
        assert_eq!(d("example.com   # note").unwrap(), ["example.com"]);
        assert_eq!(d("1.2.3.4").unwrap(), ["1.2.3.4"]);
        assert!(d("exa mple.com").unwrap_err()[0].contains("spaces"));
        assert!(d("com").unwrap_err()[0].contains("single-label"));
        for suffix in [
            "co.uk",
            "*.co.uk",
            ".github.io",
            "GitHub.IO.",
            "blogspot.com",
            "sch.uk",
        ] {
            assert!(
                d(suffix).unwrap_err()[0].contains("Public Suffix List"),
                "{suffix}"
            );
        }
        assert_eq!(d("bbc.co.uk").unwrap(), ["bbc.co.uk"]);
        assert!(d("localhost").unwrap_err()[0].contains("housekeeping"));
        assert!(d("ads.*.example.com").unwrap_err()[0].contains("wildcard"));
    }

    #[test]
    fn hosts() {
        let h = |l| one(ListFormat::Hosts, l);
        assert_eq!(h("0.0.0.0 a.com").unwrap(), ["a.com"]);
        assert_eq!(
            h("127.0.0.1\ta.com  b.com # both").unwrap(),
            ["a.com", "b.com"]
        );
        assert_eq!(h("0.0.0.0 1.2.3.4").unwrap(), ["1.2.3.4"]);
        assert_eq!(h("plain.example.com").unwrap(), ["plain.example.com"]);
        assert!(h("0.0.0.0").unwrap_err()[0].contains("no host"));
        assert!(h("127.0.0.1 localhost").is_err());
        assert!(h("255.255.255.255 broadcasthost").is_err());
        assert!(h("::1 localhost ip6-localhost ip6-loopback").is_err());
        assert!(h("0.0.0.0 0.0.0.0").is_err());
        assert!(h("a.com b.com").unwrap_err()[0].contains("address"));
        assert!(h("0.0.0.0 xxxhindi.to en").unwrap_err()[0].contains("`en`"));
    }

    #[test]
    fn adblock() {
        let a = |l| one(ListFormat::Adblock, l);
        assert_eq!(a("||example.com^").unwrap(), ["example.com"]);
        assert_eq!(a("||example.com^$important").unwrap(), ["example.com"]);
        assert_eq!(a("||example.com").unwrap(), ["example.com"]);
        for bad in [
            "@@||example.com^",
            "example.com##.ad",
            "##.banner",
            "/ads[0-9]+/",
            "||example.com^$third-party",
            "|https://example.com/",
            "||ads.*.example.com^",
            "example.com",
        ] {
            let err = a(bad).unwrap_err();
            assert!(
                err[0].starts_with("unsupported adblock rule"),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn adblock_paths_and_urls() {
        // Needs the canonicaliser: URL prefixes go through `canon::canonicalize`.
        assert_eq!(
            one(ListFormat::Adblock, "||example.com/games^").unwrap(),
            ["example.com/games"]
        );
        assert_eq!(
            one(ListFormat::Urls, "example.com/games/").unwrap(),
            ["example.com/games"]
        );
        assert_eq!(
            one(ListFormat::Urls, "https://Example.com/a/b").unwrap(),
            ["example.com/a/b"]
        );
        assert_eq!(
            one(ListFormat::Urls, "example.com").unwrap(),
            ["example.com"]
        );
        assert!(one(ListFormat::Urls, "example.com/a b").is_err());
    }

    #[cfg(feature = "expressions")]
    #[test]
    fn expressions() {
        let x = |l| one(ListFormat::Expressions, l);
        assert_eq!(x("(porn|sex)").unwrap(), ["(porn|sex)"]);
        assert!(x("(unclosed").unwrap_err()[0].starts_with("invalid regular expression"));
        for everything in [".", "/", ".*", "^", "$", "\\.", "\\w\\.", "(x|.)", "[^q]"] {
            assert!(
                x(everything).unwrap_err()[0].contains("every address"),
                "{everything}"
            );
        }
        for narrow in ["casino", "\\.xxx/", "^[0-9.]+/$", "[a-z]"] {
            assert!(x(narrow).is_ok(), "{narrow}");
        }
    }
}
