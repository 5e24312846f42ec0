//! The Unicode services the core needs, and the only module that touches them: NFKC and NFD
//! normalisation, the "is a combining mark" property, and the IDNA mapping of host names
//! (UTS #46 as the WHATWG URL Standard uses it).
//!
//! ## Tables or a provider
//!
//! These services need large tables: in the WebAssembly package the NFKC tables cost about
//! 42 KB gzipped and the IDNA mapping tables about 60 KB, a good part of its size budget. Yet
//! the browser that runs that package already has all of them (`String.prototype.normalize`,
//! `/\p{M}/u`, the URL parser). So where they come from is a choice:
//!
//! - With the cargo feature `unicode-tables` (a default feature: the CLI and native tests use
//!   it), they come from the `unicode-normalization`, `idna` and `idna_adapter` crates.
//! - Without it (the wasm package), the embedder [`install`]s a [`UnicodeProvider`] once at
//!   start-up; the wasm crate's one calls JavaScript.
//!
//! An installed provider is used even when the tables are compiled in: installing one is a
//! deliberate choice, and it lets native code try a provider against the tables.
//!
//! ## What never needs either
//!
//! Pure ASCII never reaches a provider: ASCII text is its own NFKC and NFD and has no combining
//! marks, and an ASCII host without `xn--` labels only needs lowercasing and the URL Standard's
//! forbidden code point check, done here. Decoding punycode ([`domain_to_unicode`]) needs no
//! tables at all and is implemented here (RFC 3492) in every build.
//!
//! ## Without tables or a provider: fail closed
//!
//! | service | answer | effect |
//! |---|---|---|
//! | [`domain_to_ascii`], non-ASCII or `xn--` host | [`DomainError::Unavailable`] | the URL is unparseable, and the engine blocks unparseable URLs |
//! | [`nfkc`], [`nfd`], [`decompose_canonical`] | the text unchanged | search text is still split, case-folded and de-leeted; fullwidth letters and accents stay |
//! | [`is_combining_mark`] | only U+0300–U+036F are marks | zalgo in the common combining block is still removed |
//!
//! A host the core cannot read must never be judged as a host that matched nothing: that would
//! let every internationalised spelling of a blocked site through. Search text has no such
//! "unreadable" outcome, so it keeps working with what it has.

mod case;
mod punycode;

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

pub use case::to_lowercase;
pub use punycode::domain_to_unicode;

/// Unicode services supplied by the embedder when the core is built without `unicode-tables`.
///
/// Implementations only ever receive non-ASCII text (or, for [`Self::domain_to_ascii`], hosts
/// with `xn--` labels); the core keeps ASCII to itself.
pub trait UnicodeProvider: Send + Sync {
    /// The NFKC normalisation of `text`.
    fn nfkc(&self, text: &str) -> String;

    /// The NFD normalisation of `text`.
    fn nfd(&self, text: &str) -> String;

    /// Passes the full canonical decomposition of `c` to `emit`, one character at a time.
    /// The default asks [`Self::nfd`] for the one-character string, which is the same thing.
    fn decompose_canonical(&self, c: char, emit: &mut dyn FnMut(char)) {
        let mut buffer = [0; 4];
        self.nfd(c.encode_utf8(&mut buffer)).chars().for_each(emit);
    }

    /// Whether `c` has the General_Category Mark (`Mn`, `Mc` or `Me`).
    fn is_combining_mark(&self, c: char) -> bool;

    /// The WHATWG URL Standard's "domain to ASCII" (UTS #46, non-transitional, CheckHyphens
    /// false, no DNS length check) followed by its forbidden domain code point check: the
    /// lowercase ASCII host a browser would connect to, or `None` if a browser would refuse it.
    /// The core has already refused any domain containing [`always_invalid_in_domain`] code
    /// points, so a provider may run a URL parser without it reading them as URL structure.
    fn domain_to_ascii(&self, domain: &str) -> Option<String>;
}

