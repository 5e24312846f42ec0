//! `[[search_engines]]`: search engines the school declares, so engines the built-in table does
//! not know have their searches judged too (`search/engines/declared.rs`).
//!
//! One pass over each table's keys, one message per kind of problem: the wasm package carries
//! this parser, and its size budget is tight.

use super::{Value, Walker};
use crate::lists::{parse_entry, Entry};
use crate::search::engines::{engine_for_host, strip_domain, DeclaredEngine};
use crate::search::Vertical;

pub(super) const KEYS: [&str; 6] = ["name", "hosts", "path", "query", "vertical", "child_safe"];

impl Walker<'_> {
    #[inline(never)]
    pub(super) fn search_engines(&mut self, v: &Value<'_>) -> Vec<DeclaredEngine> {
        let mut out = Vec::new();
        // Every declared host so far: no domain may belong to two engines.
        let mut seen: Vec<String> = Vec::new();
        let tables = self.array(v, "search_engines", "[[search_engines]] tables");
        for (i, item) in tables.iter().enumerate() {
            let path = format!("search_engines[{i}]");
            let Some(t) = self.table(item, &path, "a [[search_engines]] table") else {
                continue;
            };
            self.known_keys(t, &path, &KEYS);
            let mut engine = DeclaredEngine {
                name: String::new(),
                hosts: Vec::new(),
                path: String::new(),
                query: Vec::new(),
                vertical: Vertical::Web,
                child_safe: false,
            };
            for (key, value) in t.iter() {
                let key: &str = key.get_ref();
                let key_path = super::join(&path, key);
                match key {
                    "name" => {
                        let name = self.string(value, &key_path).unwrap_or("-");
                        engine.name = name.trim().to_string();
                    }
                    "path" => match self.string(value, &key_path) {
                        Some(p) if p.starts_with('/') => engine.path = p.to_string(),
                        Some(_) => self.issue(
                            value.span(),
                            &key_path,
                            r#"expected a path starting with "/", like "/search""#,
                        ),
                        None => {}
                    },
                    "vertical" => {
                        engine.vertical = match self.string(value, &key_path) {
                            Some("web") | None => Vertical::Web,
                            Some("images") => Vertical::Images,
                            Some("videos") => Vertical::Videos,
                            Some("news") => Vertical::News,
                            Some(_) => {
                                self.issue(
                                    value.span(),
                                    &key_path,
                                    r#"expected "web", "images", "videos" or "news""#,
                                );
                                Vertical::Web
                            }
                        }
                    }
                    "child_safe" => {
                        engine.child_safe = self.boolean(value, &key_path).unwrap_or(false)
                    }
                    "hosts" | "query" => {
                        let items = self.array(value, &key_path, "an array of strings");
                        for (j, item) in items.iter().enumerate() {
                            let item_path = format!("{key_path}[{j}]");
                            let Some(text) = self.string(item, &item_path) else {
                                continue;
                            };
                            if key == "query" {
                                if !text.is_empty() {
                                    engine.query.push(text.to_string());
                                }
                            } else {
                                match engine_host(text, &seen) {
                                    Ok(host) => {
                                        seen.push(host.clone());
                                        engine.hosts.push(host);
                                    }
                                    Err(why) => self.issue(item.span(), &item_path, why),
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            // Hosts all refused above need no second message.
            let hosts_written = t
                .get("hosts")
                .and_then(|h| h.get_ref().as_array())
                .is_some_and(|a| !a.is_empty());
            for (missing, what) in [
                (
                    engine.name.is_empty(),
                    "needs `name`: the engine's name, for verdicts and reports",
                ),
                (
                    !hosts_written,
                    r#"needs `hosts`: its domains, like ["kids-search.example"]"#,
                ),
                (
                    engine.query.is_empty(),
                    r#"needs `query`: the parameters that carry the search terms, like ["q"]"#,
                ),
            ] {
                if missing {
                    self.issue(item.span(), &path, what);
                }
            }
            out.push(engine);
        }
        out
    }
}

/// `text` as one of an engine's `hosts` (canonical), or why it cannot be one: not a domain (a
/// URL with a path, an address, a public suffix), a built-in engine's, or another declared
/// engine's.
#[inline(never)]
fn engine_host(text: &str, seen: &[String]) -> Result<String, String> {
    let host = match parse_entry(text) {
        Ok(Entry::Domain(host)) => host,
        Ok(_) => String::new(),
        Err(e) => return Err(format!("expected a domain: {e}")),
    };
    if host.is_empty() || crate::canon::is_ip_host(&host) {
        return Err(format!(
            r#"expected a domain like "kids-search.example", found {text:?}"#
        ));
    }
    if let Some(known) = engine_for_host(&host) {
        return Err(format!(
            "{host} is {}'s, which Schoolgate knows already: remove it",
            known.name
        ));
    }
    if seen
        .iter()
        .any(|d| strip_domain(&host, d).or(strip_domain(d, &host)).is_some())
    {
        return Err(format!(
            "{host} overlaps a host above: give each domain to one engine"
        ));
    }
    Ok(host)
}
