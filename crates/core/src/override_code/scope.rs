//! What an override opens (a site: the registrable domain of a page's host) and which verdicts
//! no override may ever open.

use serde::Serialize;
use thiserror::Error;

use crate::canon::{self, ParsedUrl};
use crate::category;
use crate::policy::Policy;
use crate::public_suffix;
use crate::verdict::{Rule, Verdict};

/// Why a blocked page can never be opened by a teacher's override, whatever the code. Said in
/// words a teacher reads on the block page and the staff page.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Refusal {
    /// A locked illegal-content list (IWF, CTIRU) matched.
    #[error("`{category}` is a locked illegal-content list (IWF, CTIRU): nobody can unblock it")]
    Locked {
        /// The locked category.
        category: String,
    },
    /// A category the school's policy lists in `never_override`.
    #[error("the school's policy says pages in `{category}` are never opened by a teacher's code (never_override)")]
    NeverOverride {
        /// The category.
        category: String,
    },
    /// One of the group's own `deny` entries: the school's policy blocks it always.
    #[error("the school's policy always blocks `{entry}` for this group (its deny list): change the policy instead")]
    DenyEntry {
        /// The entry as written in the policy.
        entry: String,
    },
    /// What was searched decided: opening the search engine would open every search.
    #[error("blocked for what was searched, not for the site: a code would open every search")]
    Search,
    /// A page carried by a translator, proxy, archive or viewer: the wrapper shows any page.
    #[error("a page shown through {via}, which can show any page: open the page itself instead")]
    Carried {
        /// The wrapper's id.
        via: String,
    },
    /// A host made to look like another: a code would open the imitation.
    #[error("this address imitates {of}: it stays blocked")]
    Lookalike {
        /// The host it imitates.
        of: String,
    },
    /// Not a web page (unreadable address, `data:`, `file:` …) or an unknown group.
    #[error("not a web page a code can open")]
    NotAWebPage,
}

/// The site an override for `host` (a canonical host) opens: its registrable domain under the
/// Public Suffix List (`www.bbc.co.uk` → `bbc.co.uk`, `a.b.stockport.sch.uk` →
/// `b.stockport.sch.uk`), so one code opens a site's pages on all its subdomains. An IP address,
/// or a build with no Public Suffix List, gives the host itself: never wider than asked.
pub fn site_of_host(host: &str) -> String {
    if canon::is_ip_host(host) {
        return host.to_string();
    }
    // Each label's start, then the suffixes from the shortest up: the first that covers no
    // public suffix is the site.
    let starts = std::iter::once(0).chain(host.match_indices('.').map(|(i, _)| i + 1));
    let starts: Vec<usize> = starts.collect();
    for &start in starts.iter().rev() {
        let candidate = &host[start..];
        match public_suffix::covers_a_public_suffix(candidate) {
            Some(false) if !candidate.is_empty() => return candidate.to_string(),
            Some(_) => {}
            None => break,
        }
    }
    host.to_string()
}

/// The site of a URL (see [`site_of_host`]), or `None` for anything but a web address.
pub fn site_of_url(url: &[u8]) -> Option<String> {
    match canon::parse(url).ok()? {
        ParsedUrl::Web(u) => Some(site_of_host(u.host())),
        ParsedUrl::Other(_) => None,
    }
}

/// Whether a teacher's override may open a page with this verdict: `Ok` unless the verdict
/// involves a locked category or one the policy lists in `never_override` (the category that
/// decided, or any list entry that matched, the carried page's included), or was decided by
/// something a site-wide override must not open (a search, a deny entry, a wrapper, a
/// lookalike, a page that is not a web page).
pub fn overridable(policy: &Policy, verdict: &Verdict) -> Result<(), Refusal> {
    let categories = verdict
        .category
        .iter()
        .map(String::as_str)
        .chain(verdict.matches.iter().map(|m| &*m.category));
    let mut never = None;
    for id in categories {
        if category::is_locked(id) {
            return Err(Refusal::Locked {
                category: id.to_string(),
            });
        }
        if never.is_none() && policy.is_never_override(id) {
            never = Some(id.to_string());
        }
    }
    if verdict.locked || verdict.matches.iter().any(|m| m.locked) {
        // A locked match always names its category above; this is the belt to those braces.
        return Err(Refusal::Locked {
            category: verdict.category.clone().unwrap_or_default(),
        });
    }
    if let Some(category) = never {
        return Err(Refusal::NeverOverride { category });
    }
    match &verdict.rule {
        Rule::Locked { .. } => {
            return Err(Refusal::Locked {
                category: verdict.category.clone().unwrap_or_default(),
            })
        }
        Rule::GroupDeny { entry, .. } => {
            return Err(Refusal::DenyEntry {
                entry: entry.clone(),
            })
        }
        Rule::Search { .. } => return Err(Refusal::Search),
        Rule::Unparseable { .. } | Rule::UnknownGroup { .. } | Rule::NonWeb { .. } => {
            return Err(Refusal::NotAWebPage)
        }
        Rule::Category { .. } | Rule::Uncategorised { .. } | Rule::GroupAllow { .. } => {}
    }
    if let Some(carried) = &verdict.carried {
        return Err(Refusal::Carried {
            via: carried.via.clone(),
        });
    }
    if let Some(of) = &verdict.lookalike_of {
        return Err(Refusal::Lookalike { of: of.clone() });
    }
    if verdict.canonical.is_none() || site_of_url(verdict.url.as_bytes()).is_none() {
        return Err(Refusal::NotAWebPage);
    }
    Ok(())
}
