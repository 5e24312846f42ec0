//! The engine: (URL, group, time) → an explained [`Verdict`].
//!
//! ## Usage
//! ```
//! use schoolgate_core::engine::{Engine, Request};
//! let engine = Engine::builtin();
//! let verdict = engine.classify(&Request::new(b"https://www.bet365.com/", "ks2", 1_764_000_000));
//! assert!(verdict.is_blocked());
//! assert_eq!(verdict.category.as_deref(), Some("gambling"));
//! ```
//!
//! ## Order of precedence (strongest first)
//! 1. unreadable URL or unknown group → block (fail closed);
//! 2. a **locked** list (IWF, CTIRU) matches → block for everyone, nothing can override it;
//! 3. the group's `deny` entries → block; 4. the group's `allow` entries → allow;
//! 5. the policy's action for each matched category (the strictest wins);
//! 6. the policy's action for uncategorised sites.
//!
//! A wrapper (translation proxy, AMP cache, redirector, archive, `view-source:`) is judged as a
//! site *and* by the page it carries, and a lookalike host by the host it imitates: the stricter
//! of these verdicts wins, so wrapping can never weaken a decision.

use rustc_hash::FxHashMap;
use std::sync::{Arc, OnceLock};

use crate::canon::{self, CanonicalUrl, ParsedUrl};
use crate::category;
use crate::lookalike;
use crate::policy::time::Tz;
use crate::policy::{CategoryRule, Decision, Group, ListHit, ListedEntry, Policy};
use crate::ruleset::{
    self, CompiledExpressions, MatchKind, MatchRef, RuleMatch, Ruleset, RulesetBuilder,
    RulesetError,
};
use crate::search::{self, PhraseSet, SafeSearchPolicy, SearchKind, SearchRules};
use crate::verdict::{Action, Carried, Rule, SearchInfo, Verdict};
use crate::wrappers::{self, Wrapped};

mod decide;

use decide::Categories;
pub use decide::Decided;

/// How many wrappers deep the engine looks (a translated AMP page of a redirect is three).
pub const MAX_WRAPPER_DEPTH: usize = 4;

/// Where a URL is being loaded: `data:` images inside a page are normal; a `data:` page is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Frame {
    /// The tab's own page.
    #[default]
    TopLevel,
    /// A page inside a frame: judged like a top-level page (frames are a bypass route).
    Subframe,
    /// An image, script, style…: non-web schemes are allowed here.
    Subresource,
}

/// One question for the engine.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The URL, as arbitrary bytes.
    pub url: &'a [u8],
    /// The age group (`eyfs`, `ks1`, `ks2`, `staff`, or a custom group in the policy).
    pub group: &'a str,
    /// The moment, in Unix seconds.
    pub at: i64,
    /// Where the URL is being loaded.
    pub frame: Frame,
}

impl<'a> Request<'a> {
    /// A top-level request.
    pub fn new(url: &'a [u8], group: &'a str, at: i64) -> Self {
        Request {
            url,
            group,
            at,
            frame: Frame::TopLevel,
        }
    }
}

/// What an engine compiles for one group of its policy.
struct CompiledGroup {
    /// The group's own allow and deny entries, if it has any (the rest skip the lookup).
    lists: Option<GroupLists>,
    /// What every tag of every ruleset means to the group: `[ruleset][tag]`. A navigation reads
    /// these instead of looking the group's settings up by category name.
    tag_rules: Vec<Box<[CategoryRule]>>,
}

/// A group's allow and deny entries, compiled like any list, with the text the admin wrote.
struct GroupLists {
    allow: Ruleset,
    deny: Ruleset,
    written: FxHashMap<String, String>,
}

