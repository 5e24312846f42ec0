
/** Allow or block. */
export type Action = "allow" | "block";

/** What decided a verdict (the core's `verdict::Rule`), tagged by `kind`. */
export type Rule =
  | { kind: "unparseable"; error: string }
  | { kind: "unknown-group"; group: string }
  | { kind: "locked"; entry: string; source: string }
  | { kind: "group-deny"; entry: string; setting: string }
  | { kind: "group-allow"; entry: string; setting: string }
  | { kind: "category"; entry: string; source: string; setting: string }
  | { kind: "search"; engine: string; phrases: string[]; setting: string }
  | { kind: "uncategorised"; setting: string }
  | { kind: "non-web"; scheme: string; setting: string };

/** One list entry that matched a URL. */
export interface RuleMatch {
  /** `example.com`, `example.com/games`, or the expression. */
  key: string;
  kind: "domain" | "url-prefix" | "expression";
  category: string;
  /** The list it came from (`built-in/gambling.txt`, or a `compileLists` name). */
  source: string;
  locked: boolean;
}

/** A page carried inside a wrapper (translation proxy, AMP cache, redirector, archive, view-source). */
export interface Carried {
  /** Wrapper id: `google-translate`, `amp-cache`, `web-archive`, `view-source`, … */
  via: string;
  /** The carried page's canonical URL. */
  url: string;
}

/** The engine's answer for one URL, group and moment: the CLI's JSON, field for field. */
export interface Verdict {
  /** The input as given (lossy UTF-8). */
  url: string;
  /** Its canonical form, or `null` when it could not be parsed. */
  canonical: string | null;
  action: Action;
  /** The category that decided, if any. */
  category: string | null;
  /** A locked (illegal-content) list decided: nothing can unblock this. */
  locked: boolean;
  /** A sentence a teacher can read. */
  reason: string;
  rule: Rule;
  group: string;
  carried: Carried | null;
  /** When the host imitates another with lookalike letters: the host it imitates. */
  lookalike_of: string | null;
  /** For time rules: when (Unix seconds) this verdict next changes. */
  next_change: number | null;
  /** `next_change` in the school's time zone, RFC 3339. */
  next_change_local: string | null;
  /** Every list entry that matched, most specific first. */
  matches: RuleMatch[];
  /** The search in this URL (or in a page it carries), when it is one, and how it was judged. */
  search: SearchInfo | null;
  /** How to force safe results on a search or video site, when it is one. */
  safe_search: SafeSearch | null;
  /** `support`: the block page should offer help (Childline 0800 1111), not a telling-off. */
  flavour: Flavour | null;
  /** Safeguarding or Prevent alerts for the Designated Safeguarding Lead. */
  alerts: Alert[];
}

/** What the blocked-search page should offer. */
export type Flavour = "support";

/** Someone must be told. */
export type Alert = { kind: "safeguarding"; category: string } | { kind: "prevent" };

/** Which reading of the search text a phrase was found in. */
export type Via = "plain" | "lookalike" | "leetspeak" | "stretched" | "leetspeak_stretched";

/** Search text in the form phrases are matched against. */
export interface Normalized {
  /** Lowercase words separated by single spaces. */
  text: string;
  /** Other readings matched too (leetspeak, stretched letters, lookalike letters). */
  readings: { via: Via; text: string }[];
  /** The input was longer than the limit and was cut. */
  truncated: boolean;
}

/** One phrase found in a search. */
export interface PhraseMatch {
  /** As written in its list (`a + b` for a combination). */
  phrase: string;
  category: string;
  weight: number;
  /** Its list's language. */
  lang: string;
  via: Via;
}

/** The judgement of search text for one group (`sg.judgeSearch`). */
export interface SearchVerdict {
  normalized: Normalized;
  /** Phrases found (after exceptions), strongest first. */
  matches: PhraseMatch[];
  /** Exception phrases that cancelled matches. */
  exceptions: string[];
  /** The sum of every matched weight. */
  score: number;
  /** Categories with a positive match, highest first. */
  category_scores: { category: string; score: number }[];
  category: string | null;
  /** The group's threshold. */
  threshold: number;
  blocked: boolean;
  blocking_categories: string[];
  /** Not blocked, but worth a look in reports. */
  flagged: boolean;
  flavour: Flavour | null;
  alerts: Alert[];
  /** A safeguarding-education context was found (Childline, puberty, online grooming…). */
  education: boolean;
}

