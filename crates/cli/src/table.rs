//! The readable form of `classify`, `search` and `check-policy` for people at a terminal: a short
//! table (group, allowed or blocked, why). Scripts get today's JSON lines: when the output is not
//! a terminal, or with `--json`; `--table` asks for the table anywhere.

use std::io::IsTerminal;

use schoolgate_core::policy::{CategoryRule, Policy};
use schoolgate_core::search::SearchVerdict;
use schoolgate_core::verdict::Verdict;

/// How to print results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// One JSON object per line (what scripts read).
    Json,
    /// A table for people.
    Table,
}

impl Output {
    /// `--json` and `--table` decide when given (clap refuses both); otherwise a terminal gets
    /// the table and anything else (a pipe, a file) the JSON lines.
    pub fn choose(json: bool, table: bool, terminal: bool) -> Output {
        if json {
            Output::Json
        } else if table || terminal {
            Output::Table
        } else {
            Output::Json
        }
    }

    /// [`Output::choose`] for this process's standard output.
    pub fn for_stdout(json: bool, table: bool) -> Output {
        Output::choose(json, table, std::io::stdout().is_terminal())
    }
}

/// The longest a cell is printed; longer text ends in `…` (the JSON has it whole).
pub const CELL_CHARS: usize = 72;

/// Lays out rows under a header, columns padded to their widest cell (counted in characters),
/// every cell on one line and at most [`CELL_CHARS`] long.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let clean = |cell: &str| {
        let one_line: String = cell
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if one_line.chars().count() > CELL_CHARS {
            let mut cut: String = one_line.chars().take(CELL_CHARS - 1).collect();
            cut.push('…');
            cut
        } else {
            one_line
        }
    };
    let head: Vec<String> = header.iter().map(|h| clean(h)).collect();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| clean(c)).collect())
        .collect();
    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for row in &body {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                let pad = widths[i].saturating_sub(cell.chars().count());
                out.push_str(cell);
                out.push_str(&" ".repeat(pad + 2));
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    let mut out = line(&head) + &line(&rule);
    for row in &body {
        out.push_str(&line(row));
    }
    out
}

fn outcome(blocked: bool) -> String {
    if blocked { "blocked" } else { "allowed" }.to_string()
}

/// `classify`'s rows: address, group, allowed or blocked, why.
pub fn verdict_rows(verdicts: &[Verdict]) -> Vec<Vec<String>> {
    verdicts
        .iter()
        .map(|v| {
            vec![
                v.url.clone(),
                v.group.clone(),
                outcome(v.is_blocked()),
                why(&v.reason),
            ]
        })
        .collect()
}

/// A verdict's reason without its opening "Blocked for Key Stage 2 (Years 3 to 6): ": the
/// group and the outcome have columns of their own.
fn why(reason: &str) -> String {
    let opening = reason.starts_with("Blocked for ") || reason.starts_with("Allowed for ");
    match reason.split_once(": ") {
        Some((_, rest)) if opening => rest.to_string(),
        _ => reason.to_string(),
    }
}

/// The header of [`verdict_rows`].
pub const VERDICT_HEADER: [&str; 4] = ["Address", "Group", "Allowed or blocked", "Why"];

/// Why a search was judged as it was, in a few words.
pub fn search_why(v: &SearchVerdict) -> String {
    let score = format!("score {} (blocked from {})", v.score, v.threshold);
    let mut why = if v.blocked && !v.blocking_categories.is_empty() {
        format!("{}: {score}", v.blocking_categories.join(", "))
    } else if v.matches.is_empty() {
        "no listed phrase".to_string()
    } else {
        score
    };
    if v.help_seeking {
        why.push_str("; asking for help");
    }
    if !v.alerts.is_empty() {
        why.push_str("; safeguarding alert");
    }
    why
}

/// `search`'s rows: the terms, group, allowed or blocked, why.
pub fn search_rows(group: &str, judged: &[(String, SearchVerdict)]) -> Vec<Vec<String>> {
    judged
        .iter()
        .map(|(terms, v)| {
            vec![
                terms.clone(),
                group.to_string(),
                outcome(v.blocked),
                search_why(v),
            ]
        })
        .collect()
}

/// The header of [`search_rows`].
pub const SEARCH_HEADER: [&str; 4] = ["Search", "Group", "Allowed or blocked", "Why"];