/// Everything needed to judge URLs: a policy and the compiled lists it uses. Immutable: a new
/// policy or list means a new engine, so a broken update can never half-replace a working one.
pub struct Engine {
    policy: Policy,
    rulesets: Vec<Ruleset>,
    /// Each ruleset's regular expressions, compiled to match (same order as `rulesets`).
    expressions: Vec<CompiledExpressions>,
    /// What was compiled for each group of the policy, in the policy's group order.
    groups: Vec<CompiledGroup>,
    /// Whether any ruleset has squidGuard expressions: they read the whole URL, so no decision
    /// is made from the host alone.
    has_expressions: bool,
    /// The school's own phrase set, or `None` for the built-in one (compiled once per process,
    /// on the first search, so a woken service worker's first verdict does not wait for it).
    phrases: Option<PhraseSet>,
}

/// Why an engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A ruleset or a group's allow/deny entries could not be compiled.
    #[error("ruleset: {0}")]
    Ruleset(#[from] RulesetError),
}

/// A partial verdict for one page (the URL itself, a lookalike's target, or a carried page).
struct Judgement {
    decision: Decision,
    rule: Rule,
}

impl Judgement {
    /// A judgement without words, for [`Engine::decide`]: no category or rule text is built
    /// (the empty strings do not allocate).
    fn bare(allow: bool, locked: bool, next_change: Option<i64>) -> Judgement {
        let decision = Decision {
            allow,
            locked,
            category: None,
            rule: String::new(),
            next_change,
        };
        let rule = Rule::Uncategorised {
            setting: String::new(),
        };
        Judgement { decision, rule }
    }

    fn new(allow: bool, rule: Rule) -> Judgement {
        let decision = Decision {
            allow,
            locked: false,
            category: None,
            rule: String::new(),
            next_change: None,
        };
        Judgement { decision, rule }
    }

    /// Locked beats block beats allow; time rules are not stricter than their plain form here,
    /// because wrappers and lookalikes compare whole pages, not categories.
    fn strictness(&self) -> u8 {
        match (self.decision.locked, self.decision.allow) {
            (true, _) => 2,
            (false, false) => 1,
            (false, true) => 0,
        }
    }
}

/// What decided, beyond the rule: a lookalike or a carried page.
#[derive(Default)]
struct Context {
    carried: Option<Carried>,
    lookalike_of: Option<String>,
}

/// Everything `Engine::judge` found out about one request.
struct Judged {
    parsed: Option<ParsedUrl>,
    judgement: Judgement,
    context: Context,
    findings: Findings,
}

/// What was found on the way, whichever judgement wins: list matches and the search.
#[derive(Default)]
struct Findings {
    /// Whether the verdict is explained ([`Engine::classify`]): only then are matches copied,
    /// the search recorded and rules put in words. [`Engine::decide`] needs none of it.
    explain: bool,
    /// Set by [`Engine::decide_now`]: time-window categories answer for now only.
    skip_next_change: bool,
    matches: Vec<RuleMatch>,
    search: Option<SearchInfo>,
}

impl Engine {
    /// Builds an engine from a policy and compiled rulesets. When the policy says so
    /// (`builtin_lists`, the default) the built-in starter lists are added.
    pub fn new(policy: Policy, rulesets: Vec<Ruleset>) -> Result<Engine, EngineError> {
        Engine::build(policy, rulesets, None)
    }

    /// Like [`Engine::new`], with search phrase lists of the school's own (see
    /// `PhraseSet::builtin_with` to extend the built-in ones).
    pub fn with_phrases(
        policy: Policy,
        rulesets: Vec<Ruleset>,
        phrases: PhraseSet,
    ) -> Result<Engine, EngineError> {
        Engine::build(policy, rulesets, Some(phrases))
    }

    fn build(
        policy: Policy,
        rulesets: Vec<Ruleset>,
        phrases: Option<PhraseSet>,
    ) -> Result<Engine, EngineError> {
        let mut all = Vec::with_capacity(rulesets.len() + 1);
        if policy.builtin_lists() {
            all.push(crate::builtin::ruleset()?);
        }
        all.extend(rulesets);
        let rulesets = all;
        let mut expressions = Vec::with_capacity(rulesets.len());
        for ruleset in &rulesets {
            expressions.push(CompiledExpressions::new(ruleset)?);
        }
        let has_expressions = expressions.iter().any(|e| !e.is_empty());
        let mut groups = Vec::new();
        for group in policy.groups() {
            let has_lists = !group.allow().is_empty() || !group.deny().is_empty();
            let lists = match has_lists {
                true => Some(compile_group_lists(group.name(), group)?),
                false => None,
            };
            let mut tag_rules = Vec::with_capacity(rulesets.len());
            for ruleset in &rulesets {
                let rules = ruleset.tag_categories().map(|c| group.category_rule(c));
                tag_rules.push(rules.collect());
            }
            groups.push(CompiledGroup { lists, tag_rules });
        }
        Ok(Engine {
            policy,
            rulesets,
            expressions,
            groups,
            has_expressions,
            phrases,
        })
    }