/// Why [`domain_to_ascii`] gave no host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainError {
    /// Not a host a browser would accept.
    Invalid,
    /// The host needs Unicode processing and neither tables nor a provider are available.
    Unavailable,
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DomainError::Invalid => "not a valid internationalised host name",
            DomainError::Unavailable => {
                "an internationalised host name, which this build cannot read: it has no Unicode tables and no provider was installed"
            }
        })
    }
}

impl std::error::Error for DomainError {}

/// Which services are in use: an installed provider, else the tables, else none.
type Services = Option<&'static dyn UnicodeProvider>;

static INSTALLED: OnceLock<&'static dyn UnicodeProvider> = OnceLock::new();

#[cfg(feature = "unicode-tables")]
const TABLES: Services = Some(&tables::Tables);
#[cfg(not(feature = "unicode-tables"))]
const TABLES: Services = None;

#[cfg(test)]
thread_local! {
    /// Services a test imposes on its own thread (tests run in parallel, one per thread), so
    /// that a native test can see the core as a wasm build sees it: with no services at all, or
    /// with a provider instead of the tables.
    static TEST_SERVICES: std::cell::Cell<Option<Services>> = const { std::cell::Cell::new(None) };
}

/// Installs the provider used from now on. Returns `false`, leaving the first one in place, if a
/// provider was installed before: changing Unicode behaviour under running engines could change
/// verdicts mid-session.
pub fn install(provider: &'static dyn UnicodeProvider) -> bool {
    INSTALLED.set(provider).is_ok()
}

/// Whether non-ASCII text gets full Unicode treatment: tables compiled in or a provider installed.
pub fn is_available() -> bool {
    services().is_some()
}

fn services() -> Services {
    #[cfg(test)]
    if let Some(imposed) = TEST_SERVICES.with(std::cell::Cell::get) {
        return imposed;
    }
    INSTALLED.get().copied().or(TABLES)
}

/// The NFKC normalisation of `text`; `text` unchanged when it is ASCII or no services are
/// available.
pub fn nfkc(text: &str) -> Cow<'_, str> {
    match services() {
        Some(provider) if !text.is_ascii() => Cow::Owned(provider.nfkc(text)),
        _ => Cow::Borrowed(text),
    }
}

/// The NFD normalisation of `text`; `text` unchanged when it is ASCII or no services are
/// available.
pub fn nfd(text: &str) -> Cow<'_, str> {
    match services() {
        Some(provider) if !text.is_ascii() => Cow::Owned(provider.nfd(text)),
        _ => Cow::Borrowed(text),
    }
}

/// Passes the full canonical decomposition of `c` to `emit` (`é` → `e`, U+0301); `c` itself when
/// it is ASCII or no services are available.
pub fn decompose_canonical(c: char, mut emit: impl FnMut(char)) {
    match services() {
        Some(provider) if !c.is_ascii() => provider.decompose_canonical(c, &mut emit),
        _ => emit(c),
    }
}

/// Whether `c` is a combining mark (General_Category M: accents, zalgo, vowel signs).
pub fn is_combining_mark(c: char) -> bool {
    if c.is_ascii() {
        return false;
    }
    // The Combining Diacritical Marks block is all `Mn`, and it is what zalgo text piles up:
    // answering here spares a provider call per mark.
    if ('\u{300}'..='\u{36F}').contains(&c) {
        return true;
    }
    services().is_some_and(|provider| provider.is_combining_mark(c))
}

