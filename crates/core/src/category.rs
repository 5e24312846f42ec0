//! The categories Schoolgate knows, and which of them are locked.
//!
//! A category is a short lowercase id (`gambling`, `social-media`). The table below names the UK
//! Safer Internet Centre's "appropriate filtering" categories and the others a primary school
//! decides on. Schools may add their own ids; [`validate_id`] says which spellings are allowed.
//!
//! Two categories are **locked**: the IWF child sexual abuse URL list and the police-assessed
//! unlawful terrorist content list (CTIRU). Since 2024 the standards say no one may switch those
//! filters off, so nothing in a policy can allow them: see [`is_locked`].

use serde::Serialize;

/// Where a category comes from, so a teacher's explanation can say why it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CategoryKind {
    /// Illegal content that must be blocked for everyone, always.
    Illegal,
    /// One of the UK Safer Internet Centre's inappropriate-content categories.
    Uksic,
    /// A category schools commonly restrict for pupils (social media, games, …).
    School,
}

/// A category Schoolgate knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CategoryInfo {
    /// The id used in lists, policies and verdicts.
    pub id: &'static str,
    /// A short label a teacher reads.
    pub label: &'static str,
    /// Where the category comes from.
    pub kind: CategoryKind,
}

/// IWF child sexual abuse URL list. Locked.
pub const CHILD_ABUSE: &str = "child-abuse";
/// Police-assessed unlawful terrorist content (CTIRU). Locked.
pub const TERRORIST_CONTENT: &str = "terrorist-content";
/// Proxies, VPNs and filter bypass; also every page a service shows that cannot be checked
/// (see [`crate::wrappers`]).
pub const PROXY_VPN: &str = "proxy-vpn";
/// A web address that is a raw IP address rather than a name: no list can say what is there,
/// and proxies serve from addresses. Not a list: the engine puts a URL in it by its host, unless
/// the address is one of the school's own (`[school] addresses`).
pub const IP_ADDRESS: &str = "ip-address";
/// AI chatbots and generative AI tools (KCSIE 2025 points schools to the DfE's guidance on
/// generative AI).
pub const AI_CHATBOTS: &str = "ai-chatbots";

/// Every category Schoolgate knows by name, illegal ones first.
pub static KNOWN: &[CategoryInfo] = &[
    info(
        CHILD_ABUSE,
        "Child sexual abuse content (IWF list)",
        CategoryKind::Illegal,
    ),
    info(
        TERRORIST_CONTENT,
        "Unlawful terrorist content (police CTIRU list)",
        CategoryKind::Illegal,
    ),
    info("discrimination", "Discrimination", CategoryKind::Uksic),
    info("drugs", "Drugs and substance abuse", CategoryKind::Uksic),
    info("extremism", "Extremism", CategoryKind::Uksic),
    info("gambling", "Gambling", CategoryKind::Uksic),
    info("hate-speech", "Hate speech", CategoryKind::Uksic),
    info(
        "malware-hacking",
        "Malware and hacking",
        CategoryKind::Uksic,
    ),
    info("pornography", "Pornography", CategoryKind::Uksic),
    info("piracy", "Piracy and copyright theft", CategoryKind::Uksic),
    info(
        "self-harm",
        "Self-harm, suicide and eating disorders",
        CategoryKind::Uksic,
    ),
    info("violence", "Violence", CategoryKind::Uksic),
    info("social-media", "Social media", CategoryKind::School),
    info(
        "chat",
        "Chat and video chat with strangers",
        CategoryKind::School,
    ),
    info("dating", "Dating", CategoryKind::School),
    info(
        PROXY_VPN,
        "Proxies, VPNs and filter bypass",
        CategoryKind::School,
    ),
    info(
        IP_ADDRESS,
        "Web addresses that are bare IP numbers",
        CategoryKind::School,
    ),
    info(
        AI_CHATBOTS,
        "AI chatbots and generative AI",
        CategoryKind::School,
    ),
    info("games", "Games", CategoryKind::School),
    info(
        "streaming",
        "Video and music streaming",
        CategoryKind::School,
    ),
    info("shopping", "Shopping", CategoryKind::School),
];

const fn info(id: &'static str, label: &'static str, kind: CategoryKind) -> CategoryInfo {
    CategoryInfo { id, label, kind }
}

/// Whether a category is locked: blocked for everyone, whatever any policy, allow list or group says.
pub fn is_locked(id: &str) -> bool {
    id == CHILD_ABUSE || id == TERRORIST_CONTENT
}

/// The known category with this id, if any.
pub fn lookup(id: &str) -> Option<&'static CategoryInfo> {
    KNOWN.iter().find(|c| c.id == id)
}

/// A label for any category id: the known label, or the id itself for a school's own category.
pub fn label(id: &str) -> &str {
    lookup(id).map_or(id, |c| c.label)
}

/// The longest category id accepted.
pub const MAX_ID_LEN: usize = 40;

/// Ids that no category may have: search phrase lists use them as pseudo-categories, for
/// phrases that lower every category's score (`any`) and mark a search as safeguarding
/// education (`safeguarding-education`), so a category of that name could never be scored.
pub const RESERVED: [&str; 2] = ["any", "safeguarding-education"];

/// Checks a category id: 1 to 40 of `a-z`, `0-9`, `-`, `_`, starting with a letter, and not one
/// of the [`RESERVED`] ids. Group names follow the same rule. `docs/policy.md` states it, and
/// `tests/fixtures/policies/category-ids.tsv` pins it for every place a policy, a list or the CLI
/// names a category.
pub fn validate_id(id: &str) -> Result<(), String> {
    match id_problem(id) {
        None => Ok(()),
        Some(problem) => Err(format!("category id `{id}` {problem}")),
    }
}

/// What is wrong with an id or a group name, as the end of a sentence naming it; `None` if
/// nothing is.
pub fn id_problem(id: &str) -> Option<&'static str> {
    let ok_len = !id.is_empty() && id.len() <= MAX_ID_LEN;
    let ok_start = id.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    let ok_chars = id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !(ok_len && ok_start && ok_chars) {
        // MAX_ID_LEN, written out: a literal is the smaller code (a test checks they agree).
        Some("must be 1 to 40 characters of a-z, 0-9, `-` or `_`, starting with a letter")
    } else if RESERVED.contains(&id) {
        Some("is reserved: search phrase lists use it for phrases that apply to every category")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_two_illegal_lists_are_locked() {
        let locked: Vec<_> = KNOWN
            .iter()
            .filter(|c| is_locked(c.id))
            .map(|c| c.id)
            .collect();
        assert_eq!(locked, [CHILD_ABUSE, TERRORIST_CONTENT]);
        assert!(KNOWN
            .iter()
            .all(|c| is_locked(c.id) == (c.kind == CategoryKind::Illegal)));
    }

    #[test]
    fn ids_are_valid_and_unique() {
        for (i, c) in KNOWN.iter().enumerate() {
            validate_id(c.id).unwrap();
            assert!(
                KNOWN[..i].iter().all(|d| d.id != c.id),
                "duplicate {}",
                c.id
            );
        }
        assert!(validate_id("Games").is_err());
        assert!(validate_id("").is_err());
        assert!(validate_id("9lives").is_err());
        assert_eq!(MAX_ID_LEN, 40, "update the message in id_problem");
    }
}
