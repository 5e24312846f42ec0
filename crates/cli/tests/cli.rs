//! The `schoolgate` command as people and scripts use it: real process, real files.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

fn run<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_schoolgate"))
        .args(args)
        .output()
        .expect("run schoolgate")
}

fn stdout_lines(out: &Output) -> Vec<String> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    stdout_lines(out)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn classify_prints_one_json_object_per_input_in_order() {
    let inputs: Vec<&OsStr> = vec![
        OsStr::new("https://www.bet365.com/"),
        OsStr::new("https://www.bbc.co.uk/bitesize"),
        OsStr::new("http://www.bet365.com\t/\n"),
        OsStr::from_bytes(b"http://\xff\xfe/"),
        OsStr::new("-not-a-flag"),
        OsStr::new(""),
    ];
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("classify"),
        OsStr::new("--at"),
        OsStr::new("2026-11-25T10:00:00Z"),
    ];
    args.extend(&inputs);
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts = json_lines(&out);
    assert_eq!(verdicts.len(), inputs.len());
    for (v, input) in verdicts.iter().zip(&inputs) {
        assert_eq!(v["url"], String::from_utf8_lossy(input.as_bytes()).as_ref());
        for key in ["canonical", "action", "category", "locked", "reason"] {
            assert!(v.get(key).is_some(), "missing {key} in {v}");
        }
        assert!(v["action"] == "allow" || v["action"] == "block");
        assert!(v["locked"].is_boolean() && v["reason"].as_str().is_some_and(|r| !r.is_empty()));
    }
    assert_eq!(verdicts[0]["action"], "block");
    assert_eq!(verdicts[0]["category"], "gambling");
    assert_eq!(verdicts[1]["action"], "allow");
    assert_eq!(verdicts[1]["category"], serde_json::Value::Null);
    assert_eq!(verdicts[2]["canonical"], "http://www.bet365.com/");
    assert_eq!(verdicts[2]["action"], "block");
    assert_eq!(
        verdicts[3]["action"], "block",
        "unparseable input is blocked for pupils"
    );
    assert_eq!(verdicts[3]["canonical"], serde_json::Value::Null);
    assert_eq!(verdicts[5]["action"], "block");
}

#[test]
fn classify_groups_and_times() {
    let at_lunch = [
        "classify",
        "--at",
        "2026-11-25T12:30:00Z",
        "https://www.roblox.com/",
    ];
    assert_eq!(
        json_lines(&run(at_lunch))[0]["action"],
        "allow",
        "KS2 is the default group"
    );
    let v = &json_lines(&run([
        "classify",
        "--group",
        "ks1",
        "--at",
        "2026-11-25T12:30:00Z",
        "https://www.roblox.com/",
    ]))[0];
    assert_eq!(v["action"], "block");
    let v = &json_lines(&run([
        "classify",
        "--at",
        "2026-11-25T10:00:00+00:00",
        "https://www.roblox.com/",
    ]))[0];
    assert_eq!(v["action"], "block");
    assert_eq!(v["next_change_local"], "2026-11-25T12:15:00+00:00");
}

