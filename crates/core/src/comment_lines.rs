//! Blanking the comment lines of the built-in texts (`crates/core/data/`), for builds without the
//! `annotated-builtins` feature. Shared, by `#[path]`, between build.rs, which writes the blanked
//! copies that the crate then compiles in, and the crate's tests, which check that the copies
//! mean exactly what the annotated files do.

/// `text` with every comment line emptied: a line whose first character other than a space or a
/// tab is `#`, unless it lies inside a TOML multi-line string. Line ends are kept, so every line
/// keeps its number: verdicts cite built-in lists by line, and the Rust and wasm verdicts must
/// agree.
///
/// Trailing comments are left alone: the built-in texts have none, and where a `#` starts one
/// differs from format to format (`c#` is a search phrase). Multi-line strings are found by
/// counting `"""` and `'''`, which a delimiter inside a one-line string or a comment can mislead,
/// so the crate's tests parse every built-in text both ways and compare the results.
pub fn blank_comment_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open = None;
    for line in text.split_inclusive('\n') {
        if open.is_none() && line.trim_start_matches([' ', '\t']).starts_with('#') {
            let content = line.trim_end_matches(['\r', '\n']);
            out.push_str(line.get(content.len()..).unwrap_or_default());
        } else {
            out.push_str(line);
            open = string_open_after(line, open);
        }
    }
    out
}

/// The multi-line string delimiter still open at the end of `line`, given the one open before it.
fn string_open_after(line: &str, mut open: Option<&'static str>) -> Option<&'static str> {
    const BASIC: &str = "\"\"\"";
    const LITERAL: &str = "'''";
    let mut rest = line;
    loop {
        let found = match open {
            // `\"""` inside a basic string is an escaped quote, not the end.
            Some(BASIC) => rest
                .match_indices(BASIC)
                .find(|&(i, _)| !rest[..i].ends_with('\\'))
                .map(|(i, _)| (i, None)),
            Some(delimiter) => rest.find(delimiter).map(|i| (i, None)),
            None => [BASIC, LITERAL]
                .into_iter()
                .filter_map(|d| rest.find(d).map(|i| (i, Some(d))))
                .min(),
        };
        let Some((at, now_open)) = found else {
            return open;
        };
        rest = rest.get(at + 3..).unwrap_or_default();
        open = now_open;
    }
}

#[cfg(test)]
mod tests {
    use super::blank_comment_lines as blank;

    #[test]
    fn comment_lines_become_empty_and_every_line_keeps_its_number() {
        let text = "# heading\nexample.com\n  \t# indented\nc# is a phrase\n\n#last";
        assert_eq!(blank(text), "\nexample.com\n\nc# is a phrase\n\n");
        assert_eq!(
            blank(text).matches('\n').count(),
            text.matches('\n').count()
        );
        assert_eq!(blank("a\r\n# b\r\nc\r\n"), "a\r\n\r\nc\r\n");
        assert_eq!(blank("a = 1 # trailing\n"), "a = 1 # trailing\n");
    }

    /// That these lines really are inside strings is checked with the TOML parser in
    /// `builtin::tests`.
    #[test]
    fn hash_lines_inside_toml_multi_line_strings_are_kept() {
        let text = r#"a = """
# in a
b \""" still in
"""
# out
b = '''
# in b
'''
c = """one line"""
# out
d = ['''x''', """
# in d
"""]
"#;
        assert_eq!(blank(text), text.replace("# out", ""));
    }
}
