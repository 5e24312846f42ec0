//! The governors' summary per school term (`docs/hub.md`, "Monitoring events"): how many
//! blocked navigations, attempts to get round the filter and search alerts there were, by UKSIC
//! category and by KCSIE risk area (content, contact, conduct, commerce), against the term
//! before. Plain functions over counts; no pupil, group, device, page or time finer than the term.
//!
//! **Small numbers.** Any count under `SMALL` (0 included) is shown as "fewer than 5", and no
//! trend is shown beside it (an arrow would say how small). Every other count is rounded to the
//! nearest 5 (as the ONS does), and trends are read from the rounded counts: the tables overlap
//! (an area is the sum of its categories), so exact counts would let a hidden one be worked out
//! by subtracting the others from a total.

use schoolgate_core::category::{CategoryKind, KNOWN};

/// Counts under this are never shown.
pub const SMALL: i64 = 5;

/// How many events of one kind, category and alert a period held (`EventStore::event_counts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventCount {
    /// The event's kind.
    pub kind: String,
    /// Its category, if any.
    pub category: Option<String>,
    /// Its alert, if any.
    pub alert: Option<String>,
    /// How many.
    pub count: i64,
}

/// KCSIE's four areas of risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Illegal, inappropriate or harmful content.
    Content,
    /// Harmful interaction with other users.
    Contact,
    /// Behaviour that increases the likelihood of harm (here: getting round the filter).
    Conduct,
    /// Gambling, scams, advertising, shopping.
    Commerce,
}

impl Area {
    /// All four, in KCSIE's order.
    pub const ALL: [Self; 4] = [Self::Content, Self::Contact, Self::Conduct, Self::Commerce];

    /// Its name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Content => "Content",
            Self::Contact => "Contact",
            Self::Conduct => "Conduct",
            Self::Commerce => "Commerce",
        }
    }
}

/// The area a filter category belongs to (a school's own category: content).
pub fn area_of_category(category: &str) -> Area {
    match category {
        "social-media" | "chat" | "dating" => Area::Contact,
        "proxy-vpn" | "ip-address" | "piracy" | "malware-hacking" => Area::Conduct,
        "gambling" | "shopping" => Area::Commerce,
        _ => Area::Content,
    }
}

/// The area of one counted event: an attempt to get round the filter is conduct whatever it
/// reached; a grooming alert is contact; other alerts are content.
pub fn area_of(count: &EventCount) -> Area {
    match (count.kind.as_str(), count.alert.as_deref()) {
        ("circumvention", _) => Area::Conduct,
        ("search-alert", Some("grooming")) => Area::Contact,
        ("search-alert", _) => Area::Content,
        _ => area_of_category(count.category.as_deref().unwrap_or("")),
    }
}

/// A school term: autumn (September to December), spring (January to March), summer (April to
/// August, the holiday with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    /// The calendar year it starts in.
    pub year: i32,
    /// 0 spring, 1 summer, 2 autumn (calendar order).
    pub season: u8,
}

impl Term {
    /// The term `date` falls in.
    pub fn containing(date: chrono::NaiveDate) -> Self {
        use chrono::Datelike;
        let season = match date.month() {
            1..=3 => 0,
            4..=8 => 1,
            _ => 2,
        };
        Self {
            year: date.year(),
            season,
        }
    }

    /// `2026-autumn`, `2027-spring`, `2027-summer`.
    pub fn parse(text: &str) -> Option<Self> {
        let (year, season) = text.split_once('-')?;
        let season = ["spring", "summer", "autumn"]
            .iter()
            .position(|s| *s == season)?;
        Some(Self {
            year: year.parse().ok().filter(|y| (2000..=2999).contains(y))?,
            season: season as u8,
        })
    }

    /// Its id, as `parse` reads it.
    pub fn id(self) -> String {
        format!(
            "{}-{}",
            self.year,
            ["spring", "summer", "autumn"][self.season as usize]
        )
    }

    /// "Autumn term 2026".
    pub fn label(self) -> String {
        format!(
            "{} term {}",
            ["Spring", "Summer", "Autumn"][self.season as usize],
            self.year
        )
    }

