//! `schoolgate`: classify URLs, canonicalise them, compile lists and check policies, on the same
//! core the browser extension and the demo page use.
//!
//! Every URL argument is one input, taken exactly as given: any bytes, tabs and newlines
//! included. Output is one line per input, in input order.

mod load;
mod override_code;
mod staff_code;
mod table;

use std::ffi::OsString;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use schoolgate_core::canon::{self, ParsedUrl};
use schoolgate_core::engine::{Engine, Request};
use schoolgate_core::lists::ListFormat;
use table::Output;

/// Schoolgate: online-safety filtering for UK primary schools.
#[derive(Parser)]
#[command(name = "schoolgate", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Judge URLs for an age group: a table on a terminal; one JSON object per input, one per
    /// line, when piped or with --json.
    Classify {
        /// The school's policy (TOML). Default: the built-in policy.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Age group: eyfs, ks1, ks2, staff, or a custom group in the policy.
        #[arg(long, default_value = "ks2")]
        group: String,
        /// The moment to judge at, RFC 3339 (e.g. 2026-11-25T12:30:00Z). Default: now.
        #[arg(long)]
        at: Option<String>,
        #[command(flatten)]
        output: OutputFlags,
        /// URLs, each taken exactly as given.
        #[arg(required = true, allow_hyphen_values = true)]
        urls: Vec<OsString>,
    },
    /// Print each URL's canonical form, or `invalid: <why>`.
    Canon {
        /// URLs, each taken exactly as given.
        #[arg(required = true, allow_hyphen_values = true)]
        urls: Vec<OsString>,
    },
    /// Compile list files or squidGuard/UT1 folders into one ruleset file.
    Compile {
        /// Where to write the compiled ruleset.
        #[arg(short, long)]
        output: PathBuf,
        /// List format: auto, domains, hosts, adblock, urls or expressions. Default: detected.
        #[arg(long, default_value = "auto")]
        format: String,
        /// Category for every input. Default: each input's name (`gambling.txt`, `ut1/gambling`).
        #[arg(long)]
        category: Option<String>,
        /// List files and folders.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
    /// Judge search terms as a group's searches are judged: a table on a terminal; one JSON
    /// object per input when piped or with --json.
    Search {
        /// The school's policy (TOML). Default: the built-in policy.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Age group: eyfs, ks1, ks2, staff, or a custom group in the policy.
        #[arg(long, default_value = "ks2")]
        group: String,
        #[command(flatten)]
        output: OutputFlags,
        /// Search terms, each argument one search.
        #[arg(required = true, allow_hyphen_values = true)]
        terms: Vec<OsString>,
    },
    /// Validate a policy file and the lists it names: errors with line and column, or a summary of
    /// what it does.
    CheckPolicy {
        /// The policy file (TOML).
        file: PathBuf,
        /// Print the result as one JSON object: `valid`, and the `issues` or each group's
        /// `blocked`, `allowed` and `timed` categories. Without it a terminal gets a table and
        /// anything else the text summary.
        #[arg(long, conflicts_with = "table")]
        json: bool,
        /// Print each group as a table row even when the output is not a terminal.
        #[arg(long)]
        table: bool,
    },
    /// Print the Admin console's `staffUnlockCodeHash` for the staff code read from standard
    /// input: pbkdf2-sha256$<iterations>$<salt>$<hash> (salted, slow to guess).
    StaffCode {
        /// PBKDF2 iterations (100000 to 10000000).
        #[arg(long, default_value_t = staff_code::DEFAULT_ITERATIONS)]
        iterations: u32,
    },
    /// Print a new school override secret for the Admin console's `overrideSecret`
    /// (sgo1- and 64 hexadecimal digits, from the system's random source).
    OverrideSecret,
    /// Print the teacher's override code for a site and group now (or at --at), until when it
    /// is accepted, and an otpauth:// URI for an authenticator app.
    OverrideCode {
        /// A file whose first line is the school's override secret (never pass it as an argument:
        /// process lists and shell history would show it).
        #[arg(long)]
        secret_file: PathBuf,
        /// The blocked page's address, or the site's host name.
        #[arg(long)]
        site: String,
        /// Age group: eyfs, ks1, ks2, staff, or a custom group in the policy.
        #[arg(long)]
        group: String,
        /// The moment, RFC 3339 (e.g. 2026-11-25T12:30:00Z). Default: now.
        #[arg(long)]
        at: Option<String>,
        /// Print the code as JSON (code, site, group, step, step_starts, accepted_until).
        #[arg(long)]
        json: bool,
        /// The school's policy (TOML): if given, say when no code can open the page under it
        /// (a locked list, never_override, a deny entry, a search…) or it is not blocked.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
}

/// `--json` / `--table`: which form, whatever the output is.
#[derive(clap::Args, Clone, Copy)]
struct OutputFlags {
    /// One JSON object per line (the default when the output is not a terminal).
    #[arg(long, conflicts_with = "table")]
    json: bool,
    /// A table for people (the default on a terminal).
    #[arg(long)]
    table: bool,
}

impl OutputFlags {
    fn output(self) -> Output {
        Output::for_stdout(self.json, self.table)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Classify {
            policy,
            group,
            at,
            output,
            urls,
        } => classify(policy, &group, at.as_deref(), output.output(), &urls),
        Command::Canon { urls } => canon_command(&urls),
        Command::Compile {
            output,
            format,
            category,
            inputs,
        } => compile(&output, &format, category.as_deref(), &inputs),
        Command::Search {
            policy,
            group,
            output,
            terms,
        } => search(policy, &group, output.output(), &terms),
        Command::CheckPolicy { file, json, table } => {
            let terminal = std::io::IsTerminal::is_terminal(&io::stdout());
            check_policy(&file, json, table || (terminal && !json))
        }
        Command::StaffCode { iterations } => staff_code::run(iterations),
        Command::OverrideSecret => override_code::new_secret(),
        Command::OverrideCode {
            secret_file,
            site,
            group,
            at,
            json,
            policy,
        } => parse_at(at.as_deref()).and_then(|at| {
            if let Some(path) = policy {
                let engine = engine_for(Some(path), &group)?;
                override_code::warn_if_refused(&engine, &site, &group, at);
            }
            override_code::print_code(&override_code::CodeRequest {
                secret_file: &secret_file,
                site: &site,
                group: &group,
                at,
                json,
            })
        }),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("schoolgate: {message}");
            ExitCode::from(2)
        }
    }
}

