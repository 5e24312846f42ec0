//! The Public Suffix List: which hosts are suffixes under which anyone may register a site
//! (`com`, `co.uk`, `github.io`), so that a list or policy entry naming one, which would open or
//! shut every site under it, is refused.
//!
//! ## The real list, from one source
//!
//! Like [`crate::unicode`] and [`crate::expressions`], this is a service with two possible
//! sources, both the very same copy of the real list (publicsuffix.org):
//!
//! - With the cargo feature `public-suffix-list` (a default feature: the CLI and native tests
//!   use it), the answer comes from the `psl` crate ([`CompiledIn`]), which compiles the list
//!   into code and is republished whenever the list changes. `Cargo.lock` pins which version.
//! - Without it (the wasm package, whose size budget has no room for the list), the embedder
//!   [`install`]s a [`PublicSuffixes`] once. The wasm crate's one asks the package's
//!   `public-suffixes.js`, which reads the `data/rules.txt` that the same locked `psl` crate
//!   ships (`scripts/build-wasm.sh` puts it in the package). The glue imports it itself, so no
//!   caller can forget to hand the list in.
//!
//! Both sides refuse the same lines of `tests/fixtures/lists/too-broad.tsv`, and both answer
//! every rule of the list as the rule says (`crates/core/tests/too_broad.rs`,
//! `tests/js/public-suffix.test.mjs`).
//!
//! An installed list is used even when the crate is compiled in: installing one is a
//! deliberate choice, and it lets native tests run the provided path.
//!
//! With neither (a core built without the feature whose embedder installed nothing),
//! [`covers_a_public_suffix`] answers `None` and list parsing still refuses single-label hosts
//! (every top-level domain), but not `co.uk`: [`is_available`] lets such an embedder say so.

use std::sync::OnceLock;

/// A Public Suffix List: the compiled-in one ([`CompiledIn`]), or one the embedder supplies (see
/// the module documentation).
pub trait PublicSuffixes: Send + Sync {
    /// Whether an entry for `host`, a canonical host name (lowercase, punycode, not an IP
    /// address), would cover every site registered under a public suffix: `host` is one under
    /// the list's rules, the implicit `*` rule included (`com`, `co.uk`, `github.io`), or every
    /// name directly under it is one (`sch.uk`, under the rule `*.sch.uk`: each local
    /// authority's `stockport.sch.uk`).
    fn covers_a_public_suffix(&self, host: &str) -> bool;
}

/// The list compiled in by the `psl` crate.
#[cfg(feature = "public-suffix-list")]
#[derive(Debug, Clone, Copy, Default)]
pub struct CompiledIn;

#[cfg(feature = "public-suffix-list")]
impl CompiledIn {
    /// Whether `host` is itself a public suffix.
    pub fn is_public_suffix(&self, host: &str) -> bool {
        // `psl` answers the suffix of the name; the host is one when that suffix is all of it.
        psl::suffix(host.as_bytes()).is_some_and(|s| s.as_bytes() == host.as_bytes())
    }
}

#[cfg(feature = "public-suffix-list")]
impl PublicSuffixes for CompiledIn {
    fn covers_a_public_suffix(&self, host: &str) -> bool {
        // A label no rule names: a wildcard rule for `host`'s children makes it a public suffix.
        // `public-suffixes.js` asks the same two questions.
        self.is_public_suffix(host) || self.is_public_suffix(&format!("schoolgate-probe.{host}"))
    }
}

static INSTALLED: OnceLock<&'static dyn PublicSuffixes> = OnceLock::new();

/// Installs the list used from now on. Returns `false`, leaving the first one in place, if a
/// list was installed before: a list that changed under a running policy could refuse entries
/// it had accepted.
pub fn install(list: &'static dyn PublicSuffixes) -> bool {
    INSTALLED.set(list).is_ok()
}

/// The list in use: the installed one, else the compiled-in one.
fn in_use() -> Option<&'static dyn PublicSuffixes> {
    if let Some(list) = INSTALLED.get() {
        return Some(*list);
    }
    #[cfg(feature = "public-suffix-list")]
    {
        Some(&CompiledIn)
    }
    #[cfg(not(feature = "public-suffix-list"))]
    {
        None
    }
}

/// Whether this build knows the list: the `psl` crate compiled in, or a list installed.
pub fn is_available() -> bool {
    in_use().is_some()
}

/// [`PublicSuffixes::covers_a_public_suffix`] with the list in use; `None` when this build has
/// no list (see [`is_available`]).
pub fn covers_a_public_suffix(host: &str) -> Option<bool> {
    in_use().map(|list| list.covers_a_public_suffix(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "public-suffix-list")]
    #[test]
    fn the_compiled_in_list() {
        for (host, public) in [
            ("com", true),
            ("co.uk", true),
            ("github.io", true),
            ("blogspot.com", true),
            ("bbc.co.uk", false),
            ("example.com", false),
            ("xn--55qx5d.cn", true),
        ] {
            assert_eq!(CompiledIn.is_public_suffix(host), public, "{host}");
        }
        for (host, covers) in [
            ("sch.uk", true),
            ("stockport.sch.uk", true),
            ("oakhill.stockport.sch.uk", false),
            ("gov.uk", true),
            ("bbc.co.uk", false),
        ] {
            assert_eq!(covers_a_public_suffix(host), Some(covers), "{host}");
        }
    }
}
