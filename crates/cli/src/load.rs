//! Reading lists and policies from disk: files, squidGuard/UT1 folders, compiled rulesets.

use std::io::Write;
use std::path::{Path, PathBuf};

use schoolgate_core::engine::Engine;
use schoolgate_core::lists::{parse_list, ListFormat, Rejected};
use schoolgate_core::policy::Policy;
use schoolgate_core::ruleset::{Ruleset, RulesetBuilder};
use schoolgate_core::search::PhraseSet;

/// The files of a squidGuard/UT1 category folder that hold entries.
const SQUIDGUARD_FILES: &[&str] = &["domains", "urls", "expressions"];
/// Rejected lines printed in full; the rest are counted.
const SHOWN_REJECTIONS: usize = 20;

/// What an import accepted and rejected, per file.
#[derive(Default)]
pub struct ImportReport {
    files: Vec<(String, ListFormat, usize, u32, u32)>,
    rejected: Vec<Rejected>,
}

impl ImportReport {
    /// Prints one line per file and the first rejected lines, with file and line number.
    pub fn print(&self, out: &mut dyn Write) {
        for (file, format, entries, rejected, skipped) in &self.files {
            let _ = writeln!(
                out,
                "{file} ({}): {entries} entries, {rejected} rejected, {skipped} comments/blank",
                format.name()
            );
        }
        for r in self.rejected.iter().take(SHOWN_REJECTIONS) {
            let _ = writeln!(out, "  rejected {r}");
        }
        let total: u32 = self.files.iter().map(|f| f.3).sum();
        if total as usize > SHOWN_REJECTIONS {
            let _ = writeln!(
                out,
                "  … {} more rejected lines",
                total as usize - SHOWN_REJECTIONS
            );
        }
    }
}

/// `gambling.txt` → `gambling`; `ut1/gambling/` → `gambling`; `ut1/gambling/domains` → `gambling`.
pub fn category_from_path(path: &Path) -> Result<String, String> {
    let name = |p: &Path| p.file_stem().map(|s| s.to_string_lossy().into_owned());
    let file = name(path).unwrap_or_default();
    let stem = if SQUIDGUARD_FILES
        .iter()
        .any(|f| file == *f || file.starts_with(&format!("{f}.")))
    {
        path.parent().and_then(name).unwrap_or_default()
    } else {
        file
    };
    let category = stem
        .trim_end_matches("-hosts")
        .to_ascii_lowercase()
        .replace('_', "-");
    schoolgate_core::category::validate_id(&category)
        .map(|()| category)
        .map_err(|e| format!("{}: {e}; name the category with --category", path.display()))
}

/// Adds a list file or squidGuard folder to `builder` under `category`.
pub fn import_path(
    path: &Path,
    category: &str,
    format: ListFormat,
    builder: &mut RulesetBuilder,
    report: &mut ImportReport,
) -> Result<(), String> {
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut found: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                // `domains.db` beside `domains` is squidGuard's own compiled database, not a list.
                SQUIDGUARD_FILES
                    .iter()
                    .any(|f| name == *f || name.starts_with(&format!("{f}.")))
                    && ListFormat::from_file_name(&name).is_some()
            })
            .collect();
        found.sort();
        if found.is_empty() {
            return Err(format!(
                "{}: no `domains`, `urls` or `expressions` file in this folder",
                path.display()
            ));
        }
        found
    } else {
        vec![path.to_path_buf()]
    };
    for file in files {
        let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let source = file.display().to_string();
        match FileKind::of(&file, &bytes) {
            FileKind::Text => {}
            FileKind::Ruleset => {
                let why = match Ruleset::from_bytes(&bytes[..]) {
                    Ok(_) => "name it in a policy's [[lists]] instead".to_string(),
                    Err(e) => format!("and it is damaged: {e}"),
                };
                return Err(format!(
                    "{source}: a compiled ruleset (.sgr), not a list file: {why}"
                ));
            }
            FileKind::Binary => return Err(binary_error(&source)),
        }
        let file_format = match format {
            ListFormat::Auto => file
                .file_name()
                .and_then(|n| ListFormat::from_file_name(&n.to_string_lossy()))
                .unwrap_or(ListFormat::Auto),
            f => f,
        };
        let parsed = parse_list(&source, &bytes, file_format);
        for entry in &parsed.entries {
            builder
                .add(entry, category, &source)
                .map_err(|e| format!("{source}: {e}"))?;
        }
        report.files.push((
            source,
            parsed.format,
            parsed.entries.len(),
            parsed.rejected_count,
            parsed.skipped,
        ));
        report.rejected.extend(parsed.rejected);
    }
    Ok(())
}

