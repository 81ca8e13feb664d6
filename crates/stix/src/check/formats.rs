//! String formats the specification borrows from other standards: language
//! tags (RFC 5646), CPE 2.3 names (NISTIR 7695) and media types (RFC 6838).
//!
//! Each is a syntax check with no registry behind it. stix2-validator
//! 3.2.0 instead looks language tags up in a list of 232 (so `en-GB-oxendict`
//! or `sr-Latn-RS` fail there) and software languages in ISO 639-2 (so the
//! RFC 5646 `en` the spec asks for fails there); the departures are listed
//! in `tests/stix/validator_diff.rs`.

/// Whether `tag` is a well-formed language tag (RFC 5646 §2.1 ABNF) that
/// repeats no variant and no extension singleton (§2.2.5, §2.2.6), as the
/// STIX `lang` properties, language-content `contents` keys and software
/// `languages` require. Case-insensitive, as the RFC says tags are.
pub(crate) fn is_language_tag(tag: &str) -> bool {
    if GRANDFATHERED.iter().any(|g| g.eq_ignore_ascii_case(tag)) {
        return true;
    }
    let subtags: Vec<&str> = tag.split('-').collect();
    if subtags
        .iter()
        .any(|s| s.is_empty() || s.len() > 8 || !s.bytes().all(|c| c.is_ascii_alphanumeric()))
    {
        return false;
    }
    let mut rest = subtags.as_slice();
    if is_x(rest[0]) {
        return private_use(&rest[1..]);
    }
    // language = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA
    let language = rest[0];
    if language.len() < 2 || !is_alpha(language) {
        return false;
    }
    rest = &rest[1..];
    if language.len() <= 3 {
        // extlang = 3ALPHA *2("-" 3ALPHA)
        let mut extlangs = 0;
        while extlangs < 3 && rest.first().is_some_and(|s| s.len() == 3 && is_alpha(s)) {
            rest = &rest[1..];
            extlangs += 1;
        }
    }
    if rest.first().is_some_and(|s| s.len() == 4 && is_alpha(s)) {
        rest = &rest[1..]; // script
    }
    if rest.first().is_some_and(|s| is_region(s)) {
        rest = &rest[1..];
    }
    let mut variants: Vec<String> = Vec::new();
    while let Some(s) = rest.first().filter(|s| is_variant(s)) {
        let s = s.to_ascii_lowercase();
        if variants.contains(&s) {
            return false;
        }
        variants.push(s);
        rest = &rest[1..];
    }
    let mut singletons: Vec<u8> = Vec::new();
    while let Some(s) = rest.first().filter(|s| s.len() == 1 && !is_x(s)) {
        let singleton = s.as_bytes()[0].to_ascii_lowercase();
        if singletons.contains(&singleton) {
            return false;
        }
        singletons.push(singleton);
        rest = &rest[1..];
        // extension = singleton 1*("-" (2*8alphanum))
        let len = rest.iter().take_while(|s| s.len() >= 2).count();
        if len == 0 {
            return false;
        }
        rest = &rest[len..];
    }
    match rest.split_first() {
        None => true,
        Some((x, more)) if is_x(x) => private_use(more),
        Some(_) => false,
    }
}

/// `privateuse = "x" 1*("-" (1*8alphanum))`, after the `x`.
fn private_use(after_x: &[&str]) -> bool {
    // Every subtag is already 1-8 alphanumerics.
    !after_x.is_empty()
}

fn is_x(s: &str) -> bool {
    s.eq_ignore_ascii_case("x")
}

fn is_alpha(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_alphabetic())
}

fn is_digit(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_digit())
}

/// `region = 2ALPHA / 3DIGIT` (RFC 5646; CPE 2.3 languages use it too).
fn is_region(s: &str) -> bool {
    (s.len() == 2 && is_alpha(s)) || (s.len() == 3 && is_digit(s))
}

/// `variant = 5*8alphanum / (DIGIT 3alphanum)`.
fn is_variant(s: &str) -> bool {
    s.len() >= 5 || (s.len() == 4 && s.as_bytes()[0].is_ascii_digit())
}

/// RFC 5646 §2.1 `grandfathered`: the irregular and regular tags kept
/// whole from RFC 3066.
const GRANDFATHERED: &[&str] = &[
    "en-GB-oed",
    "i-ami",
    "i-bnn",
    "i-default",
    "i-enochian",
    "i-hak",
    "i-klingon",
    "i-lux",
    "i-mingo",
    "i-navajo",
    "i-pwn",
    "i-tao",
    "i-tay",
    "i-tsu",
    "sgn-BE-FR",
    "sgn-BE-NL",
    "sgn-CH-DE",
    "art-lojban",
    "cel-gaulish",
    "no-bok",
    "no-nyn",
    "zh-guoyu",
    "zh-hakka",
    "zh-min",
    "zh-min-nan",
    "zh-xiang",
];

