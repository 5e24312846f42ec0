//! Change control for the school's policy (issue 18): proposals, who may propose and approve,
//! when a proposal is published, line diffs for the history and its CSV export. Plain functions:
//! no HTTP, no database (the store keeps the rows, `web::policy_pages` is the thin route layer).
//!
//! A proposal is a policy text (TOML, validated by the core exactly as `schoolgate check-policy`
//! does) with a reason. It is published (given the next version number) once it has the
//! approvals the school's rule asks for: one, or, when "changes need a second person's approval"
//! is on (the default), two people. The proposer may give the first approval of their own
//! proposal but never the one that publishes it when two are needed.

use schoolgate_core::policy::Policy;

use crate::roles::{self, Permission, Role};

/// Where a proposal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalState {
    /// Waiting for approvals.
    Proposed,
    /// Approved and published: it has a version number.
    Published,
    /// Taken back by its proposer.
    Withdrawn,
    /// Turned down by someone who may approve.
    Declined,
}

impl ProposalState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Published => "published",
            Self::Withdrawn => "withdrawn",
            Self::Declined => "declined",
        }
    }

    /// The state in words, for the pages.
    pub fn words(self) -> &'static str {
        match self {
            Self::Proposed => "waiting for approval",
            Self::Published => "approved and published",
            Self::Withdrawn => "withdrawn by the person who proposed it",
            Self::Declined => "declined",
        }
    }

    /// The state a stored name means (an unknown one reads as declined: never in force).
    pub fn parse(name: &str) -> Self {
        match name {
            "proposed" => Self::Proposed,
            "published" => Self::Published,
            "withdrawn" => Self::Withdrawn,
            _ => Self::Declined,
        }
    }
}

/// One approval of a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// Who (a user name).
    pub approver: String,
    /// When (RFC 3339, UTC).
    pub at: String,
}

/// A proposed policy text and everything that happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The proposal's number (not the version: every proposal has one).
    pub id: i64,
    /// The policy (TOML), exactly as proposed.
    pub policy: String,
    /// Why (never empty).
    pub reason: String,
    /// Who proposed it.
    pub proposed_by: String,
    /// When.
    pub proposed_at: String,
    /// Where it is.
    pub state: ProposalState,
    /// Who withdrew or declined it.
    pub closed_by: Option<String>,
    /// When.
    pub closed_at: Option<String>,
    /// Its version number, once published (1, 2, 3…, only ever growing).
    pub version: Option<i64>,
    /// When it was published.
    pub published_at: Option<String>,
    /// The version a rollback restores.
    pub rollback_of: Option<i64>,
    /// Its approvals, oldest first.
    pub approvals: Vec<Approval>,
}

impl Proposal {
    /// The approvers' names, in the order they approved.
    pub fn approvers(&self) -> Vec<String> {
        self.approvals.iter().map(|a| a.approver.clone()).collect()
    }
}

/// A new proposal, checked, before it has a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProposal {
    /// The policy text.
    pub policy: String,
    /// Why.
    pub reason: String,
    /// Who.
    pub proposed_by: String,
    /// When.
    pub proposed_at: String,
    /// The version a rollback restores.
    pub rollback_of: Option<i64>,
}

/// Why a policy change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyChangeError {
    /// No reason given.
    #[error("give a reason for the change: it is kept in the history for the annual review")]
    NoReason,
    /// The core refused the text; one line per problem, each naming its line and key.
    #[error("the policy is not valid, nothing was saved:\n{}", .0.join("\n"))]
    Invalid(Vec<String>),
    /// The proposal is no longer waiting for approval.
    #[error("proposal {0} is no longer waiting for approval")]
    NotOpen(i64),
    /// The same person approving twice.
    #[error("you have already approved this proposal: a second person must approve it")]
    AlreadyApproved,
    /// The proposer giving the approval that would publish their own proposal.
    #[error("the person who proposed a change cannot give its second approval")]
    ProposerCannotComplete,
    /// Someone whose role may not approve, and who is not marked as leadership.
    #[error("your account may not approve policy changes (the DSL, deputies and accounts marked as leadership may)")]
    MayNotApprove,
    /// Withdrawing someone else's proposal.
    #[error("only the person who proposed a change can withdraw it")]
    NotTheProposer,
    /// A rollback to a version that does not exist.
    #[error("there is no published version {0}")]
    NoSuchVersion(i64),
}

