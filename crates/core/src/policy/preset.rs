//! The four built-in age groups and what each starts from before a policy says anything.
//!
//! Presets are deliberately safe on their own, so a policy that names only the school still
//! filters sensibly. Time windows are left to the policy (lunchtimes differ between schools):
//! the built-in policy file adds them.

use serde::Serialize;

use super::action::Action;
use crate::category;

/// A built-in starting point for a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Early Years Foundation Stage: nursery and reception, ages 3–5.
    Eyfs,
    /// Key Stage 1: years 1–2, ages 5–7.
    Ks1,
    /// Key Stage 2: years 3–6, ages 7–11.
    Ks2,
    /// Teachers and support staff.
    Staff,
}

/// Categories staff keep blocked: adult content, the UKSIC categories that promote harm and have
/// no teaching use on a shared classroom device, and anything that would defeat filtering or
/// monitoring. Drugs, self-harm and violence stay open to staff because those lists also catch
/// PSHE, RSE, history and safeguarding material staff need: over-blocking is a harm too.
const STAFF_BLOCKED: &[&str] = &[
    "pornography",
    "gambling",
    "dating",
    "chat",
    "malware-hacking",
    "piracy",
    "proxy-vpn",
    "extremism",
    "hate-speech",
    "discrimination",
];

impl Preset {
    /// Every preset, youngest first.
    pub const ALL: [Preset; 4] = [Preset::Eyfs, Preset::Ks1, Preset::Ks2, Preset::Staff];

    /// The preset's id, which is also the name of its built-in group.
    pub fn id(self) -> &'static str {
        match self {
            Preset::Eyfs => "eyfs",
            Preset::Ks1 => "ks1",
            Preset::Ks2 => "ks2",
            Preset::Staff => "staff",
        }
    }

    /// Parses a preset id.
    pub fn parse(id: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.id() == id)
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Preset::Eyfs => "Early years (EYFS)",
            Preset::Ks1 => "Key Stage 1",
            Preset::Ks2 => "Key Stage 2",
            Preset::Staff => "Staff",
        }
    }

    /// Whether groups from this preset are staff unless they say otherwise.
    pub fn is_staff(self) -> bool {
        self == Preset::Staff
    }

    /// The preset's action for a category. Unknown ids block: a preset never guesses open.
    pub fn action(self, id: &str) -> Action {
        if category::is_locked(id) || category::lookup(id).is_none() {
            return Action::Block;
        }
        match (self, id) {
            // The youngest use the web by adult demonstration; from KS2 a school may use an AI
            // tool with a class, so the policy decides (most consumer chatbots' terms say 13+).
            (Preset::Eyfs | Preset::Ks1, category::AI_CHATBOTS) => Action::Block,
            (_, category::AI_CHATBOTS) => Action::Allow,
            // Teachers show videos to the class from their own device; on pupils' devices,
            // autoplay and recommendations lead off-task. Single videos go on an `allow` list.
            (_, "streaming") => Action::StaffOnly,
            (Preset::Staff, id) if STAFF_BLOCKED.contains(&id) => Action::Block,
            (Preset::Staff, _) => Action::Allow,
            // Every other known category is something a primary pupil should not meet unaided.
            _ => Action::Block,
        }
    }

    /// What the preset does with pages no list categorises: allowed, because blocking the
    /// unknown web would stop teaching and learning.
    pub fn uncategorised(self) -> Action {
        Action::Allow
    }

    /// What the preset does with `data:`, `blob:`, `javascript:`, `file:` and similar pages at
    /// top level: pupils are blocked, since these are common filter-bypass routes.
    pub fn non_web(self) -> Action {
        if self.is_staff() {
            Action::Allow
        } else {
            Action::Block
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is how a test reports failure
mod tests {
    use super::*;

    #[test]
    fn pupils_block_everything_but_staff_only_streaming_and_ks2_ai() {
        for p in [Preset::Eyfs, Preset::Ks1, Preset::Ks2] {
            for c in category::KNOWN {
                let want = match (p, c.id) {
                    (_, "streaming") => Action::StaffOnly,
                    (Preset::Ks2, category::AI_CHATBOTS) => Action::Allow,
                    _ => Action::Block,
                };
                assert_eq!(p.action(c.id), want, "{} {}", p.id(), c.id);
            }
            assert_eq!(p.non_web(), Action::Block);
            assert_eq!(p.uncategorised(), Action::Allow);
        }
    }

    #[test]
    fn staff_keep_adult_illegal_and_malware_blocked() {
        let s = Preset::Staff;
        for id in [
            "child-abuse",
            "terrorist-content",
            "pornography",
            "malware-hacking",
            "gambling",
        ] {
            assert_eq!(s.action(id), Action::Block, "{id}");
        }
        for id in [
            "games",
            "social-media",
            "self-harm",
            "shopping",
            category::IP_ADDRESS,
            category::AI_CHATBOTS,
        ] {
            assert_eq!(s.action(id), Action::Allow, "{id}");
        }
        assert_eq!(s.action("made-up"), Action::Block);
        assert!(STAFF_BLOCKED
            .iter()
            .all(|id| category::lookup(id).is_some()));
    }

    #[test]
    fn ids_round_trip() {
        for p in Preset::ALL {
            assert_eq!(Preset::parse(p.id()), Some(p));
        }
        assert_eq!(Preset::parse("KS2"), None);
    }
}
