//! A report's safeguarding case: what the DSL does with it after it arrives. Everything is an
//! entry in an append-only chronology (like CPOMS: never edited, never deleted; the database
//! refuses it): notes, actions, assignment, escalation, outcomes, closing and reopening. The
//! case's state (who it is assigned to, whether it is open) is worked out from that chronology,
//! so there is nothing else to keep in step. Plain functions: no HTTP, no database.

use serde_json::Value;

use crate::store::StoredReport;

/// One entry of a case's chronology, as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CaseEntry {
    /// The report it belongs to.
    pub report_id: String,
    /// Its place in this report's chronology: 1, 2, 3…
    pub seq: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who.
    pub actor: String,
    /// What kind of entry (`CaseKind::name`).
    pub kind: String,
    /// The entry's text: the note, the action, the assignee, the outcome's name, the reason.
    pub detail: String,
}

/// The kinds of entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseKind {
    /// Something the DSL wants on the record.
    Note,
    /// Something done (a call made, a meeting held).
    Action,
    /// Given to an account to work on (and to read, for a safeguarding reader).
    Assign,
    /// Flagged as needing attention now (it goes to the top of the inbox).
    Escalate,
    /// An outcome recorded (`Outcome`); a case may have several.
    Outcome,
    /// Closed: nothing more to do.
    Close,
    /// Opened again, with a reason.
    Reopen,
    /// The reporting device may show the page again (`decisions.rs`).
    UnblockPage,
    /// The reporting device keeps the page blocked.
    KeepBlocked,
    /// The page's domain goes on the school-wide block list (the entry's text is the domain).
    BlockSchool,
    /// The page's domain comes off the school-wide block list.
    UnblockSchool,
}

impl CaseKind {
    /// Every kind.
    pub const ALL: [Self; 11] = [
        Self::Note,
        Self::Action,
        Self::Assign,
        Self::Escalate,
        Self::Outcome,
        Self::Close,
        Self::Reopen,
        Self::UnblockPage,
        Self::KeepBlocked,
        Self::BlockSchool,
        Self::UnblockSchool,
    ];

    /// Its stored name (also the audit action's suffix).
    pub fn name(self) -> &'static str {
        match self {
            Self::Note => "note",
            Self::Action => "action",
            Self::Assign => "assign",
            Self::Escalate => "escalate",
            Self::Outcome => "outcome",
            Self::Close => "close",
            Self::Reopen => "reopen",
            Self::UnblockPage => "unblock-page",
            Self::KeepBlocked => "keep-blocked",
            Self::BlockSchool => "block-school",
            Self::UnblockSchool => "unblock-school",
        }
    }

    /// The kind stored as `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The outcomes a safeguarding record can have (what CPOMS and MyConcern ask for).
pub const OUTCOMES: [(&str, &str); 7] = [
    ("no-further-action", "No further action"),
    ("pupil-supported", "Pupil supported in school"),
    ("parents-informed", "Parents or carers informed"),
    (
        "childrens-social-care",
        "Referral to children's social care",
    ),
    ("police", "Referral to the police"),
    ("iwf", "Reported to the IWF"),
    ("prevent-channel", "Referral to Prevent / Channel"),
];

/// The words for an outcome's stored name.
pub fn outcome_label(name: &str) -> &str {
    OUTCOMES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(name, |(_, label)| label)
}

/// The longest text an entry may carry.
pub const MAX_DETAIL_CHARS: usize = 10_000;

/// Why an entry cannot be added.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CaseError {
    /// Not a kind of entry.
    #[error("unknown kind of entry")]
    UnknownKind,
    /// A note, action or reason with no text.
    #[error("write something: this entry needs text")]
    Empty,
    /// Too long.
    #[error("the text is longer than {MAX_DETAIL_CHARS} characters")]
    TooLong,
    /// Not one of `OUTCOMES`.
    #[error("choose one of the listed outcomes")]
    UnknownOutcome,
    /// Assigned to an account that does not exist.
    #[error("there is no account called {0:?}")]
    NoSuchAccount(String),
    /// A change to a closed case (other than reopening it, or a note).
    #[error("the case is closed: reopen it first")]
    Closed,
    /// Closing without an outcome.
    #[error("record an outcome before closing")]
    NoOutcome,
    /// Reopening an open case.
    #[error("the case is already open")]
    AlreadyOpen,
    /// Unblocking a page the filter locked or the adult suspected to be CSAM.
    #[error("this page can never be unblocked: it is in a locked category or suspected child sexual abuse material")]
    PageLocked,
    /// A school-wide block for a page with no web domain.
    #[error("the reported page has no web domain to block")]
    NoDomain,
}

/// A case's state, worked out from its chronology.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseState {
    /// Who it is assigned to, if anyone.
    pub assigned_to: Option<String>,
    /// Escalated on the hub.
    pub escalated: bool,
    /// Outcomes recorded, in order (stored names).
    pub outcomes: Vec<String>,
    /// Closed (and not reopened since).
    pub closed: bool,
    /// How many entries.
    pub entries: usize,
}

