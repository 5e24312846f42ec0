//! List files in the formats schools meet, parsed into [`Entry`] values.
//!
//! The core never touches the filesystem: callers pass bytes (the CLI walks folders and uses
//! [`ListFormat::from_file_name`] to pick a format, or skip files that are not lists).
//!
//! Parsing never aborts on bad input. Every line that cannot be used is kept as a [`Rejected`]
//! with its line number and the reason, so a school's IT lead can see exactly what was dropped:
//!
//! ```
//! use schoolgate_core::lists::{parse_list, ListFormat};
//!
//! let list = parse_list("my-hosts", b"# blocked\n0.0.0.0 example.com\n0.0.0.0\n", ListFormat::Auto);
//! assert_eq!(list.format, ListFormat::Hosts);
//! assert_eq!(list.entries.len(), 1);
//! assert_eq!(list.rejected[0].to_string(), "my-hosts:3: hosts line has an address but no host name: 0.0.0.0");
//! ```

mod entry;
mod format;
mod line;

use rustc_hash::FxHashSet;
use std::fmt;

use thiserror::Error;

pub use entry::{parse_entry, Entry};
pub use format::ListFormat;

/// Where `needle` (not empty) first occurs in `haystack`: `haystack.find(needle)` by a plain
/// byte scan. List and phrase parsing look for a few short markers (`://`, `##`, ` + `), and the
/// standard library's two-way string search costs about 3 KB of WebAssembly for them.
pub(crate) fn find_str(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len().max(1))
        .position(|w| w == needle.as_bytes())
}

/// Lines longer than this are rejected unread: no real host or URL entry comes close.
pub const MAX_LINE_BYTES: usize = 2048;
/// The most entries one list may hold; the rest of a larger file is ignored, with a rejection
/// saying so. Twenty times the largest public category lists.
pub const MAX_LIST_ENTRIES: usize = 20_000_000;
/// The most rejections kept per list; beyond that they are only counted.
pub const MAX_KEPT_REJECTIONS: usize = 100_000;
/// Rejected line text is cut to this many characters.
pub const MAX_REJECTED_TEXT_CHARS: usize = 200;
/// How many bytes [`ListFormat::sniff`] is given when the format is [`ListFormat::Auto`].
const SNIFF_BYTES: usize = 64 * 1024;

/// Why a list line, or a format name, could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ListError {
    /// A format name that is not one of [`ListFormat`]'s.
    #[error(
        "unknown list format `{0}` (expected auto, domains, hosts, adblock, urls or expressions)"
    )]
    UnknownFormat(String),
    /// Longer than [`MAX_LINE_BYTES`].
    #[error("line is longer than {max} bytes")]
    LineTooLong {
        /// The limit.
        max: usize,
    },
    /// Bytes that are not UTF-8.
    #[error("line is not valid utf-8")]
    InvalidUtf8,
    /// A domain or URL line with more than one word.
    #[error("entry contains spaces")]
    ContainsSpaces,
    /// A `*` anywhere but a leading `*.`.
    #[error("wildcards are only allowed as a leading `*.`")]
    Wildcard,
    /// The host cannot be a host name or IP address.
    #[error("invalid host `{host}`: {reason}")]
    InvalidHost {
        /// The host as read.
        host: String,
        /// Why.
        reason: String,
    },
    /// One label only: as an entry it would cover a whole top-level domain.
    #[error("`{0}` is a single-label host; it would cover a whole top-level domain")]
    SingleLabel(String),
    /// A public suffix (`co.uk`, `github.io`), or a name whose every child is one (`sch.uk`): as
    /// an entry it would cover every site anyone can register under it. See
    /// [`crate::public_suffix::covers_a_public_suffix`].
    #[error("`{0}` is on the Public Suffix List (or every name under it is): as an entry it would cover every site registered under it")]
    PublicSuffix(String),
    /// An expression that matches every address (`.`, `/`, `.*`): it would cover the whole web.
    #[error("the expression matches every address: it would cover the whole web")]
    MatchesEverything,
    /// `localhost`, `broadcasthost`, `0.0.0.0` and the like from a hosts file's preamble.
    #[error("`{0}` is a hosts-file housekeeping name, not a site")]
    Housekeeping(String),
    /// A hosts line with an address and nothing else.
    #[error("hosts line has an address but no host name")]
    AddressOnly,
    /// Several words, the first of which is not an IP address.
    #[error("hosts line does not start with an ip address")]
    NotHostsLine,
    /// A URL that the canonicaliser rejects.
    #[error("invalid url: {0}")]
    InvalidUrl(String),
    /// Adblock syntax a URL filter cannot honour (cosmetic, exception, regex, options).
    #[error("unsupported adblock rule: {0}")]
    UnsupportedAdblock(String),
    /// A regular expression that does not compile.
    #[error("invalid regular expression: {0}")]
    InvalidExpression(String),
    /// More than [`MAX_LIST_ENTRIES`] entries.
    #[error("too many entries: a list may hold at most {max}; the rest of the file was ignored")]
    TooManyEntries {
        /// The limit.
        max: usize,
    },
}