/// Reads a policy file and every list it names (relative to the policy file), and builds an
/// engine. Any error leaves nothing half-loaded: the caller keeps whatever it had.
pub fn engine_from_policy_file(path: &Path) -> Result<Engine, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let policy = Policy::from_toml(&text).map_err(|e| {
        let issues: Vec<String> = e
            .issues()
            .iter()
            .map(|i| {
                format!(
                    "{}:{}:{}: {}: {}",
                    path.display(),
                    i.line,
                    i.column,
                    i.path,
                    i.message
                )
            })
            .collect();
        format!("invalid policy\n{}", issues.join("\n"))
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut rulesets = Vec::new();
    let mut builder = RulesetBuilder::new();
    let mut report = ImportReport::default();
    let mut any_lists = false;
    for list in policy.lists() {
        let list_path = base.join(&list.path);
        if is_compiled_ruleset(&list_path)? {
            let bytes =
                std::fs::read(&list_path).map_err(|e| format!("{}: {e}", list_path.display()))?;
            rulesets.push(Ruleset::from_bytes(bytes).map_err(|e| {
                format!(
                    "{}: damaged compiled ruleset, not loaded: {e}; compile the lists again",
                    list_path.display()
                )
            })?);
        } else {
            import_path(
                &list_path,
                &list.category,
                list.format,
                &mut builder,
                &mut report,
            )?;
            any_lists = true;
        }
    }
    if any_lists {
        let (bytes, _) = builder.build().map_err(|e| e.to_string())?;
        rulesets.push(Ruleset::from_bytes(bytes).map_err(|e| e.to_string())?);
        if report.rejected.iter().len() > 0 {
            report.print(&mut std::io::stderr());
        }
    }
    let mut phrase_lists = Vec::new();
    for file in policy.search_phrases() {
        let phrase_path = base.join(file);
        let text = std::fs::read_to_string(&phrase_path)
            .map_err(|e| format!("{}: {e}", phrase_path.display()))?;
        phrase_lists.push((phrase_path.display().to_string(), text));
    }
    let extra: Vec<(&str, &str)> = phrase_lists
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let phrases = PhraseSet::builtin_with(&extra).map_err(|e| e.to_string())?;
    Engine::with_phrases(policy, rulesets, phrases).map_err(|e| e.to_string())
}

/// Whether a policy's list path is a compiled ruleset, judged by its first bytes and its name
/// (see [`FileKind::of`]): a damaged or truncated one is still one, and must fail to load rather
/// than be read as a text list.
fn is_compiled_ruleset(path: &Path) -> Result<bool, String> {
    use std::io::Read;
    if !path.is_file() {
        return Ok(false);
    }
    let mut head = Vec::with_capacity(MAGIC.len());
    std::fs::File::open(path)
        .and_then(|f| f.take(MAGIC.len() as u64).read_to_end(&mut head))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(FileKind::of(path, &head) == FileKind::Ruleset)
}

/// The first bytes of every compiled ruleset.
const MAGIC: &[u8; 8] = b"SGRULES\0";

/// What a file named as a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    /// A compiled ruleset, whole or damaged.
    Ruleset,
    /// Not text: holds NUL bytes, which no list format has.
    Binary,
    /// A list to parse.
    Text,
}

impl FileKind {
    /// Judges `bytes` (all of the file, or at least its first eight bytes) and the file's name.
    /// A `.sgr` name, the ruleset magic, or a file shorter than the magic that is the start of
    /// it is a ruleset; any NUL byte makes it binary.
    fn of(path: &Path, bytes: &[u8]) -> FileKind {
        let named = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("sgr"));
        let truncated_magic =
            !bytes.is_empty() && bytes.len() < MAGIC.len() && MAGIC.starts_with(bytes);
        if named || bytes.starts_with(MAGIC) || truncated_magic {
            FileKind::Ruleset
        } else if bytes.contains(&0) {
            FileKind::Binary
        } else {
            FileKind::Text
        }
    }
}

fn binary_error(source: &str) -> String {
    format!("{source}: a binary file, not a text list (NUL bytes); if it was a compiled ruleset (.sgr), it is damaged: compile the lists again")
}