impl CaseState {
    /// The state after `entries` (one report's, oldest first).
    pub fn from_entries<'e>(entries: impl IntoIterator<Item = &'e CaseEntry>) -> Self {
        let mut state = Self::default();
        for entry in entries {
            state.entries += 1;
            match CaseKind::parse(&entry.kind) {
                Some(CaseKind::Assign) => state.assigned_to = Some(entry.detail.clone()),
                Some(CaseKind::Escalate) => state.escalated = true,
                Some(CaseKind::Outcome) => state.outcomes.push(entry.detail.clone()),
                Some(CaseKind::Close) => state.closed = true,
                Some(CaseKind::Reopen) => state.closed = false,
                Some(
                    CaseKind::Note
                    | CaseKind::Action
                    | CaseKind::UnblockPage
                    | CaseKind::KeepBlocked
                    | CaseKind::BlockSchool
                    | CaseKind::UnblockSchool,
                )
                | None => {}
            }
        }
        state
    }
}

/// Checks a new entry against the case as it stands; the text to store. `account_exists` says
/// whether an assignee is a real account.
pub fn check_entry(
    state: &CaseState,
    kind: CaseKind,
    detail: &str,
    account_exists: bool,
) -> Result<String, CaseError> {
    let detail = detail.trim();
    if detail.chars().count() > MAX_DETAIL_CHARS {
        return Err(CaseError::TooLong);
    }
    if state.closed && !matches!(kind, CaseKind::Reopen | CaseKind::Note) {
        return Err(CaseError::Closed);
    }
    match kind {
        CaseKind::Note | CaseKind::Action | CaseKind::Reopen | CaseKind::Escalate
            if detail.is_empty() =>
        {
            return Err(CaseError::Empty)
        }
        CaseKind::Reopen if !state.closed => return Err(CaseError::AlreadyOpen),
        CaseKind::Outcome if !OUTCOMES.iter().any(|(name, _)| *name == detail) => {
            return Err(CaseError::UnknownOutcome)
        }
        CaseKind::Assign if !account_exists => {
            return Err(CaseError::NoSuchAccount(detail.to_owned()))
        }
        CaseKind::Close if state.outcomes.is_empty() => return Err(CaseError::NoOutcome),
        _ => {}
    }
    Ok(detail.to_owned())
}

/// Whether a report says the adult suspected child sexual abuse material (the adult's answer,
/// or the device's `csam-url-only` entry when only the address was kept).
pub fn suspected_csam(body: &Value) -> bool {
    body["adult"]["suspectedCsam"].as_bool() == Some(true)
        || body["page"]["details"].as_str() == Some("not-kept")
        || body["timeline"]
            .as_array()
            .is_some_and(|t| t.iter().any(|e| e["event"] == "csam-url-only"))
}

/// Whether the adult on the device asked for the DSL (`adult.escalateToDsl`).
pub fn escalated_on_device(body: &Value) -> bool {
    body["adult"]["escalateToDsl"].as_bool() == Some(true)
}

/// What the inbox shows of a report's body, worked out once when a revision is stored (the
/// store keeps it beside the report, so the inbox never reads bodies).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFacts {
    /// `suspected_csam`.
    pub csam: bool,
    /// `escalated_on_device`.
    pub escalated_on_device: bool,
    /// `school.name`, or empty.
    pub school_name: String,
    /// `pupil.groupLabel`, or empty.
    pub group_label: String,
    /// `page.url`, or empty.
    pub page_url: String,
    /// Whether the adult on the device has recorded (`adult` is an object).
    pub adult_recorded: bool,
}

impl ReportFacts {
    /// The facts of a stored body (a body that is not JSON has none).
    pub fn of(body: &str) -> Self {
        let body: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let text = |a: &str, b: &str| body[a][b].as_str().unwrap_or("").to_owned();
        Self {
            csam: suspected_csam(&body),
            escalated_on_device: escalated_on_device(&body),
            school_name: text("school", "name"),
            group_label: text("pupil", "groupLabel"),
            page_url: text("page", "url"),
            adult_recorded: body["adult"].is_object(),
        }
    }
}

/// The inbox's groups, in order: open flagged reports (0), new ones (1), open ones being worked
/// on (2), closed ones (3). `inbox_order` sorts by it; the store keeps it as `inbox_rank`.
pub fn inbox_rank(flag: bool, state: &CaseState) -> i64 {
    if flag && !state.closed {
        0
    } else if state.entries == 0 {
        1
    } else if !state.closed {
        2
    } else {
        3
    }
}

/// One line of the inbox.
#[derive(Debug, Clone)]
pub struct InboxRow<'r> {
    /// The report.
    pub report: &'r StoredReport,
    /// Its body, parsed.
    pub body: Value,
    /// Its case.
    pub state: CaseState,
    /// Suspected CSAM.
    pub csam: bool,
    /// Escalated on the device or on the hub.
    pub escalated: bool,
}

