//! The list formats schools meet, how a file name hints at one, and how content reveals one.

use std::fmt;
use std::str::FromStr;

use super::ListError;

/// A list file format. [`ListFormat::Auto`] asks [`super::parse_list`] to look at the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ListFormat {
    /// Decide from the first significant lines (see [`ListFormat::sniff`]).
    #[default]
    Auto,
    /// One domain per line (plain lists, squidGuard/UT1 `domains` files). Covers subdomains.
    Domains,
    /// Hosts files: `0.0.0.0 example.com`, `127.0.0.1 a.com b.com`.
    Hosts,
    /// Adblock-style `||example.com^` and `||example.com/path^` rules; other adblock syntax is
    /// rejected line by line.
    Adblock,
    /// `host/path` per line, scheme optional (squidGuard/UT1 `urls`, published URL lists).
    Urls,
    /// squidGuard `expressions`: one regular expression per line over `host/path?query`.
    Expressions,
}

/// Every format with its command-line name, in the order help texts list them.
const NAMES: &[(ListFormat, &str)] = &[
    (ListFormat::Auto, "auto"),
    (ListFormat::Domains, "domains"),
    (ListFormat::Hosts, "hosts"),
    (ListFormat::Adblock, "adblock"),
    (ListFormat::Urls, "urls"),
    (ListFormat::Expressions, "expressions"),
];

/// File names in list folders that are documentation or metadata, never lists.
const NOT_LISTS: &[&str] = &[
    "readme",
    "license",
    "licence",
    "copying",
    "usage",
    "global_usage",
];
/// Extensions of files that are never plain-text lists: documents, archives, signatures,
/// squidGuard's compiled databases (`domains.db`) and Schoolgate's own compiled rulesets.
const NOT_LIST_EXTENSIONS: &[&str] = &[
    "pdf", "md", "html", "htm", "json", "gz", "tgz", "zip", "tar", "xz", "bz2", "sig", "asc", "db",
    "sgr",
];

/// How many significant lines [`ListFormat::sniff`] looks at.
const SNIFF_LINES: usize = 50;

impl ListFormat {
    /// Every format, in the order help texts list them.
    pub const ALL: [ListFormat; 6] = [
        ListFormat::Auto,
        ListFormat::Domains,
        ListFormat::Hosts,
        ListFormat::Adblock,
        ListFormat::Urls,
        ListFormat::Expressions,
    ];

    /// The command-line name: `auto`, `domains`, `hosts`, `adblock`, `urls` or `expressions`.
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(f, _)| *f == self)
            .map_or("auto", |(_, n)| n)
    }

    /// Guesses a format from a file name (a path is fine: only the last component is read).
    ///
    /// `None` means the file is not a list at all (`README`, `LICENSE.pdf`, UT1's `usage`), so a
    /// folder walker can skip it. squidGuard/UT1 names map directly (`domains`,
    /// `domains.2025-07-13`, `urls`, `expressions`, `very_restrictive_expression`); `hosts`,
    /// `*-hosts` and `*.hosts` are hosts files; anything else (`*.txt` included, which is used
    /// for hosts, domain and adblock lists alike) is [`ListFormat::Auto`].
    pub fn from_file_name(name: &str) -> Option<ListFormat> {
        let base = name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(name)
            .to_ascii_lowercase();
        let (stem, ext) = match base.rsplit_once('.') {
            Some((s, e)) if !s.is_empty() => (s, e),
            _ => (base.as_str(), ""),
        };
        if base.is_empty()
            || base.starts_with('.')
            || NOT_LISTS.contains(&stem)
            || NOT_LISTS.contains(&base.as_str())
            || NOT_LIST_EXTENSIONS.contains(&ext)
        {
            return None;
        }
        // squidGuard/UT1 keep dated snapshots beside the live file: `domains.2025-07-13`.
        let first = base.split('.').next().unwrap_or(&base);
        let format = match first {
            "domains" => ListFormat::Domains,
            "urls" => ListFormat::Urls,
            "hosts" => ListFormat::Hosts,
            _ if super::find_str(first, "expression").is_some() => ListFormat::Expressions,
            _ if stem.ends_with("-hosts") || stem.ends_with("_hosts") || ext == "hosts" => {
                ListFormat::Hosts
            }
            _ => ListFormat::Auto,
        };
        Some(format)
    }

    /// Decides the format of `text` from its first significant lines.
    ///
    /// Adblock wins on any adblock marker (`[Adblock …]`, `||`, `##`, `@@`); otherwise the most
    /// common line shape among hosts, URL and domain lines wins. Regular expressions are only
    /// chosen when most lines look like nothing else, since a URL list can contain `?` and `+`.
    pub fn sniff(text: &str) -> ListFormat {
        let (mut hosts, mut urls, mut domains, mut exprs) = (0u32, 0u32, 0u32, 0u32);
        let mut seen = 0;
        for raw in text.lines().take(SNIFF_LINES * 20) {
            let line = raw.trim().trim_start_matches('\u{feff}');
            if line.starts_with("[adblock") || line.starts_with("[Adblock") {
                return ListFormat::Adblock;
            }
            if line.is_empty() || is_comment(line) {
                continue;
            }
            if line.starts_with("||")
                || line.starts_with("@@")
                || super::find_str(line, "##").is_some()
            {
                return ListFormat::Adblock;
            }
            let first = line.split_whitespace().next().unwrap_or(line);
            if first.parse::<std::net::IpAddr>().is_ok() && line.len() > first.len() {
                hosts += 1;
            } else if looks_like_expression(line) {
                exprs += 1;
            } else if line.contains('/') {
                urls += 1;
            } else {
                domains += 1;
            }
            seen += 1;
            if seen >= SNIFF_LINES {
                break;
            }
        }
        if exprs > hosts + urls + domains {
            ListFormat::Expressions
        } else if hosts >= urls && hosts >= domains && hosts > 0 {
            ListFormat::Hosts
        } else if urls > domains {
            ListFormat::Urls
        } else {
            ListFormat::Domains
        }
    }
}

