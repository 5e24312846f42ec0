//! The verdict: what the engine decided for one URL, and why, in a form a teacher can read and the
//! wasm layer can serialise.

use serde::Serialize;

use crate::ruleset::RuleMatch;
use crate::search::{Alert, Flavour, SafeSearch, SearchKind, SearchVerdict, Vertical};

/// Allow or block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The page may load.
    Allow,
    /// The page must not load.
    Block,
}

/// What decided a verdict, most specific first. Serialised with a `kind` tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Rule {
    /// The input could not be read as a URL; pupils never get an unreadable URL waved through.
    Unparseable {
        /// Why.
        error: String,
    },
    /// The group named in the request is not in the policy (fail closed).
    UnknownGroup {
        /// The group asked for.
        group: String,
    },
    /// A locked list (IWF, CTIRU) matched: blocked for everyone, no setting can change that.
    Locked {
        /// The list entry that matched.
        entry: String,
        /// The list it came from.
        source: String,
    },
    /// The group's own deny list matched.
    GroupDeny {
        /// The entry as written in the policy.
        entry: String,
        /// Where it is in the policy (`groups.ks2.deny`).
        setting: String,
    },
    /// The group's own allow list matched.
    GroupAllow {
        /// The entry as written in the policy.
        entry: String,
        /// Where it is in the policy (`groups.ks2.allow`).
        setting: String,
    },
    /// A category list matched and the policy's action for that category decided.
    Category {
        /// The list entry that matched (`bet365.com`, `example.com/games`).
        entry: String,
        /// The list it came from (`built-in/gambling.txt`).
        source: String,
        /// The policy setting that decided, in words.
        setting: String,
    },
    /// What was searched decided: the weighted phrases scored over the group's threshold.
    Search {
        /// The search engine's id.
        engine: String,
        /// The phrases that counted, as matched.
        phrases: Vec<String>,
        /// The threshold, in words.
        setting: String,
    },
    /// No list matched: the policy's action for uncategorised sites decided.
    Uncategorised {
        /// The policy setting that decided, in words.
        setting: String,
    },
    /// A `data:`, `blob:`, `javascript:`, `file:`… URL: the policy's non-web action decided.
    NonWeb {
        /// The scheme.
        scheme: String,
        /// The policy setting that decided, in words.
        setting: String,
    },
}

/// A page carried inside a wrapper, and the wrapper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Carried {
    /// Wrapper id (`google-translate`, `amp-cache`, `web-archive`, `view-source`, …).
    pub via: String,
    /// The carried page's canonical URL (or the raw text, when it could not be parsed).
    pub url: String,
}

/// A search found in the URL (or in a page it carries), and how its terms were judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchInfo {
    /// The engine's id (`google`, `bing`, `youtube`, `kiddle`, …).
    pub engine: String,
    /// A submitted search, or an autocomplete request (suggestions are judged, never blocked).
    pub kind: SearchKind,
    /// Web, images, videos or news.
    pub vertical: Vertical,
    /// The decoded terms.
    pub terms: String,
    /// How the terms were judged: normalised form, matched phrases with weights, score, alerts.
    #[serde(flatten)]
    pub verdict: SearchVerdict,
}

/// The engine's answer for one URL, group and moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The input, as given (lossy UTF-8).
    pub url: String,
    /// The canonical form of the input, when it could be parsed.
    pub canonical: Option<String>,
    /// Allow or block.
    pub action: Action,
    /// The category that decided, if any.
    pub category: Option<String>,
    /// Whether a locked (illegal-content) list decided: nobody can unblock this.
    pub locked: bool,
    /// A sentence a teacher can read: what was decided and why.
    pub reason: String,
    /// The structured rule behind `reason`.
    pub rule: Rule,
    /// The group the verdict is for.
    pub group: String,
    /// When the page the decision is about was carried by a wrapper: which page, and how.
    pub carried: Option<Carried>,
    /// When the host is an internationalised lookalike: the host it imitates.
    pub lookalike_of: Option<String>,
    /// For time rules: when (Unix seconds) this verdict next changes.
    pub next_change: Option<i64>,
    /// `next_change` as school-local RFC 3339 time.
    pub next_change_local: Option<String>,
    /// Every list entry that matched the URL (and what it carries), for "why?" screens.
    pub matches: Vec<RuleMatch>,
    /// The search in this URL, when it is one.
    pub search: Option<SearchInfo>,
    /// How to force safe results on a search or video site: URL rewrite and request headers.
    pub safe_search: Option<SafeSearch>,
    /// `support` when the block page should offer help (Childline 0800 1111, tell an adult)
    /// rather than a plain "not allowed".
    pub flavour: Option<Flavour>,
    /// Safeguarding or Prevent alerts for the Designated Safeguarding Lead.
    pub alerts: Vec<Alert>,
}

impl Verdict {
    /// Whether the page must not load.
    pub fn is_blocked(&self) -> bool {
        self.action == Action::Block
    }
}