/// The ASCII host a browser connects to for `domain` (the WHATWG URL Standard's "domain to
/// ASCII" and forbidden domain code point check): lowercase, with punycode A-labels for
/// internationalised labels. IPv6 literals (`[…]`) are not domains and are always refused.
pub fn domain_to_ascii(domain: &str) -> Result<Cow<'_, str>, DomainError> {
    if domain.is_ascii() && !has_ace_label(domain) {
        return ascii_domain_to_ascii(domain);
    }
    if domain.chars().any(always_invalid_in_domain) {
        return Err(DomainError::Invalid);
    }
    let provider = services().ok_or(DomainError::Unavailable)?;
    let ascii = provider
        .domain_to_ascii(domain)
        .ok_or(DomainError::Invalid)?;
    // A provider is trusted to map, not to define the canonical form: an answer that does not
    // read as a lowercase ASCII host is refused rather than judged in an unknown spelling. Its
    // `xn--` labels must also decode to non-ASCII (UTS #46 since Unicode 15.1, and the tables;
    // some URL parsers, such as Node 20's, still accept `xn--abc-`), which needs no tables.
    let canonical = ascii
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase() && !is_forbidden_domain_byte(b))
        && domain_to_unicode(&ascii).is_some();
    if canonical {
        Ok(Cow::Owned(ascii))
    } else {
        Err(DomainError::Invalid)
    }
}

/// UTS #46 on an ASCII domain without `xn--` labels: every code point maps to itself lowercased,
/// so only the URL Standard's forbidden domain code points can make it invalid.
fn ascii_domain_to_ascii(domain: &str) -> Result<Cow<'_, str>, DomainError> {
    if domain.bytes().any(is_forbidden_domain_byte) {
        return Err(DomainError::Invalid);
    }
    if domain.bytes().any(|b| b.is_ascii_uppercase()) {
        Ok(Cow::Owned(domain.to_ascii_lowercase()))
    } else {
        Ok(Cow::Borrowed(domain))
    }
}

/// Whether some label starts with `xn--` (in any case): such a label must decode to valid
/// Unicode, which only tables or a provider can check.
fn has_ace_label(domain: &str) -> bool {
    domain.split('.').any(is_ace_label)
}

fn is_ace_label(label: &str) -> bool {
    label
        .get(..4)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("xn--"))
}

/// The URL Standard's forbidden domain code points, all ASCII: C0 controls, space,
/// `# % / : < > ? @ [ \ ] ^ |` and DEL.
fn is_forbidden_domain_byte(b: u8) -> bool {
    b <= b' ' || b == 0x7F || b"#%/:<>?@[\\]^|".contains(&b)
}

/// Code points that make any domain invalid however the rest of it is mapped: the URL
/// Standard's forbidden domain code points except `<` and `>`, which a following U+0338 composes
/// into `≮` and `≯` (valid in hosts, for browsers and the tables alike). They include everything
/// a URL parser reads as structure (`/ \ ? # @ : [ ]`, tab, newlines, `%`), so a provider that
/// builds a URL from a domain is never given one.
pub fn always_invalid_in_domain(c: char) -> bool {
    u8::try_from(c)
        .is_ok_and(|b| b.is_ascii() && is_forbidden_domain_byte(b) && b != b'<' && b != b'>')
}

/// The services from the crates, for builds with the `unicode-tables` feature.
#[cfg(feature = "unicode-tables")]
mod tables {
    use unicode_normalization::UnicodeNormalization;

    use super::UnicodeProvider;

    pub(super) struct Tables;

    impl UnicodeProvider for Tables {
        fn nfkc(&self, text: &str) -> String {
            text.nfkc().collect()
        }

        fn nfd(&self, text: &str) -> String {
            text.nfd().collect()
        }

        fn decompose_canonical(&self, c: char, emit: &mut dyn FnMut(char)) {
            unicode_normalization::char::decompose_canonical(c, emit);
        }

        fn is_combining_mark(&self, c: char) -> bool {
            unicode_normalization::char::is_combining_mark(c)
        }