/// Whether `name` is a CPE 2.3 formatted string binding (NISTIR 7695 §6.2;
/// the pattern of the OASIS `software` schema): `cpe:2.3:` and eleven
/// components separated by unescaped colons, the part one of `a`, `o`,
/// `h`, `*`, `-`, the language a language code or `*` / `-`, the others
/// an attribute value string.
pub(crate) fn is_cpe23(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("cpe:2.3:") else {
        return false;
    };
    let components = split_unescaped(rest);
    let [
        part,
        vendor,
        product,
        version,
        update,
        edition,
        language,
        sw_edition,
        target_sw,
        target_hw,
        other,
    ] = components.as_slice()
    else {
        return false;
    };
    matches!(*part, "a" | "o" | "h" | "*" | "-")
        && [vendor, product, version, update, edition]
            .iter()
            .all(|c| is_cpe_value(c))
        && (matches!(*language, "*" | "-") || is_cpe_language(language))
        && [sw_edition, target_sw, target_hw, other]
            .iter()
            .all(|c| is_cpe_value(c))
}

/// Splits at colons not escaped by a backslash (`\:` stays in a component).
fn split_unescaped(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut escaped) = (0, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ':' => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// An attribute value: `*` or `-` alone, or `avstring`: optional leading
/// `?`s or one `*`, then one or more of `A-Z a-z 0-9 - . _` or a
/// backslash-escaped printable punctuation character, then optional
/// trailing `?`s or one `*`. Read as tokens first, so that an escaped `?`
/// or `*` counts as a character, not a wildcard.
fn is_cpe_value(c: &str) -> bool {
    #[derive(PartialEq)]
    enum Token {
        Char,
        Question,
        Star,
    }
    if c == "*" || c == "-" {
        return true;
    }
    let mut tokens = Vec::with_capacity(c.len());
    let mut bytes = c.bytes();
    while let Some(b) = bytes.next() {
        tokens.push(match b {
            b'\\' => match bytes.next() {
                Some(e) if CPE_ESCAPABLE.contains(&e) => Token::Char,
                _ => return false,
            },
            b'?' => Token::Question,
            b'*' => Token::Star,
            _ if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_') => Token::Char,
            _ => return false,
        });
    }
    // One `*`, else any run of `?`, at one end of what is left.
    fn wildcards<'a>(mut ts: impl Iterator<Item = &'a Token>) -> usize {
        match ts.next() {
            Some(Token::Star) => 1,
            Some(Token::Question) => 1 + ts.take_while(|t| **t == Token::Question).count(),
            _ => 0,
        }
    }
    let lead = wildcards(tokens.iter());
    let rest = &tokens[lead..];
    let trail = wildcards(rest.iter().rev());
    let body = &rest[..rest.len() - trail];
    !body.is_empty() && body.iter().all(|t| *t == Token::Char)
}

/// What a backslash may escape in a CPE attribute value.
const CPE_ESCAPABLE: &[u8] = b"\\*?!\"#$%&'()+,/:;<=>@[]^`{|}~";

/// `[a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?`: the language component.
fn is_cpe_language(c: &str) -> bool {
    let (lang, region) = match c.split_once('-') {
        Some((l, r)) => (l, Some(r)),
        None => (c, None),
    };
    (2..=3).contains(&lang.len()) && is_alpha(lang) && region.is_none_or(is_region)
}

/// Whether `media_type` is `type/subtype` of RFC 6838 §4.2 restricted
/// names (1-127 characters, starting alphanumeric), optionally followed by
/// parameters. Whether it is registered with IANA is not checked.
pub(crate) fn is_media_type(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim_end();
    let Some((top, sub)) = essence.split_once('/') else {
        return false;
    };
    is_restricted_name(top) && is_restricted_name(sub)
}

