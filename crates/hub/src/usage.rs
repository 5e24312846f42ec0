//! The online-safety lead's monthly usage report (`docs/hub.md`, "Monitoring events"): what the
//! filter did in one calendar month, as counts only: by what happened, by KCSIE area, by
//! category, by group, the most-blocked hosts (a host names a website, not a pupil), the devices
//! heard from, and the changes made to what the filter lets through. No pupil, device or page
//! address is in it, so it can be printed and e-mailed.
//!
//! `MonthlyUsage::read` gathers it from the store; the rest are plain functions.

use chrono::{Datelike, NaiveDate, Weekday};

use crate::case::CaseKind;
use crate::digest_mail::school_midnight;
use crate::store::{
    DigestStore, EventStore, FilterCheckStore, GroupCount, PolicyStore, StoreError,
};
use crate::summary::{area_of, Area, EventCount};

/// How many hosts the report lists.
pub const TOP_HOSTS: i64 = 10;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    /// The year.
    pub year: i32,
    /// 1–12.
    pub month: u32,
}

impl Month {
    /// The month `date` is in.
    pub fn containing(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    /// `2026-11`.
    pub fn parse(text: &str) -> Option<Self> {
        let (year, month) = text.trim().split_once('-')?;
        let year: i32 = year.parse().ok().filter(|y| (2000..=2999).contains(y))?;
        let month: u32 = month.parse().ok().filter(|m| (1..=12).contains(m))?;
        (month.to_string().len() <= 2).then_some(Self { year, month })
    }

    /// Its id, as `parse` reads it.
    pub fn id(self) -> String {
        format!("{}-{:02}", self.year, self.month)
    }

    /// "November 2026".
    pub fn label(self) -> String {
        self.first_day().format("%B %Y").to_string()
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The month before.
    pub fn previous(self) -> Self {
        match self.month {
            1 => Self {
                year: self.year - 1,
                month: 12,
            },
            m => Self {
                year: self.year,
                month: m - 1,
            },
        }
    }

    /// The month after.
    pub fn next(self) -> Self {
        match self.month {
            12 => Self {
                year: self.year + 1,
                month: 1,
            },
            m => Self {
                year: self.year,
                month: m + 1,
            },
        }
    }

    /// `[first moment, first moment of the next month)` by the school's clock, RFC 3339 UTC.
    pub fn bounds(self) -> (String, String) {
        (
            school_midnight(self.first_day()),
            school_midnight(self.next().first_day()),
        )
    }

    /// The month's first weekday: its first school day when the approved policy has no
    /// calendar (`school_calendar::first_school_day` follows the calendar when it has one; the
    /// hub does not know bank holidays).
    pub fn first_school_day(self) -> NaiveDate {
        let mut day = self.first_day();
        while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            day = day.succ_opt().unwrap_or(day);
        }
        day
    }
}

/// The case entries that change what the filter lets through: a page unblocked or kept blocked
/// on the reporting device, a site blocked or unblocked for the whole school.
pub const CHANGE_KINDS: [CaseKind; 4] = [
    CaseKind::UnblockPage,
    CaseKind::KeepBlocked,
    CaseKind::BlockSchool,
    CaseKind::UnblockSchool,
];

/// One line of a table: a name and a count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    /// What is counted.
    pub label: String,
    /// How many.
    pub count: i64,
}

/// The month's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyUsage {
    /// Which month.
    pub month: Month,
    /// By what happened (blocked pages, attempts, each kind of alert, help searches).
    pub kinds: Vec<Count>,
    /// By KCSIE area (what the filter stopped and the alerts).
    pub areas: Vec<Count>,
    /// Blocked pages by category, most first (only categories with any).
    pub categories: Vec<Count>,
    /// Per group: blocked pages, attempts to get round the filter, search alerts.
    pub groups: Vec<(String, [i64; 3])>,
    /// The most-blocked hosts.
    pub top_hosts: Vec<Count>,
    /// Devices that sent anything that month.
    pub devices_seen: i64,
    /// Changes made to what the filter lets through (`CHANGE_KINDS`).
    pub changes_made: i64,
    /// Policy versions published (each approved policy change).
    pub policy_changes: i64,
    /// The Chromebooks' filter checks that ran, and how many of them failed.
    pub filter_checks: (i64, i64),
}