        fn domain_to_ascii(&self, domain: &str) -> Option<String> {
            idna::domain_to_ascii_cow(domain.as_bytes(), idna::AsciiDenyList::URL)
                .ok()
                .map(std::borrow::Cow::into_owned)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` on this thread with `services` instead of the real ones.
    fn with_services<T>(services: Services, f: impl FnOnce() -> T) -> T {
        TEST_SERVICES.with(|cell| cell.set(Some(services)));
        let result = f();
        TEST_SERVICES.with(|cell| cell.set(None));
        result
    }

    /// A provider that fails the test if anything reaches it.
    struct Untouchable;

    impl UnicodeProvider for Untouchable {
        fn nfkc(&self, text: &str) -> String {
            panic!("nfkc({text:?}) reached the provider")
        }
        fn nfd(&self, text: &str) -> String {
            panic!("nfd({text:?}) reached the provider")
        }
        fn is_combining_mark(&self, c: char) -> bool {
            panic!("is_combining_mark({c:?}) reached the provider")
        }
        fn domain_to_ascii(&self, domain: &str) -> Option<String> {
            panic!("domain_to_ascii({domain:?}) reached the provider")
        }
    }

    /// A provider whose host answers are whatever the test says.
    struct Answers(&'static str);

    impl UnicodeProvider for Answers {
        fn nfkc(&self, text: &str) -> String {
            text.to_string()
        }
        fn nfd(&self, text: &str) -> String {
            text.to_string()
        }
        fn is_combining_mark(&self, _: char) -> bool {
            false
        }
        fn domain_to_ascii(&self, _: &str) -> Option<String> {
            Some(self.0.to_string())
        }
    }

    #[test]
    fn ascii_never_reaches_a_provider() {
        // Built and warmed up outside: the built-in lists and search phrases are not all ASCII.
        let engine = crate::engine::Engine::builtin();
        let urls = [
            "HTTP://WWW.Example.COM./a",
            "http://1.2.3.4/",
            "https://www.google.com/search?q=P0RN+p.o.r.n",
        ];
        let classify =
            |url: &str| engine.classify(&crate::engine::Request::new(url.as_bytes(), "ks2", 0));
        urls.iter().for_each(|url| drop(classify(url)));
        with_services(Some(&Untouchable), || {
            assert_eq!(nfkc("Hello, world"), "Hello, world");
            assert_eq!(nfd("cafe"), "cafe");
            assert!(!is_combining_mark('a'));
            // Zalgo's usual marks are answered without a call.
            assert!(is_combining_mark('\u{301}'));
            let mut decomposed = Vec::new();
            decompose_canonical('e', |d| decomposed.push(d));
            assert_eq!(decomposed, ['e']);
            assert_eq!(
                domain_to_ascii("WWW.Example.COM").as_deref(),
                Ok("www.example.com")
            );
            assert_eq!(
                domain_to_ascii("abxn--c..d_e").as_deref(),
                Ok("abxn--c..d_e")
            );
            assert_eq!(domain_to_ascii("a b.com"), Err(DomainError::Invalid));
            // Whole requests too: canonical URLs, search text and lookalike checks.
            urls.iter().for_each(|url| drop(classify(url)));
            assert_eq!(
                crate::search::normalize("Moby-Dick p o r n").text,
                "moby dick porn"
            );
            assert_eq!(
                crate::lookalike::imitated_host("xbox-live.example.com"),
                None
            );
        });
    }

    #[test]
    fn without_services_hosts_fail_closed_and_text_passes_through() {
        with_services(None, || {
            assert!(!is_available());
            for host in [
                "bücher.de",
                "xn--bcher-kva.de",
                "ｅｘａｍｐｌｅ。ｃｏｍ",
                "exam\u{AD}ple.com",
            ] {
                assert_eq!(
                    domain_to_ascii(host),
                    Err(DomainError::Unavailable),
                    "{host}"
                );
            }
            // Structure is refused before anything would need a provider.
            assert_eq!(
                domain_to_ascii("evil.com/.bücher.de"),
                Err(DomainError::Invalid)
            );
            assert_eq!(domain_to_ascii("example.com").as_deref(), Ok("example.com"));
            assert_eq!(nfkc("ｐｏｒｎ"), "ｐｏｒｎ");
            assert!(is_combining_mark('\u{301}'));
            assert!(!is_combining_mark('\u{93F}'));
            let mut decomposed = Vec::new();
            decompose_canonical('é', |d| decomposed.push(d));
            assert_eq!(decomposed, ['é']);
            assert_eq!(
                domain_to_unicode("xn--bcher-kva.de").as_deref(),
                Some("bücher.de")
            );
        });
    }

    #[test]
    fn without_services_an_unreadable_host_is_blocked_not_ignored() {
        use crate::verdict::{Action, Rule};
        let engine = crate::engine::Engine::builtin();
        let classify =
            |url: &str| engine.classify(&crate::engine::Request::new(url.as_bytes(), "staff", 0));
        // Warmed up with the services, so that only the URLs below are read without them.
        classify("https://www.google.com/search?q=x");
        with_services(None, || {
            assert!(crate::canon::parse("http://b\u{fc}cher.de/".as_bytes()).is_err());
            // The fullwidth spelling of a blocked site must not slip through as an unknown host.
            for url in ["https://ｂｅｔ３６５。ｃｏｍ/", "https://xn--bcher-kva.de/"] {
                let verdict = classify(url);
                assert_eq!(verdict.action, Action::Block, "{url}");
                assert!(
                    matches!(verdict.rule, Rule::Unparseable { .. }),
                    "{url}: {:?}",
                    verdict.rule
                );
            }
            // Search text still folds what needs no tables.
            assert_eq!(crate::search::normalize("P.O.R.N ｘｙ").text, "porn ｘｙ");
        });
    }

    #[test]
    fn a_provider_answer_that_is_not_a_canonical_host_is_refused() {
        with_services(Some(&Answers("xn--bcher-kva.de")), || {
            assert_eq!(
                domain_to_ascii("bücher.de").as_deref(),
                Ok("xn--bcher-kva.de")
            );
        });
        for bad in [
            "evil.com/x",
            "Bücher.de",
            "EXAMPLE.com",
            "a b",
            "xn--abc-.de",
        ] {
            let provider: &'static Answers = Box::leak(Box::new(Answers(bad)));
            with_services(Some(provider), || {
                assert_eq!(
                    domain_to_ascii("bücher.de"),
                    Err(DomainError::Invalid),
                    "{bad}"
                );
            });
        }
    }

    #[test]
    fn always_invalid_code_points_are_exactly_the_unabsorbable_forbidden_ones() {
        let refused: String = (0u8..0x80)
            .map(char::from)
            .filter(|&c| always_invalid_in_domain(c))
            .collect();
        let expected: String = (0u8..=0x20)
            .map(char::from)
            .chain("#%/:?@[\\]^|\u{7f}".chars())
            .collect();
        assert_eq!(refused, expected);
        assert!(!always_invalid_in_domain('<') && !always_invalid_in_domain('ü'));
    }

    #[cfg(feature = "unicode-tables")]
    mod against_the_tables {
        use super::super::*;

        fn idna_ascii(domain: &str) -> Result<String, DomainError> {
            idna::domain_to_ascii_cow(domain.as_bytes(), idna::AsciiDenyList::URL)
                .map(Cow::into_owned)
                .map_err(|_| DomainError::Invalid)
        }

        #[test]
        fn installing_keeps_the_first_provider() {
            // The tables are also what is used when nothing is installed, so this changes no
            // other test's answers.
            assert!(install(&tables::Tables));
            assert!(!install(&tables::Tables));
            assert!(is_available());
        }

        #[test]
        fn refusing_early_agrees_with_idna() {
            for b in 0u8..0x80 {
                let domain = format!("a{}bü.com", char::from(b));
                if always_invalid_in_domain(char::from(b)) {
                    assert!(idna_ascii(&domain).is_err(), "{domain:?}");
                }
            }
            // `<` and `>` compose with U+0338 into valid host characters.
            assert_eq!(
                domain_to_ascii("a<\u{338}b.com").as_deref(),
                Ok("xn--ab-tjv.com")
            );
            assert_eq!(
                domain_to_ascii("a>\u{338}b.com").as_deref(),
                Ok("xn--ab-wjv.com")
            );
        }

        /// What tests/js/unicode.test.mjs expects of the package, whose core reads Unicode through
        /// JavaScript: the tables give the same answers, so the two builds agree.
        #[test]
        fn the_table_answers_that_tests_js_unicode_pins() {
            let canon = |url: &str| match crate::canon::parse(url.as_bytes()) {
                Ok(crate::canon::ParsedUrl::Web(web)) => web.to_string(),
                Ok(other) => panic!("{url}: {other:?}"),
                Err(e) => format!("invalid: {e}"),
            };
            for (url, want) in [
                ("http://XN--BCHER-KVA.de/", "http://xn--bcher-kva.de/"),
                ("http://ＥＸＡＭＰＬＥ．ｃｏｍ/", "http://example.com/"),
                ("http://мойсайт.рф/", "http://xn--80arbjktj.xn--p1ai/"),
                ("http://a.b%E3%80%82c/", "http://a.b.c/"),
                ("http://１２７．０．０．１/", "http://127.0.0.1/"),
                ("http://０ｘ７ｆ．１/", "http://127.0.0.1/"),
                ("http://a%3C%CC%B8b.com/", "http://xn--ab-tjv.com/"),
                ("http://a≮b.com/", "http://xn--ab-tjv.com/"),
                ("http://xn--abc-.de/", "invalid"),
                ("http://xn--a.de/", "invalid"),
                ("http://١٢٣.com/", "invalid"),
                ("http://１．２．３．４．５/", "invalid"),
                ("http://evil.example%2F.b%C3%BCcher.de/", "invalid"),
                ("http://b%C3%BCcher.de%40evil.example/", "invalid"),
                ("http://b%C3%BCcher.de%3A8080/", "invalid"),
                ("http://b%C3%BCcher%09.de/", "invalid"),
                ("http://%C3%BC%23.de/", "invalid"),
                ("http://%C3%BC%5B.de/", "invalid"),
                ("http://%C3%BC.de%5C.evil/", "invalid"),
                ("http://evil.example／bücher.de/", "invalid"),
            ] {
                let got = canon(url);
                if want == "invalid" {
                    assert!(got.starts_with("invalid: invalid host"), "{url}: {got}");
                } else {
                    assert_eq!(got, want, "{url}");
                }
            }
            for (query, text, readings) in [
                ("ｐｏｒｎ", "porn", &[][..]),
                ("𝐩𝐨𝐫𝐧", "porn", &[]),
                ("ⓟⓞⓡⓝ", "porn", &[]),
                ("p\u{302}o\u{301}\u{303}rn", "porn", &[]),
                ("\u{440}orn", "porn", &[]),
                ("Samobójstwo", "samobojstwo", &[]),
                ("Straße", "strasse", &[]),
                ("ﬁlm", "film", &[]),
                ("café crème", "cafe creme", &[]),
                ("İstanbul", "istanbul", &[]),
                ("Ὀδυσσεύς", "οδυσσευς", &[]),
                ("Привет мир", "привет мир", &["npubet mup"]),
                ("नमस्ते दुनिया", "नमस्ते दुनिया", &[]),
                ("한국어", "한국어", &[]),
            ] {
                let normalized = crate::search::normalize(query);
                let got: Vec<&str> = normalized
                    .readings
                    .iter()
                    .map(|r| r.text.as_str())
                    .collect();
                assert_eq!(
                    (normalized.text.as_str(), got.as_slice()),
                    (text, readings),
                    "{query}"
                );
            }
            assert_eq!(
                crate::lookalike::imitated_host("xn--facbook-dya.com").as_deref(),
                Some("facebook.com")
            );
        }

        proptest::proptest! {
            #![proptest_config(crate::proptest_cases::config(2000))]

            /// The ASCII route, which never needs tables, gives what idna gives.
            #[test]
            fn ascii_route_agrees_with_idna(domain in "[a-zA-Z0-9._ %#/:<>?@^|\\[\\]\\\\\t\u{7f}-]{0,16}") {
                if !has_ace_label(&domain) {
                    proptest::prop_assert_eq!(ascii_domain_to_ascii(&domain).map(Cow::into_owned), idna_ascii(&domain));
                }
            }
        }
    }
}