    /// The built-in default policy with the built-in starter lists.
    pub fn builtin() -> Engine {
        match Engine::new(Policy::builtin(), Vec::new()) {
            Ok(engine) => engine,
            // The built-in policy and lists are compiled and tested with every build.
            Err(e) => unreachable!("built-in policy and lists must compile: {e}"),
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Judges one URL for one group at one moment, with everything a "why?" screen shows.
    pub fn classify(&self, request: &Request<'_>) -> Verdict {
        let judged = self.judge(request, true);
        let safe_search = match (&judged.parsed, self.policy.group(request.group)) {
            (Some(ParsedUrl::Web(url)), Some(group)) => self.safe_search(url, group),
            _ => None,
        };
        let canonical = judged.parsed.as_ref().map(|p| match p {
            ParsedUrl::Web(u) => u.to_string(),
            ParsedUrl::Other(o) => o.to_string(),
        });
        let url = String::from_utf8_lossy(request.url).into_owned();
        self.finish(url, canonical, request, judged, safe_search)
    }

    /// Parses and judges, collecting what a verdict reports when `explain` is set.
    fn judge(&self, request: &Request<'_>, explain: bool) -> Judged {
        let mut findings = Findings {
            explain,
            ..Findings::default()
        };
        let Some(group) = self.policy.group(request.group) else {
            let rule = Rule::UnknownGroup {
                group: request.group.to_string(),
            };
            return Judged {
                parsed: None,
                judgement: Judgement::new(false, rule),
                context: Context::default(),
                findings,
            };
        };
        match canon::parse(request.url) {
            Err(e) => {
                let rule = Rule::Unparseable {
                    error: e.to_string(),
                };
                Judged {
                    parsed: None,
                    judgement: Judgement::new(false, rule),
                    context: Context::default(),
                    findings,
                }
            }
            Ok(parsed) => {
                let (judgement, context) =
                    self.judge_parsed(&parsed, group, request, 0, &mut findings);
                Judged {
                    parsed: Some(parsed),
                    judgement,
                    context,
                    findings,
                }
            }
        }
    }

    /// The search phrase set in use.
    pub fn phrases(&self) -> &PhraseSet {
        static BUILTIN: OnceLock<PhraseSet> = OnceLock::new();
        self.phrases.as_ref().unwrap_or_else(|| {
            BUILTIN.get_or_init(|| match PhraseSet::builtin() {
                Ok(set) => set,
                // The built-in phrase lists are compiled and tested with every build.
                Err(e) => unreachable!("built-in search phrases must compile: {e}"),
            })
        })
    }

    /// Judges search text directly, as the group's web searches are judged.
    pub fn judge_search(&self, text: &str, group: &Group) -> search::SearchVerdict {
        self.judge_search_in(text, group, search::Vertical::Web)
    }

    /// Judges search text as the group's searches of this vertical are judged (image and video
    /// searches more strictly).
    pub fn judge_search_in(
        &self,
        text: &str,
        group: &Group,
        vertical: search::Vertical,
    ) -> search::SearchVerdict {
        self.phrases()
            .judge_in(text, &search_rules(group), vertical)
    }

    /// How to force safe results for this URL and group, when it is a search or video site.
    pub fn safe_search(&self, url: &CanonicalUrl, group: &Group) -> Option<search::SafeSearch> {
        let policy = SafeSearchPolicy::for_group_preset(group.preset().id()).unwrap_or_default();
        let enforcement = search::enforce(url.host(), url.path(), url.raw_query(), &policy);
        enforcement.engine.is_some().then_some(enforcement)
    }

    fn judge_parsed(
        &self,
        parsed: &ParsedUrl,
        group: &Group,
        request: &Request<'_>,
        depth: usize,
        findings: &mut Findings,
    ) -> (Judgement, Context) {
        match parsed {
            ParsedUrl::Web(url) => self.judge_web(url, group, request, depth, findings),
            ParsedUrl::Other(other) => {
                if let Some(carried) = wrappers::carried_by_other(other) {
                    if let Some(result) =
                        self.judge_carried(&carried, group, request, depth, findings)
                    {
                        return result;
                    }
                }
                (
                    self.judge_non_web(&other.scheme, group, request),
                    Context::default(),
                )
            }
        }
    }

    fn judge_non_web(&self, scheme: &str, group: &Group, request: &Request<'_>) -> Judgement {
        if request.frame == Frame::Subresource {
            let setting = "non-web resources inside a page are allowed".to_string();
            return Judgement::new(
                true,
                Rule::NonWeb {
                    scheme: scheme.to_string(),
                    setting,
                },
            );
        }
        let mut decision = group.decide_non_web(request.at);
        // The rule's words move into the verdict's rule: the decision's copy is never read again.
        let rule = Rule::NonWeb {
            scheme: scheme.to_string(),
            setting: std::mem::take(&mut decision.rule),
        };
        Judgement { decision, rule }
    }

    fn judge_web(
        &self,
        url: &CanonicalUrl,
        group: &Group,
        request: &Request<'_>,
        depth: usize,
        findings: &mut Findings,
    ) -> (Judgement, Context) {
        let wrapped = wrappers::carried_by_web(url);
        // A page the service shows that cannot be known from its URL, or one wrapped deeper than
        // the engine looks, is judged as filter bypass: never waved through unjudged.
        let unjudgeable = match &wrapped {
            Some(Wrapped::Unjudgeable(via)) => Some(*via),
            Some(Wrapped::Pages(pages)) if depth >= MAX_WRAPPER_DEPTH => {
                pages.first().map(|p| p.via)
            }
            _ => None,
        };
        let mut best = (
            self.judge_page(url, group, request, findings, unjudgeable)
                .0,
            Context::default(),
        );
        if let Some(judgement) = self.judge_search_url(url, group, findings) {
            if judgement.strictness() > best.0.strictness() {
                best = (judgement, Context::default());
            }
        }
        if let Some(imitated) = lookalike::imitated_host(url.host()) {
            if let Some(target) = with_host(url, &imitated) {
                let (judgement, listed) = self.judge_page(&target, group, request, findings, None);
                // Only a listed target makes a lookalike matter; an unlisted one says nothing.
                if listed > 0 && judgement.strictness() > best.0.strictness() {
                    best = (
                        judgement,
                        Context {
                            carried: None,
                            lookalike_of: Some(imitated),
                        },
                    );
                }
            }
        }
        if let (true, Some(Wrapped::Pages(pages))) = (depth < MAX_WRAPPER_DEPTH, &wrapped) {
            // Every page carried is judged (each value of a repeated parameter): the strictest wins.
            for carried in pages {
                if let Some(inner) = self.judge_carried(carried, group, request, depth, findings) {
                    if inner.0.strictness() > best.0.strictness() {
                        best = inner;
                    } else {
                        best.0.decision.next_change =
                            earliest(best.0.decision.next_change, inner.0.decision.next_change);
                    }
                }
            }
        }
        best
    }

    fn judge_carried(
        &self,
        carried: &wrappers::Carried,
        group: &Group,
        request: &Request<'_>,
        depth: usize,
        findings: &mut Findings,
    ) -> Option<(Judgement, Context)> {
        // A wrapper around something unreadable is judged as the wrapper alone: a redirect with
        // a relative or garbled target is common and harmless.
        let parsed = canon::parse(&carried.url).ok()?;
        let (judgement, inner) = self.judge_parsed(&parsed, group, request, depth + 1, findings);
        if !findings.explain {
            return Some((judgement, Context::default()));
        }
        let shown = match &parsed {
            ParsedUrl::Web(u) => u.to_string(),
            ParsedUrl::Other(o) => o.to_string(),
        };
        let context = Context {
            // The innermost carried page is the one worth showing.
            carried: inner.carried.or(Some(Carried {
                via: carried.via.to_string(),
                url: shown,
            })),
            lookalike_of: inner.lookalike_of,
        };
        Some((judgement, context))
    }

    /// The search in a URL, judged for the group: a judgement only when it blocks. The first
    /// search found (the outermost page's) is the one reported.
    fn judge_search_url(
        &self,
        url: &CanonicalUrl,
        group: &Group,
        findings: &mut Findings,
    ) -> Option<Judgement> {
        let (host, path, query) = (url.host(), url.path(), url.raw_query());
        let declared = self.policy.search_engines();
        let found = search::extract(host, path, query)
            .or_else(|| search::engines::extract_declared(declared, host, path, query))?;
        let verdict = self.judge_search_in(&found.terms, group, found.vertical);
        let blocks = verdict.blocked && found.kind == SearchKind::Submitted;
        if !findings.explain {
            let locked = verdict
                .blocking_categories
                .first()
                .is_some_and(|c| category::is_locked(c));
            return blocks.then(|| Judgement::bare(false, locked, None));
        }
        let judgement = blocks.then(|| {
            let category = verdict.blocking_categories.first().cloned().unwrap_or_default();
            let rule = Rule::Search {
                engine: found.engine.to_string(),
                phrases: verdict
                    .matches
                    .iter()
                    .filter(|m| m.weight > 0)
                    .map(|m| m.phrase.clone())
                    .collect(),
                // The blocking category's own score and threshold: strict categories, images
                // and videos have lower ones, and a help-seeking search is answered with support
                // whatever its score.
                setting: {
                    let (score, threshold) = verdict
                        .category_scores
                        .iter()
                        .find(|c| c.category == category)
                        .map_or((verdict.score, verdict.threshold), |c| (c.score, c.threshold));
                    if verdict.help_seeking {
                        format!(
                            "a pupil in {} asking for help about {category} (search score {score}): answered with support, and the DSL alerted",
                            group.label()
                        )
                    } else {
                        format!(
                            "search score {score} for {category} reached the threshold of {threshold} for {}",
                            group.label()
                        )
                    }
                },
            };
            let decision = if category::is_locked(&category) {
                Decision::locked(&category)
            } else {
                Decision {
                    allow: false,
                    locked: false,
                    category: Some(category),
                    rule: String::new(),
                    next_change: None,
                }
            };
            Judgement { decision, rule }
        });
        if findings.search.is_none() {
            findings.search = Some(SearchInfo {
                engine: found.engine.to_string(),
                kind: found.kind,
                vertical: found.vertical,
                terms: found.terms,
                verdict,
            });
        }
        judgement
    }

    /// One page, no unwrapping: the policy's precedence (`Group::outcome`) over what matched.
    /// Also says how many list entries matched. Besides the lists, a page is in a category by
    /// its address alone: a raw IP address not of the school's own is `ip-address`, and a page
    /// a service shows that cannot be known (`unjudgeable`, the service's id) is `proxy-vpn`.
    fn judge_page<'e>(
        &'e self,
        url: &CanonicalUrl,
        group: &Group,
        request: &Request<'_>,
        findings: &mut Findings,
        unjudgeable: Option<&'static str>,
    ) -> (Judgement, usize) {
        let raw_ip = self.is_raw_ip(url.host());
        let lists = self.compiled(group).and_then(|c| c.lists.as_ref());
        let hit = lists.and_then(|lists| lists.hit(url));
        let list_hit = hit.as_ref().map(|(deny, text, _)| {
            if *deny {
                ListHit::Deny(text)
            } else {
                ListHit::Allow(text)
            }
        });
        let (host, path, query) = (url.host(), url.path(), url.query());
        if !findings.explain {
            // The categories alone decide: borrowed from the rulesets, nothing copied.
            let mut categories = Categories::default();
            let mut note = |m: MatchRef<'_, 'e>| categories.note(m.category);
            ruleset::for_each_match_in(&self.rulesets, host, path, query, &mut note);
            for expressions in &self.expressions {
                expressions.for_each_match(host, path, query, &mut note);
            }
            if raw_ip {
                categories.note(category::IP_ADDRESS);
            }
            if unjudgeable.is_some() {
                categories.note(category::PROXY_VPN);
            }
            let o = self.outcome(group, &categories, list_hit, request.at, findings);
            return (
                Judgement::bare(o.allow, o.locked, o.next_change),
                categories.count,
            );
        }
        let matches = &mut findings.matches;
        let first = matches.len();
        for (ruleset, expressions) in self.rulesets.iter().zip(&self.expressions) {
            ruleset.matches_parts(host, path, query, matches);
            expressions.matches_parts(host, path, query, matches);
        }
        if raw_ip || unjudgeable.is_some() {
            shape_matches(url, raw_ip, unjudgeable.is_some(), matches);
        }
        most_specific_first(&mut matches[first..]);
        let found = &matches[first..];
        let mut categories: Vec<&str> = Vec::new();
        for m in found {
            if !categories.contains(&&*m.category) {
                categories.push(&m.category);
            }
        }
        let mut decision = group.decide_all(&categories, list_hit, request.at);
        // The rule's words move into the verdict's rule: the decision's copy is never read again.
        let setting = std::mem::take(&mut decision.rule);
        let entry_for = |category: &str| found.iter().find(|m| &*m.category == category);
        let rule = match (&hit, &decision.category) {
            _ if decision.locked => {
                let m = found.iter().find(|m| m.locked);
                Rule::Locked {
                    entry: m.map(|m| m.key.clone()).unwrap_or_default(),
                    source: m.map(|m| m.source.to_string()).unwrap_or_default(),
                }
            }
            (Some((true, entry, setting)), _) => Rule::GroupDeny {
                entry: entry.clone(),
                setting: setting.clone(),
            },
            (Some((false, entry, setting)), _) => Rule::GroupAllow {
                entry: entry.clone(),
                setting: setting.clone(),
            },
            (None, Some(category)) => Rule::Category {
                entry: entry_for(category)
                    .map(|m| m.key.clone())
                    .unwrap_or_default(),
                source: entry_for(category)
                    .map(|m| m.source.to_string())
                    .unwrap_or_default(),
                setting,
            },
            (None, None) => Rule::Uncategorised { setting },
        };
        (Judgement { decision, rule }, found.len())
    }

    /// Whether a canonical host is a raw IP address outside the school's own addresses.
    fn is_raw_ip(&self, host: &str) -> bool {
        canon::is_ip_host(host) && !self.is_own_address(host)
    }

    /// Out of line: only address hosts get here.
    #[inline(never)]
    fn is_own_address(&self, host: &str) -> bool {
        self.policy.school().is_own_address(host)
    }

    fn tz(&self) -> Tz {
        self.policy.timezone()
    }

    fn finish(
        &self,
        url: String,
        canonical: Option<String>,
        request: &Request<'_>,
        judged: Judged,
        safe_search: Option<search::SafeSearch>,
    ) -> Verdict {
        let Judged {
            judgement,
            context,
            findings,
            ..
        } = judged;
        let Findings {
            mut matches,
            search,
            ..
        } = findings;
        matches.dedup();
        let group_label = self
            .policy
            .group(request.group)
            .map_or_else(|| request.group.to_string(), |g| g.label().to_string());
        let reason = explain(&judgement, &context, &group_label);
        let decision = judgement.decision;
        let next_change_local = decision.next_change.map(|t| rfc3339_local(self.tz(), t));
        let (flavour, alerts) = match &search {
            Some(s) if s.kind == SearchKind::Submitted => {
                (s.verdict.flavour, s.verdict.alerts.clone())
            }
            _ => (None, Vec::new()),
        };
        // A self-harm site gets the same kind words as a self-harm search.
        let flavour = flavour.or_else(|| {
            (decision.category.as_deref() == Some("self-harm") && !decision.allow)
                .then_some(search::Flavour::Support)
        });
        Verdict {
            url,
            canonical,
            action: if decision.allow {
                Action::Allow
            } else {
                Action::Block
            },
            category: decision.category,
            locked: decision.locked,
            reason,
            rule: judgement.rule,
            group: request.group.to_string(),
            carried: context.carried,
            lookalike_of: context.lookalike_of,
            next_change: decision.next_change,
            next_change_local,
            matches,
            search,
            safe_search,
            flavour,
            alerts,
        }
    }
}

/// The group's preset search rules, with the policy's own threshold when it sets one.
fn search_rules(group: &Group) -> SearchRules {
    let preset = SearchRules::for_group_preset(group.preset().id()).unwrap_or_default();
    match group.search_threshold() {
        Some(threshold) => preset.with_threshold(threshold),
        None => preset,
    }
}

/// The matches no list holds, for an explanation: a raw IP address host, and a page a service
/// shows that cannot be checked. Out of line: few URLs need them.
#[inline(never)]
fn shape_matches(
    url: &CanonicalUrl,
    raw_ip: bool,
    unjudgeable: bool,
    matches: &mut Vec<RuleMatch>,
) {
    let mut push = |key: &str, category: &str, source: &str| {
        matches.push(RuleMatch {
            key: key.to_string(),
            kind: MatchKind::UrlPrefix,
            category: Arc::from(category),
            source: Arc::from(source),
            locked: false,
        })
    };
    if raw_ip {
        push(url.host(), category::IP_ADDRESS, "built-in/ip-address");
    }
    if unjudgeable {
        // The service's page itself is the entry: the page it shows cannot be checked.
        let source = "built-in/wrappers: a page this service shows that cannot be checked";
        push(url.host(), category::PROXY_VPN, source);
    }
}

fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn with_host(url: &CanonicalUrl, host: &str) -> Option<CanonicalUrl> {
    let mut text = format!("{}://{host}{}", url.scheme(), url.path());
    if let Some(q) = url.query() {
        text.push('?');
        text.push_str(q);
    }
    canon::canonicalize(text.as_bytes()).ok()
}

fn compile_group_lists(name: &str, group: &Group) -> Result<GroupLists, RulesetError> {
    let mut written = FxHashMap::default();
    let mut compile = |entries: &[ListedEntry], setting: &str| -> Result<Ruleset, RulesetError> {
        let mut builder = RulesetBuilder::new();
        for listed in entries {
            builder.add(listed.entry(), "school-list", setting)?;
            written.insert(listed.entry().key(), listed.text().to_string());
        }
        let (bytes, _) = builder.build()?;
        Ruleset::from_bytes(bytes)
    };
    let allow = compile(group.allow(), &format!("groups.{name}.allow"))?;
    let deny = compile(group.deny(), &format!("groups.{name}.deny"))?;
    Ok(GroupLists {
        allow,
        deny,
        written,
    })
}

impl GroupLists {
    /// [`GroupLists::hit`] from the host alone, for a decision (the entry's text is left out):
    /// `Some(None)` when no entry matches, and `None` when an entry with a path under the host
    /// could be the most specific, so the whole URL must be read.
    fn host_hit(&self, host: &str) -> Option<Option<ListHit<'static>>> {
        // The longest matching key (0: none), or `None` if the path could add a longer one.
        let longest = |list: &Ruleset| {
            let mut longest = 0;
            let has_paths = ruleset::for_each_host_tag_in(
                std::slice::from_ref(list),
                host,
                &mut |_, key, _| longest = longest.max(key.len()),
            );
            (!has_paths).then_some(longest)
        };
        let (deny, allow) = (longest(&self.deny)?, longest(&self.allow)?);
        // As `hit`: the longer entry wins, deny on a tie.
        Some(if allow > deny {
            Some(ListHit::Allow(""))
        } else if deny > 0 {
            Some(ListHit::Deny(""))
        } else {
            None
        })
    }