    /// The term before.
    pub fn previous(self) -> Self {
        match self.season {
            0 => Self {
                year: self.year - 1,
                season: 2,
            },
            s => Self {
                year: self.year,
                season: s - 1,
            },
        }
    }

    /// The term after.
    pub fn next(self) -> Self {
        match self.season {
            2 => Self {
                year: self.year + 1,
                season: 0,
            },
            s => Self {
                year: self.year,
                season: s + 1,
            },
        }
    }

    /// Its first moment by the school's clock, RFC 3339 UTC.
    pub fn start(self) -> String {
        let month = [1, 4, 9][self.season as usize];
        let first = chrono::NaiveDate::from_ymd_opt(self.year, month, 1).unwrap_or_default();
        crate::digest_mail::school_midnight(first)
    }

    /// The first moment after it.
    pub fn end(self) -> String {
        self.next().start()
    }
}

/// A count of `SMALL` or more, rounded to the nearest 5.
fn rounded(count: i64) -> i64 {
    (count + 2) / 5 * 5
}

/// A count as a governor may see it.
pub fn shown(count: i64) -> String {
    if count < SMALL {
        "fewer than 5".into()
    } else {
        rounded(count).to_string()
    }
}

/// Up, down or the same (of the rounded counts), only when both counts may be shown.
pub fn trend(this: i64, last: i64) -> &'static str {
    if this < SMALL || last < SMALL {
        return "not shown (small numbers)";
    }
    let (this, last) = (rounded(this), rounded(last));
    if this > last {
        "up"
    } else if this < last {
        "down"
    } else {
        "the same"
    }
}

/// The change from last term to this (of the rounded counts: "+5", "-10", "no change"), only
/// when both counts may be shown; a change between hidden numbers would tell them.
pub fn change(this: i64, last: i64) -> String {
    if this < SMALL || last < SMALL {
        return "not shown (small numbers)".into();
    }
    match rounded(this) - rounded(last) {
        0 => "no change".into(),
        d if d > 0 => format!("+{d}"),
        d => d.to_string(),
    }
}

/// One line of the summary: a name and two terms' counts (not yet hidden).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// What is counted.
    pub label: String,
    /// This term.
    pub this: i64,
    /// The term before.
    pub last: i64,
}

/// The summary's three tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// By KCSIE area.
    pub areas: Vec<Line>,
    /// By category (every known one, UKSIC first, then the school's own together).
    pub categories: Vec<Line>,
    /// By what happened.
    pub kinds: Vec<Line>,
}

fn sum(counts: &[EventCount], keep: impl Fn(&EventCount) -> bool) -> i64 {
    counts.iter().filter(|c| keep(c)).map(|c| c.count).sum()
}

/// Events that count towards the summary: what the filter stopped and what raised an alert.
fn counted(count: &EventCount) -> bool {
    matches!(
        count.kind.as_str(),
        "blocked" | "circumvention" | "search-alert"
    )
}