/** A search found in a URL, with the judgement of its terms (`Verdict.search`). */
export interface SearchInfo extends SearchVerdict {
  /** `google`, `bing`, `youtube`, `kiddle`, … */
  engine: string;
  /** A results page, or an autocomplete request (judged, never blocked). */
  kind: "submitted" | "suggestion";
  vertical: "web" | "images" | "videos" | "news";
  /** The decoded terms. */
  terms: string;
}

/** How to make a request to a search or video site safe (`sg.safeSearch`, `Verdict.safe_search`). */
export interface SafeSearch {
  /** The search or video site, or `null` when the URL is not one. */
  engine: string | null;
  /** The `path?query` to redirect to, same scheme and host; `null` when already safe. */
  rewrite: string | null;
  /** Request headers to set, as `[name, value]` (YouTube's `YouTube-Restrict`). */
  headers: [string, string][];
}

/** One of the policy's groups. */
export interface GroupInfo {
  /** As used in `[groups.NAME]` and by `classify`. */
  name: string;
  /** For people: `Key Stage 2`, `Year 6`. */
  label: string;
  /** Whether `staff-only` categories are allowed. */
  staff: boolean;
  /** The preset the group starts from. */
  preset: "eyfs" | "ks1" | "ks2" | "staff";
}

/** One problem in a policy, as `Schoolgate.fromPolicy`'s `Error` lists it in `.issues`. */
export interface PolicyIssue {
  /** 1-based line. */
  line: number;
  /** 1-based column, in characters. */
  column: number;
  /** Key path, e.g. `groups.ks2.categories.games`; empty for TOML syntax errors. */
  path: string;
  message: string;
}

/** The `Error` `Schoolgate.fromPolicy` throws for a rejected policy. */
export interface PolicyError extends Error {
  issues: PolicyIssue[];
}

/** A policy action: a word, or time windows (school-local). */
export type PolicyAction =
  | "allow"
  | "block"
  | "staff-only"
  | { allow_at: { days: string; from: string; to: string }[] };

/** A group's action for one thing, and where it was set (`groups.ks2.categories.games`, `preset ks2 (games)`). */
export interface PolicySetting {
  action: PolicyAction;
  from: string;
}

/** One group with every setting resolved. */
export interface PolicyGroup {
  name: string;
  label: string;
  preset: "eyfs" | "ks1" | "ks2" | "staff";
  staff: boolean;
  categories: Record<string, PolicySetting>;
  uncategorised: PolicySetting;
  non_web: PolicySetting;
  /** Entries as written in the policy. */
  allow: string[];
  deny: string[];
  /** The group's own search score threshold, when the policy sets one (else the preset's). */
  search_threshold: number | null;
}

/** The whole resolved policy (`sg.policy()`). */
export interface PolicyObject {
  school: { name: string; timezone: "Europe/London" | "UTC"; /** The school's own IP addresses and ranges (`"10.0.0.0/8"`). */ addresses: string[] };
  builtin_lists: boolean;
  /** The school's own search phrase list files, as written (pass their text to `fromPolicy`). */
  search_phrases: string[];
  lists: { path: string; category: string; format: ListFormat; name: string | null }[];
  /** Search engines the policy declares (`[[search_engines]]`): hosts canonical, `path` "" for any. */
  search_engines: { name: string; hosts: string[]; path: string; query: string[]; vertical: "web" | "images" | "videos" | "news"; child_safe: boolean }[];
  /** Categories no teacher's override code may open (`never_override`), sorted. */
  never_override: string[];
  /** How long a teacher's override lasts, in minutes (1 to 480). */
  override_minutes: number;
  categories: Record<string, PolicyAction>;
  groups: Record<string, PolicyGroup>;
}

/** Why no teacher's code can open a page (`overrideScope`, `verifyOverride`). */
export type OverrideRefusal =
  | { kind: "locked"; category: string }
  | { kind: "never-override"; category: string }
  | { kind: "deny-entry"; entry: string }
  | { kind: "search" }
  | { kind: "carried"; via: string }
  | { kind: "lookalike"; of: string }
  | { kind: "not-a-web-page" };