    /// The most specific matching entry, deny winning a tie: (is deny, text as written, setting).
    fn hit(&self, url: &CanonicalUrl) -> Option<(bool, String, String)> {
        let best = |list: &Ruleset| {
            if list.is_empty() {
                return None;
            }
            let mut found = Vec::new();
            list.matches(url, &mut found);
            found
                .into_iter()
                .filter(|m| m.kind != MatchKind::Expression)
                .max_by_key(|m| m.key.len())
        };
        let (deny, allow) = (best(&self.deny), best(&self.allow));
        let (is_deny, m) = match (deny, allow) {
            (Some(d), Some(a)) if a.key.len() > d.key.len() => (false, a),
            (Some(d), _) => (true, d),
            (None, Some(a)) => (false, a),
            (None, None) => return None,
        };
        let text = self
            .written
            .get(&m.key)
            .cloned()
            .unwrap_or_else(|| m.key.clone());
        Some((is_deny, text, m.source.to_string()))
    }
}

fn explain(judgement: &Judgement, context: &Context, group: &str) -> String {
    let verb = if judgement.decision.allow {
        "Allowed"
    } else {
        "Blocked"
    };
    let mut text = match &judgement.rule {
        Rule::Unparseable { error } => format!("Blocked: this address cannot be read as a URL ({error})."),
        Rule::UnknownGroup { group } => format!("Blocked: the group `{group}` is not in the policy, so nothing is allowed."),
        Rule::Locked { entry, source } => format!(
            "Blocked for everyone: {entry} is on the {} ({source}). This is illegal content and no setting can unblock it.",
            category::label(judgement.decision.category.as_deref().unwrap_or_default())
        ),
        Rule::GroupDeny { entry, setting } => format!("Blocked for {group}: {entry} is on the school's deny list ({setting})."),
        Rule::GroupAllow { entry, setting } => format!("Allowed for {group}: {entry} is on the school's allow list ({setting})."),
        Rule::Category { entry, source, setting } => format!(
            "{verb} for {group}: {entry} is listed as {} ({source}); {setting}.",
            category::label(judgement.decision.category.as_deref().unwrap_or_default())
        ),
        Rule::Search { engine, phrases, setting } => format!(
            "{verb} for {group}: this {engine} search was judged {} ({}); {setting}.",
            category::label(judgement.decision.category.as_deref().unwrap_or_default()),
            phrases.join(", ")
        ),
        Rule::Uncategorised { setting } => format!("{verb} for {group}: no list has this site; {setting}."),
        Rule::NonWeb { scheme, setting } => format!("{verb} for {group}: `{scheme}:` addresses are not web pages; {setting}."),
    };
    if let Some(imitated) = &context.lookalike_of {
        text = format!("This address imitates {imitated} with lookalike letters. {text}");
    }
    if let Some(carried) = &context.carried {
        text = format!(
            "This page ({}) carries {}. {text}",
            carried.via, carried.url
        );
    }
    text
}

/// `2026-11-25T12:15:00+00:00` in the school's time zone.
pub fn rfc3339_local(tz: Tz, unix: i64) -> String {
    let local = tz.to_local(unix);
    let (h, m, s) = (
        local.second_of_day / 3600,
        local.second_of_day / 60 % 60,
        local.second_of_day % 60,
    );
    let offset = local.offset_secs;
    let sign = if offset < 0 { '-' } else { '+' };
    let (oh, om) = (offset.abs() / 3600, offset.abs() / 60 % 60);
    format!(
        "{:04}-{:02}-{:02}T{h:02}:{m:02}:{s:02}{sign}{oh:02}:{om:02}",
        local.year, local.month, local.day
    )
}

/// Orders matches most specific first, keeping the found order among equals: a URL-prefix entry
/// explains better than its whole domain. Out of line: only explanations sort, and the
/// decision-only path shares `judge_page`.
#[inline(never)]
fn most_specific_first(matches: &mut [RuleMatch]) {
    crate::sort::sort_stable_by(matches, &mut |a, b| b.key.len().cmp(&a.key.len()));
}
