//! Redis glob matching (`stringmatchlen` in Redis's `util.c`): `*`, `?`, `[abc]`, `[^a-z]`,
//! `\x` escapes, optional ASCII case folding. Used by KEYS, SCAN MATCH, CONFIG GET and
//! (later) PSUBSCRIBE.
//!
//! This is a faithful port, quirks included, because clients see the difference: an
//! unterminated class (`[abc`) is accepted, a range may be reversed (`[z-a]`), bytes above
//! 0x7f compare as C's signed `char` in ranges, and the escape inside a class ignores case
//! folding. Where the C code reads the string's NUL terminator past the end of the pattern,
//! [`at`] returns 0.
//!
//! Two bounds keep hostile patterns cheap, as in Redis 7: recursion on `*` stops at
//! [`MAX_NESTING`] (deeper means "no match"), and once the rest of a pattern after some `*`
//! fails at every position of the remaining string, no earlier `*` retries a longer match
//! (`skip_longer`), which turns the exponential backtracking of `a*a*a*...b` linear.

/// How deep `*` may recurse before the match is declared failed (Redis: 1000).
pub const MAX_NESTING: usize = 1000;

/// True if `string` matches `pattern`; `nocase` folds ASCII case.
pub fn glob_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    match_from(pattern, string, nocase, &mut skip_longer, 0)
}

/// The pattern byte at `i`, or 0 past the end (C's NUL terminator).
fn at(pattern: &[u8], i: usize) -> u8 {
    pattern.get(i).copied().unwrap_or(0)
}

/// C's `tolower` in the C locale, on a (possibly negative) `char` value.
fn lower(c: i32) -> i32 {
    if (b'A' as i32..=b'Z' as i32).contains(&c) {
        c + 32
    } else {
        c
    }
}

/// A byte as C's signed `char`, widened to `int` (what the range comparison sees).
fn signed(b: u8) -> i32 {
    b as i8 as i32
}