/// A line that could not be used, with where it was and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The list's name as given to [`parse_list`].
    pub source: String,
    /// 1-based line number.
    pub line: u32,
    /// The line, lossily decoded and cut to [`MAX_REJECTED_TEXT_CHARS`] characters.
    pub text: String,
    /// Why it was rejected (several reasons joined by `; ` when a hosts line had several).
    pub reason: String,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.source, self.line, self.reason, self.text
        )
    }
}

/// A parsed list: its entries, and an account of every line that did not become one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedList {
    /// The list's name as given to [`parse_list`].
    pub source: String,
    /// The format used: the one asked for, or the one [`ListFormat::Auto`] detected.
    pub format: ListFormat,
    /// Distinct entries, in the order first seen.
    pub entries: Vec<Entry>,
    /// Rejected lines, at most [`MAX_KEPT_REJECTIONS`] of them.
    pub rejected: Vec<Rejected>,
    /// How many lines were rejected, including any not kept in `rejected`.
    pub rejected_count: u32,
    /// Comments and blank lines.
    pub skipped: u32,
    /// Entries dropped because the same entry came earlier in the list.
    pub duplicates: u32,
    /// Whether parsing stopped at [`MAX_LIST_ENTRIES`].
    pub truncated: bool,
}

/// Parses a list file's bytes. `source` names the list in rejections (a file name, say).
///
/// Comments (`#`, `!`, `;`, `//` at the start of a line; trailing ` # …` in domain, URL and hosts
/// lines), blank lines and an adblock `[Adblock Plus …]` header are skipped. CRLF line ends and a
/// UTF-8 byte-order mark are handled. Never fails: bad lines become [`Rejected`] entries.
pub fn parse_list(source: &str, bytes: &[u8], format: ListFormat) -> ParsedList {
    let format = match format {
        ListFormat::Auto => {
            let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
            ListFormat::sniff(&String::from_utf8_lossy(head))
        }
        f => f,
    };
    let mut list = ParsedList {
        source: source.to_string(),
        format,
        entries: Vec::new(),
        rejected: Vec::new(),
        rejected_count: 0,
        skipped: 0,
        duplicates: 0,
        truncated: false,
    };
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let body = body.strip_suffix(b"\n").unwrap_or(body);
    if body.is_empty() {
        return list;
    }
    let mut seen: FxHashSet<Entry> = FxHashSet::default();
    let (mut found, mut errors) = (Vec::new(), Vec::new());
    // One iteration per line of the input: bounded by its length.
    for (index, raw) in body.split(|&b| b == b'\n').enumerate() {
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = if raw.len() > MAX_LINE_BYTES {
            Err(ListError::LineTooLong {
                max: MAX_LINE_BYTES,
            })
        } else {
            std::str::from_utf8(raw).map_err(|_| ListError::InvalidUtf8)
        };
        let text = match text {
            Ok(t) => t.trim(),
            Err(e) => {
                list.reject(line_no, raw, &[e]);
                continue;
            }
        };
        if text.is_empty() || is_skipped(format, text) {
            list.skipped += 1;
            continue;
        }
        found.clear();
        errors.clear();
        line::parse_line(format, text, &mut found, &mut errors);
        for entry in found.drain(..) {
            if seen.contains(&entry) {
                list.duplicates += 1;
            } else if list.entries.len() >= MAX_LIST_ENTRIES {
                list.truncated = true;
                list.reject(
                    line_no,
                    raw,
                    &[ListError::TooManyEntries {
                        max: MAX_LIST_ENTRIES,
                    }],
                );
                return list;
            } else {
                seen.insert(entry.clone());
                list.entries.push(entry);
            }
        }
        if !errors.is_empty() {
            list.reject(line_no, raw, &errors);
        }
    }
    list
}