/// `--at`: an RFC 3339 moment as Unix seconds, or now.
fn parse_at(at: Option<&str>) -> Result<i64, String> {
    Ok(match at {
        Some(text) => chrono::DateTime::parse_from_rfc3339(text)
            .map_err(|e| {
                format!("--at {text:?}: expected RFC 3339 time like 2026-11-25T12:30:00Z ({e})")
            })?
            .timestamp(),
        None => chrono::Utc::now().timestamp(),
    })
}

fn classify(
    policy: Option<PathBuf>,
    group: &str,
    at: Option<&str>,
    output: Output,
    urls: &[OsString],
) -> Result<ExitCode, String> {
    let at = parse_at(at)?;
    let engine = engine_for(policy, group)?;
    let mut out = io::stdout().lock();
    let mut verdicts = Vec::new();
    for url in urls {
        let verdict = engine.classify(&Request::new(url.as_bytes(), group, at));
        if output == Output::Json {
            let line = serde_json::to_string(&verdict).map_err(|e| e.to_string())?;
            writeln!(out, "{line}").map_err(|e| e.to_string())?;
        } else {
            verdicts.push(verdict);
        }
    }
    if output == Output::Table {
        let rows = table::verdict_rows(&verdicts);
        write!(out, "{}", table::render(&table::VERDICT_HEADER, &rows))
            .map_err(|e| e.to_string())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The engine for a policy file (or the built-in one), checking the group exists in it.
fn engine_for(policy: Option<PathBuf>, group: &str) -> Result<Engine, String> {
    let engine = match policy {
        Some(path) => load::engine_from_policy_file(&path)?,
        None => Engine::builtin(),
    };
    if engine.policy().group(group).is_none() {
        let known: Vec<&str> = engine.policy().group_names().collect();
        return Err(format!(
            "unknown group `{group}`; this policy has: {}",
            known.join(", ")
        ));
    }
    Ok(engine)
}

fn search(
    policy: Option<PathBuf>,
    group_name: &str,
    output: Output,
    terms: &[OsString],
) -> Result<ExitCode, String> {
    let engine = engine_for(policy, group_name)?;
    let group = engine.policy().group(group_name).ok_or("unknown group")?;
    let mut out = io::stdout().lock();
    if output == Output::Table {
        let judged: Vec<_> = terms
            .iter()
            .map(|t| String::from_utf8_lossy(t.as_bytes()).into_owned())
            .map(|t| {
                let verdict = engine.judge_search(&t, group);
                (t, verdict)
            })
            .collect();
        let rows = table::search_rows(group_name, &judged);
        write!(out, "{}", table::render(&table::SEARCH_HEADER, &rows))
            .map_err(|e| e.to_string())?;
        return Ok(ExitCode::SUCCESS);
    }
    for text in terms {
        let text = String::from_utf8_lossy(text.as_bytes());
        let verdict = engine.judge_search(&text, group);
        let mut json = serde_json::to_value(&verdict).map_err(|e| e.to_string())?;
        if let Some(object) = json.as_object_mut() {
            object.insert("terms".into(), text.as_ref().into());
            object.insert("group".into(), group_name.into());
            object.insert(
                "action".into(),
                if verdict.blocked { "block" } else { "allow" }.into(),
            );
        }
        writeln!(out, "{json}").map_err(|e| e.to_string())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn canon_command(urls: &[OsString]) -> Result<ExitCode, String> {
    let mut out = io::stdout().lock();
    for url in urls {
        let line = match canon::parse(url.as_bytes()) {
            Ok(ParsedUrl::Web(u)) => u.to_string(),
            Ok(ParsedUrl::Other(o)) => o.to_string(),
            Err(e) => format!("invalid: {e}"),
        };
        // One line per input, whatever the input held.
        writeln!(out, "{}", line.replace(['\n', '\r'], " ")).map_err(|e| e.to_string())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn compile(
    output: &PathBuf,
    format: &str,
    category: Option<&str>,
    inputs: &[PathBuf],
) -> Result<ExitCode, String> {
    let format: ListFormat = format.parse().map_err(|e| format!("--format: {e}"))?;
    let started = std::time::Instant::now();
    let mut builder = schoolgate_core::ruleset::RulesetBuilder::new();
    let mut report = load::ImportReport::default();
    for input in inputs {
        let category = match category {
            Some(c) => c.to_string(),
            None => load::category_from_path(input)?,
        };
        load::import_path(input, &category, format, &mut builder, &mut report)?;
    }
    let (bytes, stats) = builder.build().map_err(|e| e.to_string())?;
    std::fs::write(output, &bytes).map_err(|e| format!("{}: {e}", output.display()))?;
    report.print(&mut io::stderr());
    let per_entry = bytes.len() as f64 / stats.entries.max(1) as f64;
    println!(
        "compiled {} entries ({} tags) into {} bytes ({per_entry:.2} bytes/entry) in {:.2?}: {}",
        stats.entries,
        stats.tags,
        bytes.len(),
        started.elapsed(),
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn check_policy(file: &PathBuf, json: bool, as_table: bool) -> Result<ExitCode, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    if json {
        return check_policy_json(file, &text);
    }
    match schoolgate_core::policy::Policy::from_toml(&text) {
        Ok(policy) => {
            // The lists it names must load too: a policy whose compiled ruleset is damaged, or
            // whose list is missing, would not filter as written.
            if let Err(message) = load::engine_from_policy_file(file) {
                eprintln!("{message}");
                eprintln!(
                    "{}: invalid: a list it names cannot be used; nothing was changed",
                    file.display()
                );
                return Ok(ExitCode::from(1));
            }
            println!("{}: valid", file.display());
            if as_table {
                let rows = table::policy_rows(&policy);
                print!("{}", table::render(&table::POLICY_HEADER, &rows));
            } else {
                println!("{}", policy.summary());
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            for issue in e.issues() {
                eprintln!(
                    "{}:{}:{}: {}: {}",
                    file.display(),
                    issue.line,
                    issue.column,
                    issue.path,
                    issue.message
                );
            }
            let problems = match e.issues().len() {
                1 => "1 problem".to_owned(),
                n => format!("{n} problems"),
            };
            eprintln!(
                "{}: invalid ({problems}); nothing was changed",
                file.display()
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// `check-policy --json`: one object, `{"file", "valid", "issues"}` or `{"file", "valid",
/// "groups": [{"group", "blocked", "allowed", "timed"}]}`.
fn check_policy_json(file: &std::path::Path, text: &str) -> Result<ExitCode, String> {
    let name = file.display().to_string();
    let (json, code) = match schoolgate_core::policy::Policy::from_toml(text) {
        Err(e) => (
            serde_json::json!({ "file": name, "valid": false, "issues": e.issues() }),
            ExitCode::from(1),
        ),
        Ok(_) if load::engine_from_policy_file(file).is_err() => {
            let message = load::engine_from_policy_file(file)
                .err()
                .unwrap_or_default();
            let issue =
                serde_json::json!({ "line": 0, "column": 0, "path": "lists", "message": message });
            (
                serde_json::json!({ "file": name, "valid": false, "issues": [issue] }),
                ExitCode::from(1),
            )
        }
        Ok(policy) => (
            serde_json::json!({ "file": name, "valid": true, "groups": table::policy_groups(&policy) }),
            ExitCode::SUCCESS,
        ),
    };
    println!("{json}");
    Ok(code)
}