impl MonthlyUsage {
    /// Reads `month`'s report from the store.
    pub async fn read<S: EventStore + DigestStore + PolicyStore + FilterCheckStore>(
        store: &S,
        month: Month,
    ) -> Result<Self, StoreError> {
        let (from, to) = month.bounds();
        let counts = store.event_counts(&from, &to).await?;
        let groups = store.group_counts(&from, &to).await?;
        let hosts = store.top_blocked_hosts(&from, &to, TOP_HOSTS).await?;
        let devices_seen = store.devices_seen(&from, &to).await?;
        let changes_made = changes_made_between(store, &from, &to).await?;
        let policy_changes = store.policy_versions_published(&from, &to).await?;
        let mut usage = Self::from_counts(
            month,
            &counts,
            &groups,
            hosts,
            devices_seen,
            [changes_made, policy_changes],
        );
        usage.filter_checks = store.filter_check_counts(&from, &to).await?;
        Ok(usage)
    }

    /// The report from what the store counted (a plain function: tested without a database).
    pub fn from_counts(
        month: Month,
        counts: &[EventCount],
        groups: &[GroupCount],
        hosts: Vec<(String, i64)>,
        devices_seen: i64,
        [changes_made, policy_changes]: [i64; 2],
    ) -> Self {
        let sum = |keep: &dyn Fn(&EventCount) -> bool| -> i64 {
            counts.iter().filter(|c| keep(c)).map(|c| c.count).sum()
        };
        let alert = |name: &'static str| move |c: &EventCount| c.alert.as_deref() == Some(name);
        let kinds = vec![
            count("Blocked pages", sum(&|c| c.kind == "blocked")),
            count(
                "Attempts to get round the filter",
                sum(&|c| c.kind == "circumvention"),
            ),
            count(
                "Prevent (radicalisation) search alerts",
                sum(&alert("prevent")),
            ),
            count("Self-harm search alerts", sum(&alert("self-harm"))),
            count("Grooming search alerts", sum(&alert("grooming"))),
            count(
                "Other safeguarding search alerts",
                sum(&alert("safeguarding")),
            ),
            count("Searches for help", sum(&|c| c.kind == "help-seeking")),
        ];
        let stopped = |c: &EventCount| {
            matches!(
                c.kind.as_str(),
                "blocked" | "circumvention" | "search-alert"
            )
        };
        let areas = Area::ALL
            .iter()
            .map(|area| count(area.label(), sum(&|c| stopped(c) && area_of(c) == *area)))
            .collect();
        let mut by_category: std::collections::BTreeMap<String, i64> = Default::default();
        for c in counts.iter().filter(|c| c.kind == "blocked") {
            let name = c.category.clone().unwrap_or_else(|| "(none)".into());
            *by_category.entry(name).or_default() += c.count;
        }
        let mut categories: Vec<Count> = by_category
            .into_iter()
            .map(|(id, n)| count(&category_label(&id), n))
            .collect();
        categories.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
        let mut by_group: std::collections::BTreeMap<String, [i64; 3]> = Default::default();
        for g in groups {
            let slot = match g.kind.as_str() {
                "blocked" => 0,
                "circumvention" => 1,
                "search-alert" => 2,
                _ => continue,
            };
            by_group.entry(g.group.clone()).or_default()[slot] += g.count;
        }
        Self {
            month,
            kinds,
            areas,
            categories,
            groups: by_group.into_iter().collect(),
            top_hosts: hosts.into_iter().map(|(host, n)| count(&host, n)).collect(),
            devices_seen,
            changes_made,
            policy_changes,
            filter_checks: (0, 0),
        }
    }

    /// The few lines the e-mail carries: counts only.
    pub fn headline(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .kinds
            .iter()
            .map(|c| format!("{}: {}", c.label, c.count))
            .collect();
        lines.push(format!("Devices heard from: {}", self.devices_seen));
        lines.push(format!(
            "Changes made to what the filter lets through: {}",
            self.changes_made
        ));
        lines.push(format!("{POLICY_CHANGES_LABEL}: {}", self.policy_changes));
        lines
    }
}

fn count(label: &str, count: i64) -> Count {
    Count {
        label: label.to_owned(),
        count,
    }
}

/// A category's name as people read it ("Gambling (UKSIC)"), or its id for the school's own.
pub fn category_label(id: &str) -> String {
    use schoolgate_core::category::{CategoryKind, KNOWN};
    match KNOWN.iter().find(|k| k.id == id) {
        Some(info) if info.kind == CategoryKind::Uksic => format!("{} (UKSIC)", info.label),
        Some(info) => info.label.to_owned(),
        None => id.to_owned(),
    }
}