/// The core's verdict on a policy text: the parsed policy, or one line per problem
/// (`line L, column C: key: message`), as the CLI's `check-policy` prints them.
pub fn validate(text: &str) -> Result<Policy, PolicyChangeError> {
    Policy::from_toml(text).map_err(|e| {
        PolicyChangeError::Invalid(
            e.issues()
                .iter()
                .map(|i| {
                    let key = if i.path.is_empty() {
                        "(top level)"
                    } else {
                        &i.path
                    };
                    format!(
                        "line {}, column {}: {}: {}",
                        i.line, i.column, key, i.message
                    )
                })
                .collect(),
        )
    })
}

/// A proposal ready to store: the reason trimmed and required, the text valid.
pub fn propose(
    policy: &str,
    reason: &str,
    proposed_by: &str,
    proposed_at: &str,
    rollback_of: Option<i64>,
) -> Result<NewProposal, PolicyChangeError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(PolicyChangeError::NoReason);
    }
    validate(policy)?;
    Ok(NewProposal {
        policy: policy.to_owned(),
        reason: reason.to_owned(),
        proposed_by: proposed_by.to_owned(),
        proposed_at: proposed_at.to_owned(),
        rollback_of,
    })
}

/// How many people must approve a proposal under the school's rule.
pub fn approvals_needed(second_approval: bool) -> usize {
    if second_approval {
        2
    } else {
        1
    }
}

/// Whether `role` (or an account marked as leadership) may approve.
pub fn may_approve(role: Role, leadership: bool) -> bool {
    leadership || roles::allows(role, Permission::ApprovePolicy)
}

/// Checks `approver`'s approval of `proposal` (holding `existing` approvals); whether it
/// publishes the proposal.
pub fn check_approval(
    proposal: &Proposal,
    approver: &str,
    second_approval: bool,
) -> Result<bool, PolicyChangeError> {
    if proposal.state != ProposalState::Proposed {
        return Err(PolicyChangeError::NotOpen(proposal.id));
    }
    if proposal.approvals.iter().any(|a| a.approver == approver) {
        return Err(PolicyChangeError::AlreadyApproved);
    }
    let needed = approvals_needed(second_approval);
    let publishes = proposal.approvals.len() + 1 >= needed;
    if publishes && needed > 1 && approver == proposal.proposed_by {
        return Err(PolicyChangeError::ProposerCannotComplete);
    }
    Ok(publishes)
}

/// The reason a rollback is proposed with.
pub fn rollback_reason(version: i64) -> String {
    format!("Roll back to version {version}")
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    /// In both.
    Same(String),
    /// Only in the old text.
    Removed(String),
    /// Only in the new text.
    Added(String),
}

/// The longest texts diffed line by line; longer ones are shown as all removed and all added
/// (a policy is a few hundred lines; this bounds the table at 4 million cells).
const MAX_DIFF_LINES: usize = 2000;

/// A line diff of `old` → `new` (longest common subsequence), in order.
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    if a.len() > MAX_DIFF_LINES || b.len() > MAX_DIFF_LINES {
        let mut out: Vec<DiffLine> = a.iter().map(|l| DiffLine::Removed((*l).into())).collect();
        out.extend(b.iter().map(|l| DiffLine::Added((*l).into())));
        return out;
    }
    // common[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut common = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            common[i][j] = if a[i] == b[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push(DiffLine::Same(a[i].into()));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || common[i + 1][j] >= common[i][j + 1]) {
            // Removals before additions, as `diff` prints them.
            out.push(DiffLine::Removed(a[i].into()));
            i += 1;
        } else {
            out.push(DiffLine::Added(b[j].into()));
            j += 1;
        }
    }
    out
}