/// `restricted-name = restricted-name-first *126restricted-name-chars`.
fn is_restricted_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.len() <= 127
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_of_rfc_5646_appendix_a() {
        for tag in [
            "de",
            "fr",
            "ja",
            "i-enochian",
            "zh-Hant",
            "zh-Hans",
            "sr-Cyrl",
            "sr-Latn",
            "zh-cmn-Hans-CN",
            "cmn-Hans-CN",
            "zh-yue-HK",
            "yue-HK",
            "zh-Hans-CN",
            "sr-Latn-RS",
            "sl-rozaj",
            "sl-rozaj-biske",
            "sl-nedis",
            "de-CH-1901",
            "sl-IT-nedis",
            "hy-Latn-IT-arevela",
            "de-DE",
            "en-US",
            "es-419",
            "de-CH-x-phonebk",
            "az-Arab-x-AZE-derbend",
            "x-whatever",
            "qaa-Qaaa-QM-x-southern",
            "de-Qaaa",
            "sr-Latn-QM",
            "sr-Qaaa-RS",
            "en-US-u-islamcal",
            "zh-CN-a-myext-x-private",
            "en-a-myext-b-another",
            "EN-gb",
            "en-GB-oxendict",
            "zh-min-nan",
        ] {
            assert!(is_language_tag(tag), "{tag} is well-formed");
        }
        for tag in [
            "de-419-DE",
            "a-DE",
            "ar-a-aaa-b-bbb-a-ccc",
            "de-DE-1901-1901",
            "",
            "en_US",
            "english!",
            "en--US",
            "en-",
            "x",
            "en-x",
            "en-a",
            "en-a-b-cc",
            "toolonglanguage",
            "e",
            "1en",
        ] {
            assert!(!is_language_tag(tag), "{tag:?} is not well-formed");
        }
    }

    #[test]
    fn cpe_23_formatted_strings() {
        for name in [
            "cpe:2.3:a:microsoft:word:2019:*:*:*:*:*:*:*",
            "cpe:2.3:o:linux:linux_kernel:5.10.0:-:*:*:*:*:*:*",
            "cpe:2.3:a:micro\\:soft:word:2019:*:*:en-us:*:*:*:*",
            "cpe:2.3:h:cisco:asa_5510:*:*:*:*:*:*:x64:*",
            "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*",
            "cpe:2.3:a:foo\\\\bar:big\\$money_2010:*:*:*:*:special:ipod_touch:80gb:*",
            "cpe:2.3:a:vendor:pro*:1.?:*:*:*:*:*:*:*",
            "cpe:2.3:*:*:*:*:*:*:*:*:*:*:*",
            "cpe:2.3:a:ex:p:1:*:*:es-419:*:*:*:*",
            "cpe:2.3:a:vendor:what\\?:1:*:*:*:*:*:*:*",
            "cpe:2.3:a:vendor:product\\*:1:*:*:*:*:*:*:*",
            "cpe:2.3:a:vendor:\\*:1:*:*:*:*:*:*:*",
            "cpe:2.3:a:vendor:\\???:1:*:*:*:*:*:*:*",
            "cpe:2.3:a:vendor:??x??:1:*:*:*:*:*:*:*",
        ] {
            assert!(is_cpe23(name), "{name} is CPE 2.3");
        }
        for name in [
            "cpe:/a:microsoft:word:2019",
            "cpe:2.3:a:microsoft:word:2019:*:*:*:*:*:*",
            "cpe:2.3:a:microsoft:word:2019:*:*:*:*:*:*:*:*",
            "cpe:2.3:x:microsoft:word:2019:*:*:*:*:*:*:*",
            "cpe:2.3:a:micro soft:word:2019:*:*:*:*:*:*:*",
            "cpe:2.3:a::word:2019:*:*:*:*:*:*:*",
            "cpe:2.3:a:microsoft:word:20**:*:*:*:*:*:*:*",
            "cpe:2.3:a:microsoft:word:2019:*:*:english:*:*:*:*",
            "cpe:2.3:a:ms:word\\q:2019:*:*:*:*:*:*:*",
            "cpe:2.3:a:ms:word\\:2019:*:*:*:*:*:*:*",
            "CPE:2.3:a:microsoft:word:2019:*:*:*:*:*:*:*",
            "cpe:2.3:a:vendor:?:1:*:*:*:*:*:*:*",
            "cpe:2.3:a:vendor:**:1:*:*:*:*:*:*:*",
            "cpe:2.3:a:vendor:*?x:1:*:*:*:*:*:*:*",
            "cpe:2.3:a:vendor:x\\:1:*:*:*:*:*:*:*",
        ] {
            assert!(!is_cpe23(name), "{name:?} is not CPE 2.3");
        }
    }

    #[test]
    fn media_types() {
        for t in [
            "application/zip",
            "application/vnd.ms-excel",
            "text/plain; charset=utf-8",
            "image/svg+xml",
            "application/x-dosexec",
        ] {
            assert!(is_media_type(t), "{t} is a media type");
        }
        for t in [
            "zip",
            "application/",
            "/zip",
            "application/zip file",
            "text/plain/x",
            "",
        ] {
            assert!(!is_media_type(t), "{t:?} is not a media type");
        }
    }
}