/// The line the governors' summary and the monthly report give the approved policy changes.
pub const POLICY_CHANGES_LABEL: &str = "Policy changes approved";

/// Changes made to what the filter lets through in `[from, to)`: the decisions recorded in
/// cases (`CHANGE_KINDS`). Approved policy changes are counted apart (`policy_changes_in`).
pub async fn changes_made_between<S: DigestStore>(
    store: &S,
    from: &str,
    to: &str,
) -> Result<i64, StoreError> {
    let kinds = CHANGE_KINDS.map(CaseKind::name);
    store.case_entry_count(&kinds, from, to).await
}

/// The policy versions published in `[from, to)` (the governors' summary's "Policy changes
/// approved" line, for a term from the school's calendar or the fixed months): each is a change
/// to what is blocked or allowed.
pub async fn policy_changes_between<S: PolicyStore>(
    store: &S,
    from: &str,
    to: &str,
) -> Result<i64, StoreError> {
    store.policy_versions_published(from, to).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_know_their_first_school_day() {
        let november = Month::parse("2026-11").unwrap();
        assert_eq!(november.bounds().0, "2026-11-01T00:00:00.000Z");
        assert_eq!(november.bounds().1, "2026-12-01T00:00:00.000Z");
        // In British Summer Time the school's month begins at 23:00 UTC the day before.
        let june = Month::parse("2026-06").unwrap();
        assert_eq!(
            june.bounds(),
            (
                "2026-05-31T23:00:00.000Z".to_owned(),
                "2026-06-30T23:00:00.000Z".to_owned()
            )
        );
        assert_eq!(november.label(), "November 2026");
        assert_eq!(Month::parse("2026-12").unwrap().next().id(), "2027-01");
        assert_eq!(Month::parse("2027-01").unwrap().previous().id(), "2026-12");
        for bad in ["2026-13", "2026", "26-11", "2026-1x", "1999-01"] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        // 1 November 2026 is a Sunday; 1 December a Tuesday.
        assert_eq!(
            november.first_school_day(),
            NaiveDate::from_ymd_opt(2026, 11, 2).unwrap()
        );
        assert_eq!(
            november.next().first_school_day(),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
    }

    #[test]
    fn counts_go_to_kind_area_category_and_group() {
        let c = |kind: &str, category: Option<&str>, alert: Option<&str>, n| EventCount {
            kind: kind.into(),
            category: category.map(Into::into),
            alert: alert.map(Into::into),
            count: n,
        };
        let g = |group: &str, kind: &str, count| GroupCount {
            group: group.into(),
            kind: kind.into(),
            count,
        };
        let usage = MonthlyUsage::from_counts(
            Month::parse("2026-11").unwrap(),
            &[
                c("blocked", Some("gambling"), None, 12),
                c("blocked", Some("chat"), None, 3),
                c("circumvention", Some("proxy-vpn"), None, 2),
                c("search-alert", None, Some("prevent"), 1),
                c("heartbeat", None, None, 500),
            ],
            &[
                g("ks1", "blocked", 4),
                g("ks2", "blocked", 11),
                g("ks2", "search-alert", 1),
                g("ks2", "heartbeat", 500),
            ],
            vec![("casino.example".into(), 12)],
            7,
            [2, 1],
        );
        assert_eq!(usage.kinds[0].count, 15);
        assert_eq!(usage.kinds[2].count, 1);
        let area = |name: &str| usage.areas.iter().find(|a| a.label == name).unwrap().count;
        assert_eq!(
            (
                area("Commerce"),
                area("Contact"),
                area("Conduct"),
                area("Content")
            ),
            (12, 3, 2, 1)
        );
        assert_eq!(usage.categories[0].count, 12);
        assert!(usage.categories[0].label.starts_with("Gambling"));
        assert_eq!(
            usage.groups,
            vec![("ks1".into(), [4, 0, 0]), ("ks2".into(), [11, 0, 1])]
        );
        assert!(usage
            .headline()
            .contains(&"Prevent (radicalisation) search alerts: 1".to_owned()));
        assert!(usage
            .headline()
            .contains(&"Policy changes approved: 1".to_owned()));
    }
}
