//! No policy can unblock the locked illegal-content categories: not group allow lists, category
//! actions, uncategorised, staff groups, custom groups or presets. Checked at the decision level.
#![allow(clippy::unwrap_used)] // a panic is how a test reports failure

use proptest::prelude::*;
use schoolgate_core::category::{self, CHILD_ABUSE, TERRORIST_CONTENT};
use schoolgate_core::policy::{Action, ListHit, Policy};

const LOCKED: [&str; 2] = [CHILD_ABUSE, TERRORIST_CONTENT];
const ALWAYS: &str = r#"{ allow_at = [ { days = "daily", from = "00:00", to = "24:00" } ] }"#;

/// The most permissive policy the schema accepts: everything else allowed, for everyone.
fn permissive() -> Policy {
    let mut text = String::from("[school]\nname = \"Open Door Primary\"\n\n[categories]\n");
    for c in category::KNOWN
        .iter()
        .filter(|c| !category::is_locked(c.id))
    {
        text.push_str(&format!("{} = \"allow\"\n", c.id));
    }
    for group in ["eyfs", "ks1", "ks2", "staff"] {
        text.push_str(&format!(
            "[groups.{group}]\nstaff = true\nuncategorised = \"allow\"\nnon_web = \"allow\"\nallow = [\"example.com\"]\n"
        ));
    }
    for preset in ["eyfs", "ks1", "ks2", "staff"] {
        text.push_str(&format!(
            "[groups.custom-{preset}]\npreset = \"{preset}\"\nstaff = true\nuncategorised = {ALWAYS}\nallow = [\"example.com\"]\n\
             [groups.custom-{preset}.categories]\ngames = {ALWAYS}\nstreaming = \"staff-only\"\n"
        ));
    }
    Policy::from_toml(&text).map_err(|e| e.report()).unwrap()
}

fn assert_locked_everywhere(p: &Policy, at: i64) {
    for g in p.groups() {
        for id in LOCKED {
            let d = g.decide(Some(id), at);
            assert!(
                !d.allow && d.locked && d.next_change.is_none(),
                "{} {id}: {d:?}",
                g.name()
            );
            assert_eq!(
                g.category(id).unwrap().action,
                Action::Block,
                "{} {id}",
                g.name()
            );
            for list in [
                None,
                Some(ListHit::Allow("example.com")),
                Some(ListHit::Deny("example.com")),
            ] {
                for cats in [vec![id], vec!["games", id], vec![id, "streaming"]] {
                    let d = g.decide_all(&cats, list, at);
                    assert!(
                        !d.allow && d.locked,
                        "{} {cats:?} {list:?}: {d:?}",
                        g.name()
                    );
                }
            }
        }
    }
}

#[test]
fn permissive_policy_still_blocks_locked_categories() {
    let p = permissive();
    assert_eq!(p.group_names().count(), 8);
    // Sanity: the policy really is permissive for everything else.
    let ks1 = p.group("ks1").unwrap();
    assert!(
        ks1.decide(Some("pornography"), 0).allow
            && ks1
                .decide_all(&[], Some(ListHit::Allow("example.com")), 0)
                .allow
    );
    for at in [
        0,
        1_767_616_200,
        1_774_746_000,
        1_792_890_000,
        -1,
        i64::MIN,
        i64::MAX,
    ] {
        assert_locked_everywhere(&p, at);
    }
}

#[test]
fn builtin_and_preset_groups_block_locked_categories() {
    assert_locked_everywhere(&Policy::builtin(), 1_767_616_200);
    let minimal = Policy::from_toml("[school]\nname = \"Minimal\"\n").unwrap();
    assert_locked_everywhere(&minimal, 1_767_616_200);
}

#[test]
fn every_attempt_to_unblock_is_rejected() {
    let places = [
        "[categories]".to_string(),
        "[groups.staff.categories]".to_string(),
        "[groups.ks2.categories]".to_string(),
        "[groups.dsl]\npreset = \"staff\"\nstaff = true\n[groups.dsl.categories]".to_string(),
    ];
    for place in &places {
        for action in ["\"allow\"", "\"staff-only\"", ALWAYS] {
            for id in LOCKED {
                let text = format!("[school]\nname = \"X\"\n{place}\n{id} = {action}\n");
                let err = Policy::from_toml(&text).unwrap_err();
                assert_eq!(err.issues().len(), 1, "{text}");
                let issue = &err.issues()[0];
                assert!(
                    issue
                        .message
                        .contains("locked illegal-content list that no setting can unblock"),
                    "{issue}"
                );
                assert_eq!(issue.line, text.lines().count(), "{issue}");
            }
        }
    }
}

proptest! {
    #[test]
    fn locked_categories_block_at_any_moment(
        at in any::<i64>(),
        group in 0usize..8,
        locked in 0usize..2,
        extra in proptest::sample::subsequence(vec!["games", "streaming", "social-media", "homework"], 0..3),
        allow_hit in any::<bool>(),
    ) {
        let p = permissive();
        let g = p.groups().nth(group).unwrap();
        let mut cats = extra.clone();
        cats.push(LOCKED[locked]);
        let list = allow_hit.then_some(ListHit::Allow("example.com"));
        let d = g.decide_all(&cats, list, at);
        prop_assert!(!d.allow && d.locked);
        prop_assert!(!g.decide(Some(LOCKED[locked]), at).allow);
        // Time windows are evaluated at any instant without overflow or panic.
        let _ = g.decide_all(&extra, None, at);
    }
}