/// Comments and an adblock `[Adblock Plus 2.0]` header. In adblock lists `##…` and `#@#…` are
/// cosmetic rules, reported as unsupported rather than skipped silently.
fn is_skipped(format: ListFormat, text: &str) -> bool {
    if format == ListFormat::Adblock {
        let cosmetic = ["##", "#@#", "#?#", "#$#", "#%#"]
            .iter()
            .any(|m| text.starts_with(m));
        (format::is_comment(text) && !cosmetic) || (text.starts_with('[') && text.ends_with(']'))
    } else {
        format::is_comment(text)
    }
}

impl ParsedList {
    fn reject(&mut self, line: u32, raw: &[u8], reasons: &[ListError]) {
        self.rejected_count = self.rejected_count.saturating_add(1);
        if self.rejected.len() >= MAX_KEPT_REJECTIONS {
            return;
        }
        let reason = reasons
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        // Four bytes per character at most: decode no more than could be shown.
        let head = &raw[..raw.len().min(MAX_REJECTED_TEXT_CHARS * 4)];
        let lossy = String::from_utf8_lossy(head);
        let mut text: String = lossy.trim().chars().take(MAX_REJECTED_TEXT_CHARS).collect();
        if text.len() < lossy.trim().len() || head.len() < raw.len() {
            text.push('…');
        }
        self.rejected.push(Rejected {
            source: self.source.clone(),
            line,
            text,
            reason,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(list: &ParsedList) -> Vec<String> {
        list.entries.iter().map(Entry::key).collect()
    }

    #[test]
    fn hosts_file_with_everything_wrong() {
        let text = b"# comment\r\n\r\n127.0.0.1 localhost\r\n0.0.0.0 a.com # trailing\r\n\
            0.0.0.0 a.com\r\n0.0.0.0 B.com c.com\r\n0.0.0.0\r\n0.0.0.0 bad\xffhost.com\r\n\
            0.0.0.0 sp ace.com\r\n";
        let list = parse_list("h", text, ListFormat::Auto);
        assert_eq!(list.format, ListFormat::Hosts);
        assert_eq!(keys(&list), ["a.com", "b.com", "c.com", "ace.com"]);
        assert_eq!(list.skipped, 2);
        assert_eq!(list.duplicates, 1);
        let lines: Vec<u32> = list.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 7, 8, 9]);
        assert_eq!(list.rejected_count, 4);
        assert!(
            list.rejected[2].reason.contains("utf-8"),
            "{}",
            list.rejected[2]
        );
        assert!(list.rejected[2].text.contains('\u{fffd}'));
        assert!(
            list.rejected[3].reason.contains("single-label"),
            "{}",
            list.rejected[3]
        );
    }

    #[test]
    fn long_lines_are_rejected_and_cut() {
        let mut text = b"a.com\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 5000));
        text.extend(b"\nb.com");
        let list = parse_list("d", &text, ListFormat::Domains);
        assert_eq!(keys(&list), ["a.com", "b.com"]);
        let r = &list.rejected[0];
        assert_eq!(
            (r.line, r.reason.as_str()),
            (2, "line is longer than 2048 bytes")
        );
        assert_eq!(r.text.chars().count(), MAX_REJECTED_TEXT_CHARS + 1);
    }

    #[test]
    fn comments_and_bom() {
        let text = "\u{feff}! adblock-style\n; ini-style\n// c-style\n# shell\nexample.org\n";
        let list = parse_list("d", text.as_bytes(), ListFormat::Domains);
        assert_eq!(keys(&list), ["example.org"]);
        assert_eq!((list.skipped, list.rejected_count), (4, 0));
        let ab = parse_list("a", b"[Adblock Plus 2.0]\n||x.org^\n", ListFormat::Auto);
        assert_eq!(
            (ab.format, ab.skipped, keys(&ab)),
            (ListFormat::Adblock, 1, vec!["x.org".into()])
        );
    }

    #[test]
    fn empty_and_garbage_never_panic() {
        for bytes in [
            &b""[..],
            b"\n",
            b"\r\n\r\n",
            b"\xff\xfe",
            b"\0\0\0",
            b"0.0.0.0 \n\t\n",
        ] {
            for format in [
                ListFormat::Auto,
                ListFormat::Hosts,
                ListFormat::Adblock,
                ListFormat::Urls,
            ] {
                let _ = parse_list("g", bytes, format);
            }
        }
    }

    #[test]
    fn display() {
        let r = Rejected {
            source: "f".into(),
            line: 7,
            text: "x y".into(),
            reason: "entry contains spaces".into(),
        };
        assert_eq!(r.to_string(), "f:7: entry contains spaces: x y");
    }
}