impl InboxRow<'_> {
    /// Flagged rows go to the top, whatever their age.
    pub fn flagged(&self) -> bool {
        (self.csam || self.escalated) && !self.state.closed
    }
    /// Nobody has done anything with it yet.
    pub fn is_new(&self) -> bool {
        self.state.entries == 0
    }
}

/// The inbox's order: open flagged reports (suspected CSAM, escalated) first, then new reports,
/// then open ones being worked on, then closed ones; newest first within each (ties keep the
/// order they come in). The inbox itself reads its pages in this order from the store's summary
/// (`store::inbox`); this is the order's definition, which the tests hold the pages to.
pub fn inbox_order(rows: &mut [InboxRow<'_>]) {
    let rank = |row: &InboxRow<'_>| inbox_rank(row.csam || row.escalated, &row.state);
    rows.sort_by(|a, b| {
        rank(a).cmp(&rank(b)).then_with(|| {
            let when = |r: &InboxRow<'_>| {
                r.report
                    .created_at
                    .clone()
                    .unwrap_or_else(|| r.report.first_received_at.clone())
            };
            when(b).cmp(&when(a))
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: &str, detail: &str) -> CaseEntry {
        CaseEntry {
            report_id: "r".into(),
            seq: 0,
            at: String::new(),
            actor: "dsl".into(),
            kind: kind.into(),
            detail: detail.into(),
        }
    }

    #[test]
    fn state_follows_the_chronology() {
        let entries = [
            entry("assign", "ana"),
            entry("outcome", "police"),
            entry("close", ""),
            entry("reopen", "new information"),
            entry("assign", "ben"),
        ];
        let state = CaseState::from_entries(&entries);
        assert_eq!(state.assigned_to.as_deref(), Some("ben"));
        assert!(!state.closed);
        assert_eq!(state.outcomes, ["police"]);
        assert_eq!(state.entries, 5);
    }

    #[test]
    fn entries_are_checked_against_the_case() {
        let open = CaseState::default();
        let closed = CaseState::from_entries(&[entry("outcome", "iwf"), entry("close", "")]);
        let cases: &[(&CaseState, CaseKind, &str, Result<(), CaseError>)] = &[
            (&open, CaseKind::Note, "  ", Err(CaseError::Empty)),
            (&open, CaseKind::Note, "rang home", Ok(())),
            (&open, CaseKind::Outcome, "police", Ok(())),
            (
                &open,
                CaseKind::Outcome,
                "expelled",
                Err(CaseError::UnknownOutcome),
            ),
            (&open, CaseKind::Close, "", Err(CaseError::NoOutcome)),
            (&open, CaseKind::Reopen, "why", Err(CaseError::AlreadyOpen)),
            (&closed, CaseKind::Action, "x", Err(CaseError::Closed)),
            (&closed, CaseKind::Close, "", Err(CaseError::Closed)),
            (&closed, CaseKind::Reopen, "", Err(CaseError::Empty)),
            (&closed, CaseKind::Reopen, "new disclosure", Ok(())),
            (&closed, CaseKind::Note, "filed", Ok(())),
        ];
        for (state, kind, detail, expected) in cases {
            assert_eq!(
                check_entry(state, *kind, detail, true).map(drop),
                *expected,
                "{kind:?} {detail:?}"
            );
        }
        assert_eq!(
            check_entry(&open, CaseKind::Assign, "nobody", false),
            Err(CaseError::NoSuchAccount("nobody".into()))
        );
    }

    #[test]
    fn the_latest_assign_entry_decides_which_reader_may_read() {
        use crate::accounts::Account;
        use crate::roles::can_view_report;
        let may_read = |account: &Account, state: &CaseState| {
            can_view_report(account, state.assigned_to.as_deref())
        };
        let account = |role: &str| Account {
            username: "ana".into(),
            role: role.into(),
            password_hash: String::new(),
            totp_secret: String::new(),
            totp_last_step: 0,
            created_at: String::new(),
        };
        let mine = CaseState::from_entries(&[entry("assign", "ana")]);
        let theirs = CaseState::from_entries(&[entry("assign", "ben")]);
        let taken_back = CaseState::from_entries(&[entry("assign", "ana"), entry("assign", "ben")]);
        assert!(!may_read(&account("safeguarding-reader"), &taken_back));
        assert!(may_read(&account("dsl"), &theirs));
        assert!(may_read(&account("deputy-dsl"), &CaseState::default()));
        assert!(may_read(&account("safeguarding-reader"), &mine));
        assert!(!may_read(&account("safeguarding-reader"), &theirs));
        assert!(!may_read(&account("it-lead"), &mine));
        assert!(!may_read(&account("governor"), &mine));
    }

    #[test]
    fn suspected_csam_is_read_from_the_adult_or_the_device() {
        let yes = serde_json::json!({ "adult": { "suspectedCsam": true } });
        let url_only = serde_json::json!({ "timeline": [{ "event": "csam-url-only" }] });
        let no = serde_json::json!({ "adult": { "suspectedCsam": false }, "page": { "details": "added" } });
        assert!(suspected_csam(&yes) && suspected_csam(&url_only) && !suspected_csam(&no));
    }
}
