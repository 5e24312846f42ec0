//! Who may see and do what: the roles, and the one table of permissions every page asks
//! (`allows`), plus `can_view_report` for one report: the one access check the inbox, a report's
//! page, its case form and every export go through. Who a report is assigned to is the case
//! chronology's latest `assign` entry (`case::CaseState::assigned_to`); there is no other record
//! of assignment. Plain functions, no HTTP and no database; the web layer's `Viewer` guard
//! (`web::guard`) is the only caller on the request path.
//!
//! - DSL: everything, and the only role that manages accounts.
//! - Deputy DSL: every report, the audit log; not accounts.
//! - Safeguarding reader: only the reports assigned to them.
//! - IT lead: devices and signing keys, the monthly usage report (counts, no pupil); never a
//!   report, the inbox or pupil data. Proposes policy changes.
//! - Governor: anonymised figures only, and the policy's history.
//! - Teacher: pupils' "Ask my teacher" requests from the groups they teach (set by the DSL on
//!   the accounts page), and nothing else; the DSL and deputies answer every group's.
//! - Policy changes are approved by the DSL, deputies and any account the DSL marks as
//!   leadership (`policy_change::may_approve`).

use crate::accounts::Account;

/// A role, as stored in `accounts.role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Designated Safeguarding Lead.
    Dsl,
    /// Deputy Designated Safeguarding Lead.
    DeputyDsl,
    /// Reads the reports assigned to them.
    SafeguardingReader,
    /// Devices and keys, no pupil data.
    ItLead,
    /// Anonymised figures only.
    Governor,
    /// Answers pupils' requests from the groups they teach.
    Teacher,
}

/// Every role, in the order the accounts page offers them.
pub const ALL_ROLES: [Role; 6] = [
    Role::Dsl,
    Role::DeputyDsl,
    Role::SafeguardingReader,
    Role::ItLead,
    Role::Governor,
    Role::Teacher,
];

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dsl => "dsl",
            Self::DeputyDsl => "deputy-dsl",
            Self::SafeguardingReader => "safeguarding-reader",
            Self::ItLead => "it-lead",
            Self::Governor => "governor",
            Self::Teacher => "teacher",
        }
    }

    /// The name people read.
    pub fn label(self) -> &'static str {
        match self {
            Self::Dsl => "Designated Safeguarding Lead",
            Self::DeputyDsl => "Deputy DSL",
            Self::SafeguardingReader => "Safeguarding reader (assigned reports only)",
            Self::ItLead => "IT lead (devices and keys, no pupil data)",
            Self::Governor => "Governor (anonymised figures only)",
            Self::Teacher => "Teacher (pupils' requests from their groups only)",
        }
    }

    /// The role a stored name means; `None` for anything unknown (which is then allowed nothing).
    pub fn parse(name: &str) -> Option<Self> {
        ALL_ROLES.into_iter().find(|r| r.as_str() == name)
    }

    /// Where this role lands after signing in.
    pub fn home(self) -> &'static str {
        match self {
            Self::Dsl | Self::DeputyDsl | Self::SafeguardingReader => "/inbox",
            Self::ItLead => "/keys",
            Self::Governor => "/figures",
            Self::Teacher => "/requests",
        }
    }
}

/// Something a page does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// The inbox (a reader's lists only their assigned reports).
    OpenInbox,
    /// Every report, whoever it is assigned to.
    ViewAllReports,
    /// Only reports assigned to this account.
    ViewAssignedReports,
    /// Assign reports to readers.
    AssignReports,
    /// Invite, change roles, disable, reset.
    ManageAccounts,
    /// Signing keys and devices.
    ManageDevices,
    /// Anonymised counts.
    ViewFigures,
    /// The audit log.
    ViewAuditLog,
    /// Sign-in with Google or Microsoft (OpenID Connect settings).
    ConfigureSignIn,
    /// The filter check log (it names no pupil: governors read it for the annual review).
    ViewFilterChecks,
    /// Add an "actions taken" note to a filter check.
    NoteFilterChecks,
    /// The monthly usage report: counts by category, group and area, top blocked hosts, no
    /// pupil (digest).
    ViewUsageReport,
    /// Pupils' "Ask my teacher" requests: see and answer those of one's own groups.
    AnswerRequests,
    /// Every group's requests, whoever teaches it.
    AnswerAllRequests,
    // policyhub: the policy under change control (issue 18).
    /// Read the policy in force and its history (governors too: no pupil data in it).
    ViewPolicy,
    /// Propose a new policy text, with a preview (DSL, deputy, IT lead).
    ProposePolicy,
    /// Approve a proposal (DSL, deputy; also any account marked as leadership).
    ApprovePolicy,
    /// The school's approval rule and who is leadership (the DSL).
    ManagePolicySettings,
}

/// The one table of who may do what.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Dsl => true,
        Role::DeputyDsl => !matches!(
            permission,
            ManageAccounts
                | ManageDevices
                | ConfigureSignIn
                | NoteFilterChecks
                | ManagePolicySettings
        ),
        Role::SafeguardingReader => matches!(permission, OpenInbox | ViewAssignedReports),
        Role::ItLead => matches!(
            permission,
            ManageDevices
                | ConfigureSignIn
                | ViewFilterChecks
                | NoteFilterChecks
                | ViewUsageReport
                | ViewPolicy
                | ProposePolicy
        ),
        Role::Governor => matches!(permission, ViewFigures | ViewFilterChecks | ViewPolicy),
        Role::Teacher => matches!(permission, AnswerRequests),
    }
}

