//! Redis glob matching (`stringmatchlen`): `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes.
//! Used by KEYS, SCAN MATCH, CONFIG GET and (later) PSUBSCRIBE.

/// True if `string` matches `pattern`; `nocase` folds ASCII case.
pub fn glob_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let _ = (pattern, string, nocase);
    todo!("keys helper")
}