/// Only the changed lines of a diff, with `+ `/`- ` in front, one a line (for the CSV export).
pub fn diff_summary(old: &str, new: &str) -> String {
    diff_lines(old, new)
        .into_iter()
        .filter_map(|line| match line {
            DiffLine::Same(_) => None,
            DiffLine::Removed(l) => Some(format!("- {l}")),
            DiffLine::Added(l) => Some(format!("+ {l}")),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn csv_field(value: &str) -> String {
    // A leading = + - @ would be a formula in a spreadsheet: kept as text with a quote.
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// The change-control log for the annual review: one row per proposal, oldest first, with who
/// proposed, who approved (every name), when, why, the outcome and the diff against the version
/// in force before it.
pub fn history_csv(proposals: &[Proposal]) -> String {
    let mut out = String::from(
        "proposal,version,state,proposed_by,proposed_at,reason,approved_by,approved_at,published_at,closed_by,closed_at,rollback_of,changes\r\n",
    );
    let mut sorted: Vec<&Proposal> = proposals.iter().collect();
    sorted.sort_by_key(|p| p.id);
    for p in sorted {
        let before = previous_published(proposals, p).map_or("", |v| v.policy.as_str());
        let fields = [
            p.id.to_string(),
            p.version.map(|v| v.to_string()).unwrap_or_default(),
            p.state.as_str().to_owned(),
            p.proposed_by.clone(),
            p.proposed_at.clone(),
            p.reason.clone(),
            p.approvers().join("; "),
            p.approvals
                .iter()
                .map(|a| a.at.clone())
                .collect::<Vec<_>>()
                .join("; "),
            p.published_at.clone().unwrap_or_default(),
            p.closed_by.clone().unwrap_or_default(),
            p.closed_at.clone().unwrap_or_default(),
            p.rollback_of.map(|v| v.to_string()).unwrap_or_default(),
            diff_summary(before, &p.policy),
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The version in force when `proposal` was made (for a published one: the version before it).
pub fn previous_published<'p>(all: &'p [Proposal], proposal: &Proposal) -> Option<&'p Proposal> {
    all.iter()
        .filter(|p| p.state == ProposalState::Published)
        .filter(|p| match proposal.version {
            Some(version) => p.version < Some(version),
            None => p.published_at.as_deref() <= Some(proposal.proposed_at.as_str()),
        })
        .max_by_key(|p| p.version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proposal(by: &str, approvals: &[&str]) -> Proposal {
        Proposal {
            id: 1,
            policy: String::new(),
            reason: "r".into(),
            proposed_by: by.into(),
            proposed_at: "2026-12-07T10:00:00Z".into(),
            state: ProposalState::Proposed,
            closed_by: None,
            closed_at: None,
            version: None,
            published_at: None,
            rollback_of: None,
            approvals: approvals
                .iter()
                .map(|a| Approval {
                    approver: (*a).into(),
                    at: String::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn two_people_publish_and_the_proposer_never_gives_the_second_approval() {
        let fresh = proposal("alice", &[]);
        assert_eq!(check_approval(&fresh, "alice", true), Ok(false));
        assert_eq!(check_approval(&fresh, "bob", true), Ok(false));
        let once = proposal("alice", &["alice"]);
        assert_eq!(
            check_approval(&once, "alice", true),
            Err(PolicyChangeError::AlreadyApproved)
        );
        assert_eq!(check_approval(&once, "bob", true), Ok(true));
        let by_other = proposal("alice", &["bob"]);
        assert_eq!(
            check_approval(&by_other, "alice", true),
            Err(PolicyChangeError::ProposerCannotComplete)
        );
        assert_eq!(check_approval(&by_other, "carol", true), Ok(true));
        // With the school's rule off, one approval publishes, the proposer's own included.
        assert_eq!(check_approval(&fresh, "alice", false), Ok(true));
        let mut closed = once.clone();
        closed.state = ProposalState::Published;
        assert_eq!(
            check_approval(&closed, "bob", true),
            Err(PolicyChangeError::NotOpen(1))
        );
    }

    #[test]
    fn a_reason_is_required_and_the_core_names_the_line_and_key() {
        assert_eq!(
            propose("[school]\nname = \"X\"\n", "  ", "a", "t", None),
            Err(PolicyChangeError::NoReason)
        );
        let Err(PolicyChangeError::Invalid(issues)) = propose(
            "[school]\nname = \"X\"\n\n[categories]\ngambling = \"sometimes\"\n",
            "why",
            "a",
            "t",
            None,
        ) else {
            panic!("an invalid action must be refused");
        };
        assert!(
            issues[0].starts_with("line 5, column ") && issues[0].contains("gambling"),
            "{issues:?}"
        );
    }

    #[test]
    fn the_diff_keeps_common_lines_and_marks_the_rest() {
        let diff = diff_lines("a\nb\nc\n", "a\nc\nd\n");
        assert_eq!(
            diff,
            vec![
                DiffLine::Same("a".into()),
                DiffLine::Removed("b".into()),
                DiffLine::Same("c".into()),
                DiffLine::Added("d".into()),
            ]
        );
        assert_eq!(diff_summary("a\nb\n", "a\nc\n"), "- b\n+ c");
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("a \"b\""), "\"a \"\"b\"\"\"");
        assert_eq!(csv_field("=cmd"), "\"'=cmd\"");
    }
}