/// Whether `account` may read (and work on) a report assigned to `assigned_to` (its case's
/// assignee, if any): the DSL and deputies every report, a safeguarding reader only the reports
/// assigned to them, nobody else any. An unknown role sees nothing.
pub fn can_view_report(account: &Account, assigned_to: Option<&str>) -> bool {
    match report_scope(account) {
        ReportScope::Every => true,
        ReportScope::AssignedTo(me) => assigned_to == Some(me),
        ReportScope::Nothing => false,
    }
}

/// Which reports an account may read, as a rule a database query can apply (the inbox's paging
/// asks the store for exactly these). The same rule as `can_view_report`, which is defined by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportScope<'a> {
    /// Every report (the DSL and deputies).
    Every,
    /// Only the reports whose case is assigned to this account (a safeguarding reader).
    AssignedTo(&'a str),
    /// None (every other role, and an unknown one).
    Nothing,
}

/// The reports `account` may read.
pub fn report_scope(account: &Account) -> ReportScope<'_> {
    match Role::parse(&account.role) {
        Some(role) if allows(role, Permission::ViewAllReports) => ReportScope::Every,
        Some(role) if allows(role, Permission::ViewAssignedReports) => {
            ReportScope::AssignedTo(&account.username)
        }
        _ => ReportScope::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(role: Role) -> Account {
        Account {
            username: "someone".into(),
            role: role.as_str().into(),
            password_hash: String::new(),
            totp_secret: String::new(),
            totp_last_step: 0,
            created_at: String::new(),
        }
    }

    #[test]
    fn policy_changes_are_proposed_and_approved_by_the_right_roles() {
        use Permission::*;
        for (role, view, propose, approve, settings) in [
            (Role::Dsl, true, true, true, true),
            (Role::DeputyDsl, true, true, true, false),
            (Role::ItLead, true, true, false, false),
            (Role::Governor, true, false, false, false),
            (Role::SafeguardingReader, false, false, false, false),
        ] {
            assert_eq!(allows(role, ViewPolicy), view, "{role:?}");
            assert_eq!(allows(role, ProposePolicy), propose, "{role:?}");
            assert_eq!(allows(role, ApprovePolicy), approve, "{role:?}");
            assert_eq!(allows(role, ManagePolicySettings), settings, "{role:?}");
        }
    }

    #[test]
    fn names_round_trip() {
        for role in ALL_ROLES {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn only_dsl_and_deputy_see_every_report_and_readers_see_their_own() {
        let (assigned, elsewhere) = (Some("someone"), Some("another"));
        for (role, own, other, nobody) in [
            (Role::Dsl, true, true, true),
            (Role::DeputyDsl, true, true, true),
            (Role::SafeguardingReader, true, false, false),
            (Role::ItLead, false, false, false),
            (Role::Governor, false, false, false),
            (Role::Teacher, false, false, false),
        ] {
            assert_eq!(can_view_report(&account(role), assigned), own, "{role:?}");
            assert_eq!(
                can_view_report(&account(role), elsewhere),
                other,
                "{role:?}"
            );
            assert_eq!(can_view_report(&account(role), None), nobody, "{role:?}");
        }
        let mut unknown = account(Role::Dsl);
        unknown.role = "admin".into();
        assert!(!can_view_report(&unknown, assigned));
    }

    #[test]
    fn it_leads_and_governors_never_reach_pupil_data() {
        for role in [Role::ItLead, Role::Governor] {
            for permission in [
                Permission::OpenInbox,
                Permission::ViewAllReports,
                Permission::ViewAssignedReports,
                Permission::ViewAuditLog,
                Permission::ManageAccounts,
            ] {
                assert!(!allows(role, permission), "{role:?} {permission:?}");
            }
        }
        assert!(allows(Role::ItLead, Permission::ManageDevices));
        for permission in [
            Permission::OpenInbox,
            Permission::ViewAllReports,
            Permission::ViewAssignedReports,
            Permission::ViewAuditLog,
            Permission::ManageAccounts,
            Permission::ManageDevices,
            Permission::ViewFigures,
            Permission::AnswerAllRequests,
            Permission::ProposePolicy,
            Permission::ApprovePolicy,
        ] {
            assert!(!allows(Role::Teacher, permission), "teacher {permission:?}");
        }
        assert!(allows(Role::Teacher, Permission::AnswerRequests));
        assert!(allows(Role::DeputyDsl, Permission::AnswerAllRequests));
        assert!(!allows(
            Role::SafeguardingReader,
            Permission::AnswerRequests
        ));
        assert!(!allows(Role::Governor, Permission::ProposePolicy));
        assert!(allows(Role::Governor, Permission::ViewFigures));
        // The filter check log: governors read it, the IT lead and the DSL add what was done.
        for role in [Role::Dsl, Role::ItLead, Role::Governor, Role::DeputyDsl] {
            assert!(allows(role, Permission::ViewFilterChecks), "{role:?}");
        }
        assert!(!allows(
            Role::SafeguardingReader,
            Permission::ViewFilterChecks
        ));
        for (role, may) in [
            (Role::Dsl, true),
            (Role::ItLead, true),
            (Role::Governor, false),
            (Role::DeputyDsl, false),
        ] {
            assert_eq!(allows(role, Permission::NoteFilterChecks), may, "{role:?}");
        }
        assert!(!allows(Role::DeputyDsl, Permission::ManageAccounts));
    }
}