/// One group of a policy: the categories it blocks, allows, and allows at set times (with when).
#[derive(Debug, serde::Serialize)]
pub struct GroupCategories {
    /// The group's name.
    pub group: String,
    /// Blocked at every moment (locked ones included).
    pub blocked: Vec<String>,
    /// Allowed at every moment.
    pub allowed: Vec<String>,
    /// `id (allowed Mon–Fri 12:15–13:00)`.
    pub timed: Vec<String>,
}

/// Each group of a policy, sorted by name.
pub fn policy_groups(policy: &Policy) -> Vec<GroupCategories> {
    policy
        .groups()
        .map(|g| {
            let mut out = GroupCategories {
                group: g.name().to_string(),
                blocked: Vec::new(),
                allowed: Vec::new(),
                timed: Vec::new(),
            };
            for (id, setting) in g.categories() {
                match g.category_rule(id) {
                    CategoryRule::Allowed => out.allowed.push(id.clone()),
                    CategoryRule::ByTime => out.timed.push(format!(
                        "{id} ({})",
                        setting.action.describe(g.is_staff(), true)
                    )),
                    CategoryRule::Locked | CategoryRule::Blocked => out.blocked.push(id.clone()),
                }
            }
            out
        })
        .collect()
}

/// `check-policy`'s rows: each group, the categories it blocks, allows, and allows at set times.
pub fn policy_rows(policy: &Policy) -> Vec<Vec<String>> {
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".into()
        } else {
            v.join(", ")
        }
    };
    policy_groups(policy)
        .iter()
        .map(|g| {
            vec![
                g.group.clone(),
                list(&g.blocked),
                list(&g.allowed),
                list(&g.timed),
            ]
        })
        .collect()
}

/// The header of [`policy_rows`].
pub const POLICY_HEADER: [&str; 4] = ["Group", "Blocked", "Allowed", "Allowed at set times"];

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is how a test reports failure
mod tests {
    use super::*;
    use schoolgate_core::engine::{Engine, Request};

    #[test]
    fn a_terminal_gets_the_table_a_pipe_the_json_and_the_flags_decide() {
        assert_eq!(Output::choose(false, false, true), Output::Table);
        assert_eq!(Output::choose(false, false, false), Output::Json);
        assert_eq!(Output::choose(true, false, true), Output::Json);
        assert_eq!(Output::choose(false, true, false), Output::Table);
    }

    #[test]
    fn columns_line_up_and_long_or_odd_cells_stay_on_one_line() {
        let rows = vec![
            vec!["a".into(), "blocked".into()],
            vec!["ŵŵŵŵ\nx".into(), "x".repeat(100)],
        ];
        let out = render(&["Name", "Why"], &rows);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], "Name    Why");
        assert!(lines[1].starts_with("------  ---"));
        assert_eq!(lines[2], "a       blocked");
        assert!(lines[3].starts_with("ŵŵŵŵ x  xxx"));
        assert!(lines[3].ends_with('…'));
        assert_eq!(lines[3].chars().count(), 8 + CELL_CHARS);
    }

    #[test]
    fn verdicts_say_group_outcome_and_why() {
        let engine = Engine::builtin();
        let at = 1_796_637_600; // 2026-12-07T10:00:00Z, a school morning
        let verdicts: Vec<Verdict> = ["https://www.bet365.com/", "https://www.bbc.co.uk/bitesize"]
            .iter()
            .map(|u| engine.classify(&Request::new(u.as_bytes(), "ks2", at)))
            .collect();
        let out = render(&VERDICT_HEADER, &verdict_rows(&verdicts));
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("Address"));
        assert!(lines[2].starts_with("https://www.bet365.com/"));
        assert!(lines[2].contains("  ks2  ") && lines[2].contains("blocked"));
        assert!(
            lines[2].contains("bet365.com is listed as Gambling"),
            "{}",
            lines[2]
        );
        assert!(
            !lines[2].contains("Blocked for"),
            "the group has a column of its own"
        );
        assert!(lines[3].contains("allowed"));
    }

    #[test]
    fn policies_list_each_group() {
        let policy = Policy::builtin();
        let rows = policy_rows(&policy);
        let ks2 = rows.iter().find(|r| r[0] == "ks2").unwrap();
        assert!(ks2[1].contains("child-abuse") && ks2[1].contains("gambling"));
        assert!(ks2[3].contains("games (allowed"), "{}", ks2[3]);
        let staff = rows.iter().find(|r| r[0] == "staff").unwrap();
        assert!(!staff[2].is_empty());
    }
}