#[test]
fn classify_errors_are_clear() {
    let out = run(["classify", "--group", "year9", "https://x.com/"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown group `year9`") && err.contains("ks2"),
        "{err}"
    );
    let out = run(["classify", "--at", "lunchtime", "https://x.com/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("RFC 3339"));
    let out = run([
        "classify",
        "--policy",
        "/nonexistent/policy.toml",
        "https://x.com/",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/policy.toml"));
}

#[test]
fn classify_with_a_school_policy_and_its_lists() {
    let policy = fixture("policies/engine/school.toml");
    let out = run([
        OsStr::new("classify"),
        OsStr::new("--policy"),
        policy.as_os_str(),
        OsStr::new("--group"),
        OsStr::new("year6"),
        OsStr::new("https://www.roblox.com/"),
        OsStr::new("https://school-extra-game.example/"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_lines(&out);
    assert_eq!(v[0]["action"], "allow");
    assert_eq!(v[0]["rule"]["kind"], "group-allow");
    assert_eq!(v[1]["action"], "block");
    assert_eq!(v[1]["category"], "games");
}

#[test]
fn locked_lists_stay_blocked_through_the_cli() {
    let policy = fixture("policies/engine/permissive.toml");
    for group in ["staff", "ks2", "everything"] {
        let out = run([
            OsStr::new("classify"),
            OsStr::new("--policy"),
            policy.as_os_str(),
            OsStr::new("--group"),
            OsStr::new(group),
            OsStr::new("https://whole-site-standin.invalid/x"),
        ]);
        let v = &json_lines(&out)[0];
        assert_eq!(v["action"], "block");
        assert_eq!(v["locked"], true);
        assert_eq!(v["category"], "child-abuse");
    }
}

#[test]
fn canon_prints_one_line_per_input() {
    let out = run([
        OsStr::new("canon"),
        OsStr::new("HTTP://0x7f.1/a/./b/../c#frag"),
        OsStr::new("http://bad host/"),
        OsStr::new("www.google.com"),
        OsStr::from_bytes(b"http://x.com/a\nb\tc"),
        OsStr::new("data:text/plain,hi"),
    ]);
    assert!(out.status.success());
    let lines = stdout_lines(&out);
    assert_eq!(lines[0], "http://127.0.0.1/a/c");
    assert!(lines[1].starts_with("invalid: "), "{}", lines[1]);
    assert_eq!(lines[2], "http://www.google.com/");
    assert_eq!(lines[3], "http://x.com/abc");
    assert_eq!(lines[4], "data:text/plain,hi");
    assert_eq!(lines.len(), 5);
}

#[test]
fn compile_reports_counts_and_rejected_lines_and_writes_a_loadable_ruleset() {
    let dir = std::env::temp_dir().join(format!("schoolgate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let list = dir.join("gambling.txt");
    std::fs::write(
        &list,
        "# test list\nbet-a.example\n\nbad host.example\nbet-b.example/promo/\n",
    )
    .unwrap();
    let hosts = dir.join("social-hosts");
    std::fs::write(
        &hosts,
        "0.0.0.0 social-a.example\n0.0.0.0 social-b.example # comment\n0.0.0.0\n",
    )
    .unwrap();
    let out_file = dir.join("school.sgr");
    let out = run([
        OsStr::new("compile"),
        OsStr::new("-o"),
        out_file.as_os_str(),
        list.as_os_str(),
        hosts.as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("gambling.txt:4:"),
        "rejected line with file and line: {stderr}"
    );
    assert!(stderr.contains("social-hosts:3:"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("compiled 4 entries"));
    let bytes = std::fs::read(&out_file).unwrap();
    let ruleset = schoolgate_core::ruleset::Ruleset::from_bytes(bytes).unwrap();
    assert_eq!(ruleset.len(), 4);

    // A policy can load the compiled file directly.
    let policy = dir.join("policy.toml");
    std::fs::write(
        &policy,
        "[school]\nname = \"T\"\n\n[[lists]]\npath = \"school.sgr\"\ncategory = \"gambling\"\n",
    )
    .unwrap();
    let out = run([
        OsStr::new("classify"),
        OsStr::new("--policy"),
        policy.as_os_str(),
        OsStr::new("https://m.social-b.example/"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json_lines(&out)[0]["category"], "social");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_policy_reports_line_and_column() {
    let good = run([
        OsStr::new("check-policy"),
        fixture("policies/engine/school.toml").as_os_str(),
    ]);
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    let dir = std::env::temp_dir().join(format!("schoolgate-cli-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[school]\nname = \"T\"\n\n[groups.ks2.categories]\ngames = \"alow\"\n",
    )
    .unwrap();
    let out = run([OsStr::new("check-policy"), bad.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:5:9:"), "{err}");
    assert!(err.contains("did you mean \"allow\""), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn search_judges_terms_and_classify_reports_the_search() {
    let out = run([
        "search",
        "--group",
        "ks1",
        "scunthorpe united",
        "p 0 r n",
        "childline phone number",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_lines(&out);
    assert_eq!(v.len(), 3);
    assert_eq!(v[0]["action"], "allow");
    assert_eq!(v[1]["action"], "block");
    assert_eq!(v[1]["category"], "pornography");
    assert!(v[1]["score"].as_i64().unwrap() >= 50);
    assert_eq!(v[2]["action"], "allow");

    let out = run([
        "classify",
        "https://www.google.com/search?q=c%2B%2B+tutorial",
    ]);
    let v = &json_lines(&out)[0];
    assert_eq!(v["search"]["engine"], "google");
    assert_eq!(v["search"]["terms"], "c++ tutorial");
    assert!(v["search"]["normalized"].is_object());
    assert!(v["search"]["matches"].is_array() && v["search"]["score"].is_i64());
    assert_eq!(
        v["safe_search"]["rewrite"],
        "/search?q=c%2B%2B+tutorial&safe=active"
    );
    let out = run(["classify", "https://www.bing.com/search?q=i+want+to+die"]);
    let v = &json_lines(&out)[0];
    assert_eq!(v["action"], "block");
    // A pupil's own words of wanting to die are a call for help (issue 15).
    assert_eq!(v["flavour"], "help_seeking");
    assert_eq!(v["alerts"][0]["kind"], "safeguarding");
}

#[test]
fn a_policy_adds_search_phrases_and_sets_thresholds() {
    let policy = fixture("policies/engine/search.toml");
    let out = run([
        OsStr::new("search"),
        OsStr::new("--policy"),
        policy.as_os_str(),
        OsStr::new("skibidi toilet game"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = &json_lines(&out)[0];
    assert_eq!(v["action"], "block");
    assert_eq!(v["threshold"], 40);
    assert_eq!(v["category"], "games");
    // Without the school's list the same words are not a blocked search.
    let v = &json_lines(&run(["search", "skibidi toilet game"]))[0];
    assert_eq!(v["action"], "allow");
}

/// `staff-code` reads the code from standard input and prints a salted PBKDF2 value that
/// verifies (the same derivation as the extension's WebCrypto check), salted afresh each time.
#[test]
fn staff_code_prints_a_salted_pbkdf2_value() {
    use std::io::Write;
    use std::process::Stdio;
    let make = |input: &str, args: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_schoolgate"))
            .arg("staff-code")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let first = make("482917\n", &["--iterations", "100000"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let value = String::from_utf8(first.stdout).unwrap().trim().to_string();
    let parts: Vec<&str> = value.split('$').collect();
    assert_eq!(parts.len(), 4, "{value}");
    assert_eq!(parts[0], "pbkdf2-sha256");
    assert_eq!(parts[1], "100000");
    assert_eq!(parts[2].len(), 24, "16 bytes of salt in base64");
    assert_eq!(parts[3].len(), 44, "32 bytes of hash in base64");
    let second = make("482917\n", &["--iterations", "100000"]);
    assert_ne!(
        String::from_utf8(second.stdout).unwrap().trim(),
        value,
        "a fresh salt each time"
    );
    let default = make("482917\n", &[]);
    assert!(String::from_utf8(default.stdout)
        .unwrap()
        .starts_with("pbkdf2-sha256$600000$"));
    assert_eq!(make("\n", &[]).status.code(), Some(2), "no code");
    assert_eq!(
        make("1234\n", &["--iterations", "1000"]).status.code(),
        Some(2),
        "too few iterations"
    );
}

/// A compiled ruleset that was cut short or changed, under a `.sgr` name or not, is refused by
/// every command that meets it, with a non-zero exit and the file named; never read as a list.
#[test]
fn damaged_or_truncated_rulesets_are_refused_never_read_as_lists() {
    let dir = std::env::temp_dir().join(format!("schoolgate-cli-sgr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let list = dir.join("gambling.txt");
    std::fs::write(&list, "bet-a.example\nbet-b.example\n").unwrap();
    let whole = dir.join("whole.sgr");
    let out = run([
        OsStr::new("compile"),
        OsStr::new("-o"),
        whole.as_os_str(),
        list.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&whole).unwrap();
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x40;
    let mut bad_magic = bytes.clone();
    bad_magic[0] = b'X';
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("cut-in-the-magic.sgr", bytes[..5].to_vec()),
        ("cut-in-the-magic", bytes[..5].to_vec()),
        ("cut-in-the-header.sgr", bytes[..40].to_vec()),
        ("cut-in-the-body", bytes[..bytes.len() - 3].to_vec()),
        ("one-byte-changed.sgr", flipped),
        ("magic-changed.sgr", bad_magic.clone()),
        ("magic-changed", bad_magic),
        ("empty.sgr", Vec::new()),
    ];
    for (name, content) in cases {
        let damaged = dir.join(name);
        std::fs::write(&damaged, &content).unwrap();
        let policy = dir.join("policy.toml");
        std::fs::write(
            &policy,
            format!(
                "[school]\nname = \"T\"\n\n[[lists]]\npath = \"{name}\"\ncategory = \"gambling\"\n"
            ),
        )
        .unwrap();
        let classify = run([
            OsStr::new("classify"),
            OsStr::new("--policy"),
            policy.as_os_str(),
            OsStr::new("https://bet-a.example/"),
        ]);
        let check = run([OsStr::new("check-policy"), policy.as_os_str()]);
        let compile = run([
            OsStr::new("compile"),
            OsStr::new("-o"),
            dir.join("out.sgr").as_os_str(),
            OsStr::new("--category"),
            OsStr::new("gambling"),
            damaged.as_os_str(),
        ]);
        for (command, out, code) in [
            ("classify", &classify, 2),
            ("check-policy", &check, 1),
            ("compile", &compile, 2),
        ] {
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(code), "{command} {name}: {err}");
            assert!(out.stdout.is_empty(), "{command} {name} printed a result");
            assert!(err.contains(name), "{command} {name} names the file: {err}");
            assert!(
                err.contains("damaged")
                    || err.contains("compiled ruleset")
                    || err.contains("binary"),
                "{command} {name} says why: {err}"
            );
        }
    }
    // The whole ruleset still loads, and compile says what it is rather than reading it.
    let compile = run([
        OsStr::new("compile"),
        OsStr::new("-o"),
        dir.join("out.sgr").as_os_str(),
        OsStr::new("--category"),
        OsStr::new("gambling"),
        whole.as_os_str(),
    ]);
    assert_eq!(compile.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&compile.stderr).contains("name it in a policy's [[lists]]"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A squidGuard folder holds its compiled `domains.db` beside `domains`: the walk reads the list
/// and leaves the database alone.
#[test]
fn squidguard_databases_in_a_folder_are_skipped() {
    let dir = std::env::temp_dir().join(format!("schoolgate-cli-db-{}", std::process::id()));
    let folder = dir.join("gambling");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("domains"), "bet-a.example\n").unwrap();
    std::fs::write(
        folder.join("domains.db"),
        b"\0\x06\x15\nbet-b.example\n\0\0",
    )
    .unwrap();
    let out = run([
        OsStr::new("compile"),
        OsStr::new("-o"),
        dir.join("out.sgr").as_os_str(),
        folder.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("compiled 1 entries"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `override-secret` prints a new secret the core reads, different each time; `override-code`
/// prints the code for a site and group at a moment (the shared fixture's value, which the JS
/// test recomputes with WebCrypto), until when it is accepted, and an authenticator app's URI.
#[test]
fn override_secret_and_code() {
    let first = run(["override-secret"]);
    assert!(first.status.success());
    let secret = String::from_utf8(first.stdout).unwrap().trim().to_string();
    assert!(
        schoolgate_core::override_code::OverrideSecret::parse(&secret).is_ok(),
        "{secret}"
    );
    let again = String::from_utf8(run(["override-secret"]).stdout).unwrap();
    assert_ne!(again.trim(), secret, "a new secret each time");

    let cases: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("override-code/cases.json")).unwrap(),
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("sg-override-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("secret.txt");
    std::fs::write(&file, format!("{}\n", cases["secret"].as_str().unwrap())).unwrap();
    let expected = &cases["codes"][0];
    assert_eq!(expected["at"], 1_767_607_200);
    let out = run([
        "override-code".as_ref(),
        "--secret-file".as_ref(),
        file.as_os_str(),
        "--site".as_ref(),
        "https://www.games-standin.example/play?x=1".as_ref(),
        "--group".as_ref(),
        "ks2".as_ref(),
        "--at".as_ref(),
        "2026-01-05T10:00:00Z".as_ref(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = stdout_lines(&out);
    assert_eq!(lines[0], expected["code"].as_str().unwrap());
    assert!(
        lines[1].contains("games-standin.example for group ks2"),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains("2026-01-05T10:10:00"),
        "accepted until the end of the next step: {}",
        lines[1]
    );
    assert!(
        lines[2].contains("otpauth://totp/Schoolgate:ks2%20games-standin.example?secret="),
        "{}",
        lines[2]
    );
    assert!(lines[2].contains("algorithm=SHA256&digits=6&period=300"));
    assert!(
        !lines[2].contains(&cases["secret"].as_str().unwrap()[5..]),
        "never the school's secret"
    );
    let json = run([
        "override-code".as_ref(),
        "--secret-file".as_ref(),
        file.as_os_str(),
        "--site".as_ref(),
        "games-standin.example".as_ref(),
        "--group".as_ref(),
        "ks2".as_ref(),
        "--at".as_ref(),
        "2026-01-05T10:04:59Z".as_ref(),
        "--json".as_ref(),
    ]);
    let v = &json_lines(&json)[0];
    assert_eq!(v["code"], expected["code"]);
    assert_eq!(v["accepted_until"], expected["accepted_until"]);
    // With the school's policy, a page no code can open is named (the code is still printed:
    // the device refuses it, whatever the code).
    let locked = run([
        "override-code".as_ref(),
        "--secret-file".as_ref(),
        file.as_os_str(),
        "--site".as_ref(),
        "https://abuse-standin.example/".as_ref(),
        "--group".as_ref(),
        "ks2".as_ref(),
        "--policy".as_ref(),
        fixture("override-code/policy.toml").as_os_str(),
    ]);
    assert!(locked.status.success());
    let stderr = String::from_utf8_lossy(&locked.stderr);
    assert!(
        stderr.contains("no code opens https://abuse-standin.example/ for group ks2"),
        "{stderr}"
    );
    assert!(stderr.contains("locked illegal-content list"), "{stderr}");
    // A bad secret file is refused without quoting it.
    std::fs::write(&file, "sgo1-not-a-secret-at-all\n").unwrap();
    let bad = run([
        "override-code".as_ref(),
        "--secret-file".as_ref(),
        file.as_os_str(),
        "--site".as_ref(),
        "example.org".as_ref(),
        "--group".as_ref(),
        "ks2".as_ref(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("64 hexadecimal digits"), "{stderr}");
    assert!(!stderr.contains("not-a-secret"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 19: people at a terminal get a table; scripts (a pipe, as here) keep the JSON lines, and
/// `--json` / `--table` say which whatever the output is.
#[test]
fn piped_output_keeps_json_lines_and_table_or_json_flags_decide() {
    let urls = ["https://www.bet365.com/", "https://www.bbc.co.uk/bitesize"];
    // Piped (this test reads stdout through a pipe): today's JSON lines, one per input.
    let piped = run(["classify", "--group", "ks2"].iter().chain(urls.iter()));
    assert!(piped.status.success());
    let lines = json_lines(&piped);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["action"], "block");
    // --json: the same bytes.
    let json = run(["classify", "--json", "--group", "ks2"]
        .iter()
        .chain(urls.iter()));
    assert_eq!(json.stdout, piped.stdout);
    // --table: the readable form, even through a pipe.
    let table = run(["classify", "--table", "--group", "ks2"]
        .iter()
        .chain(urls.iter()));
    assert!(table.status.success());
    let text = stdout_lines(&table);
    assert_eq!(text.len(), 4, "header, rule, one row per input: {text:?}");
    assert!(
        text[0].starts_with("Address")
            && text[0].contains("Allowed or blocked")
            && text[0].ends_with("Why")
    );
    assert!(
        text[2].starts_with("https://www.bet365.com/")
            && text[2].contains("  ks2  ")
            && text[2].contains("  blocked  ")
    );
    assert!(text[2].contains("Gambling"), "why: {}", text[2]);
    assert!(text[3].contains("  allowed  "));
    assert!(serde_json::from_str::<serde_json::Value>(&text[2]).is_err());
    // Both: refused with a clear error.
    let both = run(["classify", "--json", "--table", "https://a.example/"]);
    assert!(!both.status.success());
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be used with"));
}

#[test]
fn search_and_check_policy_tables_and_json() {
    let piped = run(["search", "--group", "ks2", "online casino"]);
    assert_eq!(json_lines(&piped)[0]["action"], "block");
    let table = run([
        "search",
        "--table",
        "--group",
        "ks2",
        "online casino",
        "volcanoes",
    ]);
    let text = stdout_lines(&table);
    assert!(text[0].starts_with("Search"));
    assert!(
        text[2].starts_with("online casino")
            && text[2].contains("blocked")
            && text[2].contains("gambling")
    );
    assert!(text[3].starts_with("volcanoes") && text[3].contains("allowed"));

    let policy = fixture("policies/good/term-dates.toml");
    // Piped without a flag: today's text summary.
    let piped = run([OsStr::new("check-policy"), policy.as_os_str()]);
    assert!(piped.status.success());
    assert!(String::from_utf8_lossy(&piped.stdout).contains("[ks2] Key Stage 2"));
    let table = run([
        OsStr::new("check-policy"),
        OsStr::new("--table"),
        policy.as_os_str(),
    ]);
    let text = stdout_lines(&table);
    assert!(text[1].starts_with("Group") && text[1].contains("Allowed at set times"));
    assert!(text
        .iter()
        .any(|l| l.starts_with("ks2 ") && l.contains("games (allowed")));
    let json = run([
        OsStr::new("check-policy"),
        OsStr::new("--json"),
        policy.as_os_str(),
    ]);
    let value = &json_lines(&json)[0];
    assert_eq!(value["valid"], true);
    let ks2 = value["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "ks2")
        .unwrap();
    assert!(ks2["blocked"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "gambling"));
    assert!(ks2["timed"][0].as_str().unwrap().contains("in term time"));
    let bad = fixture("policies/bad/calendar-overlap.toml");
    let json = run([
        OsStr::new("check-policy"),
        OsStr::new("--json"),
        bad.as_os_str(),
    ]);
    assert_eq!(json.status.code(), Some(1));
    let value = &json_lines(&json)[0];
    assert_eq!(value["valid"], false);
    assert_eq!(value["issues"][0]["line"], 7);
    assert_eq!(value["issues"][0]["path"], "calendar.terms[1]");
}