/// The summary of `this` term's counts against `last` term's.
pub fn summarise(this: &[EventCount], last: &[EventCount]) -> Summary {
    let line = |label: &str, keep: &dyn Fn(&EventCount) -> bool| Line {
        label: label.to_owned(),
        this: sum(this, keep),
        last: sum(last, keep),
    };
    let areas = Area::ALL
        .iter()
        .map(|area| line(area.label(), &|c| counted(c) && area_of(c) == *area))
        .collect();
    let mut ordered: Vec<_> = KNOWN
        .iter()
        .filter(|c| c.kind != CategoryKind::School)
        .chain(KNOWN.iter().filter(|c| c.kind == CategoryKind::School))
        .collect();
    ordered.dedup_by_key(|c| c.id);
    let blocked = |c: &EventCount| c.kind == "blocked";
    let mut categories: Vec<Line> = ordered
        .iter()
        .map(|info| {
            let label = match info.kind {
                CategoryKind::Uksic => format!("{} (UKSIC)", info.label),
                _ => info.label.to_owned(),
            };
            line(&label, &|c| {
                blocked(c) && c.category.as_deref() == Some(info.id)
            })
        })
        .collect();
    categories.push(line("The school's own categories", &|c| {
        blocked(c) && !KNOWN.iter().any(|k| Some(k.id) == c.category.as_deref())
    }));
    let kinds = vec![
        line("Blocked pages", &|c| c.kind == "blocked"),
        line("Attempts to get round the filter", &|c| {
            c.kind == "circumvention"
        }),
        line("Prevent (radicalisation) search alerts", &|c| {
            c.alert.as_deref() == Some("prevent")
        }),
        line("Self-harm search alerts", &|c| {
            c.alert.as_deref() == Some("self-harm")
        }),
        line("Grooming search alerts", &|c| {
            c.alert.as_deref() == Some("grooming")
        }),
        line("Other safeguarding search alerts", &|c| {
            c.alert.as_deref() == Some("safeguarding")
        }),
        line("Searches for help", &|c| c.kind == "help-seeking"),
    ];
    Summary {
        areas,
        categories,
        kinds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(kind: &str, category: Option<&str>, alert: Option<&str>, n: i64) -> EventCount {
        EventCount {
            kind: kind.into(),
            category: category.map(Into::into),
            alert: alert.map(Into::into),
            count: n,
        }
    }

    #[test]
    fn terms_follow_the_school_year() {
        let autumn = Term::containing(chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
        assert_eq!(autumn.id(), "2026-autumn");
        assert_eq!(autumn.start(), "2026-08-31T23:00:00.000Z", "BST");
        assert_eq!(autumn.end(), "2027-01-01T00:00:00.000Z");
        assert_eq!(autumn.previous().id(), "2026-summer");
        assert_eq!(Term::parse("2027-spring").unwrap().previous(), autumn);
        assert_eq!(Term::parse("2027-winter"), None);
    }

    #[test]
    fn small_numbers_and_their_trends_are_hidden() {
        assert_eq!(shown(0), "fewer than 5");
        assert_eq!(shown(4), "fewer than 5");
        assert_eq!(shown(5), "5");
        assert_eq!(
            [7, 8, 12, 13].map(shown),
            ["5", "10", "10", "15"].map(String::from)
        );
        assert_eq!(trend(4, 40), "not shown (small numbers)");
        assert_eq!(trend(40, 4), "not shown (small numbers)");
        assert_eq!(
            (trend(9, 7), trend(7, 9), trend(11, 12)),
            ("up", "down", "the same")
        );
        assert_eq!(
            [change(23, 12), change(12, 23), change(11, 12)],
            ["+15", "-15", "no change"].map(String::from)
        );
        assert_eq!(change(3, 40), "not shown (small numbers)");
        assert_eq!(change(40, 0), "not shown (small numbers)");
    }

    #[test]
    fn counts_go_to_their_category_and_area() {
        let this = [
            count("blocked", Some("gambling"), None, 12),
            count("blocked", Some("chat"), None, 2),
            count("blocked", Some("school-own"), None, 6),
            count("circumvention", Some("proxy-vpn"), None, 7),
            count("search-alert", None, Some("grooming"), 1),
            count("heartbeat", None, None, 900),
        ];
        let summary = summarise(&this, &[]);
        let get = |lines: &[Line], label: &str| {
            lines
                .iter()
                .find(|l| l.label.starts_with(label))
                .map(|l| l.this)
        };
        assert_eq!(get(&summary.areas, "Commerce"), Some(12));
        assert_eq!(get(&summary.areas, "Contact"), Some(3));
        assert_eq!(get(&summary.areas, "Conduct"), Some(7));
        assert_eq!(
            get(&summary.areas, "Content"),
            Some(6),
            "the school's own: content"
        );
        assert_eq!(get(&summary.categories, "Gambling (UKSIC)"), Some(12));
        assert_eq!(get(&summary.categories, "The school's own"), Some(6));
        assert_eq!(get(&summary.kinds, "Attempts"), Some(7));
    }
}