/// Whether a trimmed line is a comment in any of the formats: `#`, `!`, `;` or `//` first.
pub(crate) fn is_comment(line: &str) -> bool {
    line.starts_with('#')
        || line.starts_with('!')
        || line.starts_with(';')
        || line.starts_with("//")
}

/// Regex syntax that never appears in a host or a plain URL.
fn looks_like_expression(line: &str) -> bool {
    line.contains(['(', '|', '\\', '^', '$', '[', '{']) || super::find_str(line, ".*").is_some()
}

impl fmt::Display for ListFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for ListFormat {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl FromStr for ListFormat {
    type Err = ListError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        NAMES
            .iter()
            .find(|(_, n)| *n == wanted)
            .map(|(f, _)| *f)
            .ok_or_else(|| ListError::UnknownFormat(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (f, n) in NAMES {
            assert_eq!(f.to_string(), *n);
            assert_eq!(n.parse::<ListFormat>().unwrap(), *f);
        }
        assert_eq!("Hosts".parse::<ListFormat>().unwrap(), ListFormat::Hosts);
        assert!("csv".parse::<ListFormat>().is_err());
    }

    #[test]
    fn file_names() {
        use ListFormat::*;
        let cases = [
            ("domains", Some(Domains)),
            ("ut1/phishing/domains.2025-07-13", Some(Domains)),
            ("urls", Some(Urls)),
            ("expressions", Some(Expressions)),
            ("very_restrictive_expression", Some(Expressions)),
            ("hosts", Some(Hosts)),
            ("pornography-hosts", Some(Hosts)),
            ("C:\\lists\\ads.hosts", Some(Hosts)),
            ("basic.txt", Some(Auto)),
            ("my-list", Some(Auto)),
            ("usage", None),
            ("README", None),
            ("README.md", None),
            ("LICENSE", None),
            ("LICENSE.pdf", None),
            ("cc-by-sa-4-0.pdf", None),
            (".gitignore", None),
            ("ut1/gambling/domains.db", None),
            ("school.sgr", None),
        ];
        for (name, want) in cases {
            assert_eq!(ListFormat::from_file_name(name), want, "{name}");
        }
    }

    #[test]
    fn sniffing() {
        use ListFormat::*;
        assert_eq!(
            ListFormat::sniff("# Title\n\n0.0.0.0 a.com\n0.0.0.0 b.com\n"),
            Hosts
        );
        assert_eq!(
            ListFormat::sniff("127.0.0.1 localhost\n::1 localhost\n127.0.0.1 a.com"),
            Hosts
        );
        assert_eq!(
            ListFormat::sniff("! Title: x\n||a.com^\n||b.com^\n"),
            Adblock
        );
        assert_eq!(ListFormat::sniff("[Adblock Plus 2.0]\na.com\n"), Adblock);
        assert_eq!(ListFormat::sniff("a.com\nb.org\nc.net/x\n"), Domains);
        assert_eq!(ListFormat::sniff("a.com/x\nb.org/y?z=1\nc.net\n"), Urls);
        assert_eq!(ListFormat::sniff("(porn|sex)\n^www\\.x\n"), Expressions);
        assert_eq!(ListFormat::sniff(""), Domains);
        assert_eq!(ListFormat::sniff("\u{feff}# x\r\n0.0.0.0 a.com\r\n"), Hosts);
    }
}