/** `overrideScope`: what a teacher's code could do for a page. */
export interface OverrideScope {
  site: string | null;
  blocked: boolean;
  refusal: OverrideRefusal | null;
  /** The refusal in words (`null` when a code can open the page). */
  message: string | null;
  minutes: number;
}

/** An accepted code: the override to put in force (times in Unix seconds). */
export interface OverrideGrant {
  site: string;
  group: string;
  step: number;
  starts_at: number;
  ends_at: number;
  minutes: number;
}

/** `verifyOverride`'s answer. */
export type OverrideResult =
  | { ok: true; grant: OverrideGrant; error: null; message: null; refusal: null }
  | { ok: false; grant: null; error: "secret" | "malformed" | "wrong-code" | "used" | "not-blocked" | "refused" | "bad-time"; message: string; refusal: OverrideRefusal | null };


/** How a list file is written. */
export type ListFormat = "auto" | "domains" | "hosts" | "adblock" | "urls" | "expressions";

/** One list for `compileLists`. */
export interface ListInput {
  /** Names the list in rejections and verdicts (`source`). */
  name: string;
  /** The category of every entry. */
  category: string;
  /** Default `auto`: detected from the text. */
  format?: ListFormat;
  text: string;
}

/** A list line that did not become an entry. */
export interface RejectedLine {
  source: string;
  /** 1-based line number. */
  line: number;
  /** The line, cut to 200 characters. */
  text: string;
  reason: string;
}

/** What one list contributed to `compileLists`. */
export interface ListReport {
  name: string;
  /** The format used (detected when `auto`). */
  format: ListFormat;
  entries: number;
  rejected: number;
  /** Comments and blank lines. */
  skipped: number;
  duplicates: number;
  truncated: boolean;
}

/** `compileLists`' result. */
export interface CompiledLists {
  /** The compiled ruleset, for `Schoolgate.fromPolicy(toml, [bytes])`. */
  bytes: Uint8Array;
  /** Rules stored. */
  entries: number;
  /** Rejected lines (up to 100,000 per list). */
  rejected: RejectedLine[];
  /** Every rejected line, including any not kept in `rejected`. */
  rejectedCount: number;
  lists: ListReport[];
}

/** A school's own search phrase list for `Schoolgate.fromPolicy` (format: docs/search-phrases.md). */
export interface PhraseListInput {
  /** Names the list in errors and matches. */
  name: string;
  text: string;
}

/** `parseList`'s result: what one list holds, without compiling it. */
export interface ParsedListResult {
  name: string;
  /** The format used (detected when absent or `auto`). */
  format: ListFormat;
  /** Normalised as lookups use them: `example.com`, `example.com/games`, or the expression. */
  entries: { kind: "domain" | "url-prefix" | "expression"; key: string }[];
  /** Rejected lines (up to 100,000). */
  rejected: RejectedLine[];
  /** Every rejected line, including any not kept in `rejected`. */
  rejectedCount: number;
  /** Comments and blank lines. */
  skipped: number;
  duplicates: number;
  truncated: boolean;
}

/** One built-in starter list. */
export interface BuiltinList {
  category: string;
  /** File name, e.g. `gambling.txt` (verdicts name it `built-in/gambling.txt`). */
  file: string;
  text: string;
}

/** `coreFacts()`: the core's own tables, for JavaScript that needs them as data. */
export interface CoreFacts {
  /** Every category id the core knows by name, illegal ones first. */
  categories: string[];
  /** The locked categories: blocked for everyone, whatever any policy says. */
  lockedCategories: string[];
  /** The presets' ids, youngest first (`eyfs`, `ks1`, `ks2`, `staff`). */
  presets: string[];
  /** The search engines the core recognises, and where each serves from. */
  searchEngines: {
    id: string;
    /** Registrable domains, matched with any subdomain (`bing.com`, `search.yahoo.com`). */
    domains: string[];
    /** Names matched before a country or generic suffix (`google`: `google.de`, `www.google.co.uk`). */
    anyTld: string[];
    /** The exact hosts a SafeSearch request header is sent to (YouTube's `YouTube-Restrict`). */
    headerHosts: string[];
  }[];
}