fn same(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

fn match_from(pat: &[u8], s: &[u8], nocase: bool, skip_longer: &mut bool, nesting: usize) -> bool {
    if nesting > MAX_NESTING {
        return false;
    }
    // `p` and `i` are the positions in pattern and string; `p` never passes `pat.len()`.
    let (mut p, mut i) = (0, 0);
    while p < pat.len() && i < s.len() {
        match pat[p] {
            b'*' => {
                while at(pat, p + 1) == b'*' {
                    p += 1;
                }
                if p + 1 == pat.len() {
                    return true;
                }
                while i < s.len() {
                    if match_from(&pat[p + 1..], &s[i..], nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    i += 1;
                }
                // The rest of the pattern matches nowhere in the rest of the string, so an
                // earlier `*` taking more of the string cannot help either.
                *skip_longer = true;
                return false;
            }
            b'?' => i += 1,
            b'[' => {
                p += 1;
                let negate = at(pat, p) == b'^';
                if negate {
                    p += 1;
                }
                let mut matched = false;
                loop {
                    let rem = pat.len() - p;
                    if at(pat, p) == b'\\' && rem >= 2 {
                        p += 1;
                        if pat[p] == s[i] {
                            matched = true;
                        }
                    } else if at(pat, p) == b']' {
                        break;
                    } else if rem == 0 {
                        // Unterminated class: step back so the `p += 1` below ends the pattern.
                        p -= 1;
                        break;
                    } else if rem >= 3 && pat[p + 1] == b'-' {
                        let (mut start, mut end) = (signed(pat[p]), signed(pat[p + 2]));
                        let mut c = signed(s[i]);
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        if nocase {
                            (start, end, c) = (lower(start), lower(end), lower(c));
                        }
                        p += 2;
                        if c >= start && c <= end {
                            matched = true;
                        }
                    } else if same(pat[p], s[i], nocase) {
                        matched = true;
                    }
                    p += 1;
                }
                if matched == negate {
                    return false;
                }
                i += 1;
            }
            c => {
                let lit = if c == b'\\' && pat.len() - p >= 2 {
                    p += 1;
                    pat[p]
                } else {
                    c
                };
                if !same(lit, s[i], nocase) {
                    return false;
                }
                i += 1;
            }
        }
        p += 1;
        if i == s.len() {
            while at(pat, p) == b'*' {
                p += 1;
            }
            break;
        }
    }
    p == pat.len() && i == s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, string: &str) -> bool {
        glob_match(pattern.as_bytes(), string.as_bytes(), false)
    }

    #[test]
    fn literal_matches_only_itself() {
        assert!(m("foo", "foo"));
        assert!(!m("foo", "fo"));
        assert!(!m("foo", "fooo"));
        assert!(!m("foo", "Foo"));
        assert!(m("", ""));
        assert!(!m("", "a"));
    }

    #[test]
    fn star_matches_any_run_of_bytes() {
        assert!(m("*", "anything"));
        assert!(m("f*", "foo"));
        assert!(m("*o", "foo"));
        assert!(m("f*o", "fo"));
        assert!(m("f*o", "fxxxo"));
        assert!(m("*a*b*", "xaxbx"));
        assert!(!m("*a*b*", "xbxax"));
        assert!(m("f**o", "foo"));
        assert!(m("foo*", "foo"));
        assert!(m("foo**", "foo"));
    }

    #[test]
    fn star_does_not_match_the_empty_string() {
        // Redis's loop needs a byte of string to look at: KEYS and SCAN special-case "*".
        assert!(!m("*", ""));
        assert!(!m("**", ""));
        assert!(!m("?", ""));
    }

    #[test]
    fn question_mark_matches_one_byte() {
        assert!(m("h?llo", "hello"));
        assert!(m("h?llo", "hallo"));
        assert!(!m("h?llo", "hllo"));
        assert!(!m("h?llo", "heello"));
    }

    #[test]
    fn class_matches_listed_bytes_and_ranges() {
        assert!(m("h[ae]llo", "hello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(!m("h[a-b]llo", "hcllo"));
        assert!(m("[z-a]", "m"), "reversed ranges are swapped");
        // `]` right after `-` is the range's end: [a-] is the range `]`..`a`.
        assert!(m("[a-]", "a"));
        assert!(m("[a-]", "]"));
        assert!(!m("[a-]", "-"));
        // `]` right after `[` closes an empty class, which matches nothing.
        assert!(!m("[]]", "]"));
    }

    #[test]
    fn caret_negates_a_class() {
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[^a-c]llo", "hdllo"));
        assert!(!m("h[^a-c]llo", "hbllo"));
    }

    #[test]
    fn backslash_escapes_special_characters() {
        assert!(m("a\\*b", "a*b"));
        assert!(!m("a\\*b", "axb"));
        assert!(m("\\?", "?"));
        assert!(!m("\\?", "x"));
        assert!(m("[\\]]", "]"));
        assert!(m("[\\-]", "-"));
        assert!(m("a\\", "a\\"), "a trailing backslash is literal");
    }

    #[test]
    fn unterminated_class_is_accepted() {
        assert!(m("[abc", "a"));
        assert!(!m("[abc", "d"));
        assert!(m("[^", "x"));
        assert!(!m("[", "x"));
        assert!(!m("a[", "a"));
    }

    #[test]
    fn nocase_folds_ascii_letters() {
        assert!(glob_match(b"FOO*", b"foobar", true));
        assert!(glob_match(b"[A-C]x", b"bX", true));
        assert!(glob_match(b"[a-c]x", b"BX", true));
        assert!(!glob_match(b"FOO*", b"foobar", false));
        // The escape inside a class compares exactly, as in Redis.
        assert!(!glob_match(b"[\\A]", b"a", true));
    }

    #[test]
    fn high_bytes_compare_as_signed_chars_in_ranges() {
        // 0xff is -1 as a C char, so [a-\xff] is the range [-1, 'a'].
        assert!(glob_match(b"[a-\xff]", b"0", false));
        assert!(glob_match(b"[a-\xff]", b"\xff", false));
        assert!(!glob_match(b"[a-\xff]", b"b", false));
        assert!(!glob_match(b"[a-\xff]", b"\x80", false));
        assert!(glob_match(b"\xe4*", b"\xe4\xb8\xad", false));
    }

    /// Redis's `keyspace.tcl`: "Regression for pattern matching long nested loops".
    #[test]
    fn many_stars_without_a_match_finish_fast() {
        let key = "a".repeat(61);
        let pattern = format!("{}b", "a*".repeat(33));
        let start = std::time::Instant::now();
        assert!(!m(&pattern, &key));
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
    }

    /// Redis's `keyspace.tcl`: "Regression for pattern matching very long nested loops".
    #[test]
    fn nesting_past_the_limit_is_no_match() {
        let key = "a".repeat(50_000);
        let pattern = "*?".repeat(50_000);
        let start = std::time::Instant::now();
        assert!(!m(&pattern, &key));
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        // Within the limit the same shape matches.
        assert!(m(&"*?".repeat(500), &"a".repeat(600)));
    }

    /// Checked against Redis 7.0.15: 1000 nested stars still match, 1001 never do.
    #[test]
    fn nesting_limit_is_one_thousand_stars() {
        let key = "a".repeat(1001);
        assert!(m(&"*a".repeat(MAX_NESTING), &key));
        assert!(!m(&"*a".repeat(MAX_NESTING + 1), &key));
    }

    /// Redis's `keyspace.tcl` KEYS tests, run through the matcher.
    #[test]
    fn redis_keys_test_patterns() {
        let keys = ["key_x", "key_y", "key_z", "foo_a", "foo_b", "foo_c"];
        let hits: Vec<&str> = keys.iter().copied().filter(|k| m("foo*", k)).collect();
        assert_eq!(hits, ["foo_a", "foo_b", "foo_c"]);
        let keys = ["{a}x", "{a}y", "{a}z", "{b}a", "{b}b", "{b}c"];
        let hits: Vec<&str> = keys.iter().copied().filter(|k| m("{a}*", k)).collect();
        assert_eq!(hits, ["{a}x", "{a}y", "{a}z"]);
        let hits: Vec<&str> = keys.iter().copied().filter(|k| m("*{b}*", k)).collect();
        assert_eq!(hits, ["{b}a", "{b}b", "{b}c"]);
    }

    /// Pattern/string pairs sampled from a differential run against Redis 7.0.15's KEYS
    /// (3.5 million random cases over `ab-^][\\*?` and high bytes, all agreeing).
    #[test]
    fn agrees_with_redis_on_sampled_cases() {
        let cases: &[(&[u8], &[u8], bool)] = &[
            (&b"*[\xffA\x00a?*"[..], &b"ABa"[..], true),
            (&b"][\xffz\x80A"[..], &b"]\x80"[..], true),
            (&b"*[\x00c-"[..], &b"]-*\x80\x00"[..], true),
            (&b"*[\x80cz"[..], &b"c"[..], true),
            (&b"b[^"[..], &b"b["[..], true),
            (&b"[ac\\"[..], &b"c"[..], true),
            (&b"*[\xff?\x00"[..], &b"z[b?"[..], true),
            (&b"*[\x80z-\\AA"[..], &b"AA^\\]"[..], true),
            (&b"*[^Az"[..], &b"^\x80\xff^m["[..], true),
            (&b"*[\x80c\x00"[..], &b"\x00-aB\x00\x80"[..], true),
            (&b"*[*a-\\"[..], &b"\x80]"[..], true),
            (&b"*[^[\x80]"[..], &b"[\x00A^"[..], true),
            (&b"[-[czzA\x00"[..], &b"A"[..], true),
            (&b"*[a\x00?bc"[..], &b"a-\x00"[..], true),
            (&b"*[\x80-\x00^bb"[..], &b"\xffaa*\x00"[..], true),
            (&b"*[-[b"[..], &b"b[^b"[..], true),
            (&b"?*[\\b*?A"[..], &b"]m*"[..], true),
            (&b"[-\xffaa\\-^"[..], &b"a"[..], true),
            (&b"[\x80\xffz^"[..], &b"\xff"[..], true),
            (&b"A[b\x00\x80c-"[..], &b"Ac"[..], true),
            (&b"[\x80]\x00b-c"[..], &b"*\x00a-["[..], false),
            (&b"^[\x00z"[..], &b"?Bz\x80^"[..], false),
            (&b"zc^]["[..], &b"?mb\x00cz"[..], false),
            (&b"zab?[\x80"[..], &b"*B-\x80^b"[..], false),
            (&b"\\A-["[..], &b"?mAA^"[..], false),
            (&b"^ab[c]"[..], &b"?c"[..], false),
            (&b"]\x80\x00[\\"[..], &b"]^ma"[..], false),
            (&b"\x00[?"[..], &b"\x00m]*"[..], false),
            (&b"\xff-^^\xff[-"[..], &b"\xff?-b"[..], false),
            (&b"aaz[c\\\xff"[..], &b"aB\\\x00m"[..], false),
            (&b"z[["[..], &b"*a[^\xff["[..], false),
            (&b"ba-\\]\xff["[..], &b"b"[..], false),
            (&b"[ac\\"[..], &b"*\x80\xff^"[..], false),
            (&b"[-\x00]\xff\\?"[..], &b"[-]\\\\"[..], false),
            (&b"z\xff^[\x80\x80"[..], &b"?\xffz]"[..], false),
            (&b"\\\x00\x00a\\["[..], &b"?"[..], false),
            (&b"c\\-\\\xff["[..], &b"?^"[..], false),
            (&b"\xff[?"[..], &b"?c\\*[A"[..], false),
            (&b"aAb[\x00[A\\"[..], &b"a]"[..], false),
            (&b"*A]^?\xff["[..], &b"*a\\]c["[..], false),
        ];
        for (pattern, string, want) in cases {
            assert_eq!(glob_match(pattern, string, false), *want, "{:?} ~ {:?}", pattern, string);
        }
    }
}
