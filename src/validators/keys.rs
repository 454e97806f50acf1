//! Finding the validator of a key: exact names, key patterns split into a
//! shared regex and a literal part, and the known namespaces.

use super::*;

/// Collects the lookup tables while the validators are read in catalog order.
#[derive(Default)]
pub(super) struct Builder {
    pub(super) by_name: HashMap<String, usize>,
    pub(super) literal_keys: HashMap<String, usize>,
    pub(super) affix_groups: Vec<AffixGroup>,
    pub(super) affix_group_ids: HashMap<(Side, String), usize>,
    pub(super) standalone: Vec<(usize, Regex)>,
    /// Compiled regexes by their Python text, because validators and namespaces share some.
    pub(super) regexes: HashMap<String, Regex>,
}

impl Builder {
    pub(super) fn add_validator(&mut self, index: usize, entry: ValidatorEntry) -> Validator {
        self.by_name.entry(entry.key.clone()).or_insert(index);
        let key_matcher = match KeyShape::of(&entry.key_regex) {
            KeyShape::Literal => {
                self.literal_keys
                    .entry(entry.key_regex.clone())
                    .or_insert(index);
                KeyMatcher::Literal(entry.key_regex.clone())
            }
            KeyShape::Affix {
                side,
                literal,
                shared,
            } => {
                let group = self.affix_group(side, shared);
                self.affix_groups[group].insert(literal, index);
                KeyMatcher::Affix {
                    group,
                    literal: literal.to_owned(),
                }
            }
            KeyShape::Opaque => {
                let regex = self.full_match_regex(&entry.key_regex);
                self.standalone.push((index, regex));
                KeyMatcher::Standalone(self.standalone.len() - 1)
            }
        };
        let rule = self.value_rule(&entry);
        Validator {
            name: entry.key,
            key_matcher,
            rule,
        }
    }

    pub(super) fn affix_group(&mut self, side: Side, shared: &str) -> usize {
        if let Some(&group) = self.affix_group_ids.get(&(side, shared.to_owned())) {
            return group;
        }
        let shared_regex = self.full_match_regex(shared);
        self.affix_groups.push(AffixGroup::new(side, shared_regex));
        let group = self.affix_groups.len() - 1;
        self.affix_group_ids
            .insert((side, shared.to_owned()), group);
        group
    }

    pub(super) fn value_rule(&mut self, entry: &ValidatorEntry) -> ValueRule {
        match entry.value_type {
            // Nova checks the pattern when there is one and the enum only otherwise.
            ValueType::String => match (&entry.pattern, &entry.allowed) {
                (Some(pattern), _) => ValueRule::Pattern {
                    regex: self.full_match_regex(pattern),
                    source: pattern.clone(),
                },
                (None, Some(allowed)) => ValueRule::OneOf {
                    allowed: allowed.clone(),
                    listing: allowed.join(", "),
                },
                (None, None) => ValueRule::AnyString,
            },
            ValueType::Integer => ValueRule::Integer {
                min: entry.min.map(PythonInt::from),
                max: entry.max.map(PythonInt::from),
            },
            ValueType::Boolean => ValueRule::Boolean,
        }
    }

    pub(super) fn namespaces(&mut self, entries: &[NamespaceEntry]) -> Namespaces {
        let mut namespaces = Namespaces {
            plain: HashSet::new(),
            patterns: Vec::new(),
        };
        for entry in entries {
            if entry.prefix_regex.chars().all(is_plain_literal) {
                namespaces.plain.insert(entry.prefix_regex.clone());
            } else {
                namespaces
                    .patterns
                    .push(self.full_match_regex(&entry.prefix_regex));
            }
        }
        namespaces
    }

    /// Returns the compiled full-match form of a Python regex, compiling each text once.
    /// A clone of a `Regex` shares the compiled program.
    pub(super) fn full_match_regex(&mut self, python_regex: &str) -> Regex {
        if let Some(regex) = self.regexes.get(python_regex) {
            return regex.clone();
        }
        let regex = compile_full_match(python_regex);
        self.regexes.insert(python_regex.to_owned(), regex.clone());
        regex
    }
}

/// The end of a key regex that has the literal text of an [`AffixGroup`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Side {
    Head,
    Tail,
}

/// Key regexes that are one shared regex plus a literal head or tail.
///
/// A key fully matches `literal + shared` (or `shared + literal`) exactly when it starts (or
/// ends) with `literal` and the rest fully matches `shared`. [`KeyShape::of`] only splits
/// regexes for which that holds.
#[derive(Debug)]
pub(super) struct AffixGroup {
    pub(super) side: Side,
    /// The shared part, anchored at both ends.
    pub(super) shared: Regex,
    /// The literal parts, mapped to the first validator that has them.
    pub(super) literals: HashMap<String, usize>,
    /// The distinct byte lengths of `literals`, ascending.
    pub(super) lengths: Vec<usize>,
    /// The bytes that literals have next to the shared part (the last byte of a head, the
    /// first of a tail), which rule out most split positions before any hashing.
    pub(super) edge_bytes: [bool; 256],
}

impl AffixGroup {
    pub(super) fn new(side: Side, shared: Regex) -> AffixGroup {
        AffixGroup {
            side,
            shared,
            literals: HashMap::new(),
            lengths: Vec::new(),
            edge_bytes: [false; 256],
        }
    }

    pub(super) fn insert(&mut self, literal: &str, index: usize) {
        self.literals.entry(literal.to_owned()).or_insert(index);
        if let Some(edge) = self.edge_byte(literal) {
            self.edge_bytes[usize::from(edge)] = true;
        }
        if let Err(position) = self.lengths.binary_search(&literal.len()) {
            self.lengths.insert(position, literal.len());
        }
    }

    pub(super) fn edge_byte(&self, literal: &str) -> Option<u8> {
        let bytes = literal.as_bytes();
        match self.side {
            Side::Head => bytes.last().copied(),
            Side::Tail => bytes.first().copied(),
        }
    }

    /// Splits `key` into its literal part of `length` bytes and the rest.
    pub(super) fn split<'k>(&self, key: &'k str, length: usize) -> Option<(&'k str, &'k str)> {
        let at = match self.side {
            Side::Head => length,
            Side::Tail => key.len().checked_sub(length)?,
        };
        let (before, after) = (key.get(..at)?, key.get(at..)?);
        match self.side {
            Side::Head => Some((before, after)),
            Side::Tail => Some((after, before)),
        }
    }

    /// Returns the lowest validator index below `best` whose key regex matches, else `best`.
    pub(super) fn first_match(&self, key: &str, best: Option<usize>) -> Option<usize> {
        let mut best = best;
        for &length in &self.lengths {
            if length > key.len() {
                break;
            }
            let Some((literal, rest)) = self.split(key, length) else {
                continue;
            };
            let Some(edge) = self.edge_byte(literal) else {
                continue;
            };
            if !self.edge_bytes[usize::from(edge)] {
                continue;
            }
            let Some(&index) = self.literals.get(literal) else {
                continue;
            };
            if best.is_none_or(|best| index < best) && self.shared.is_match(rest) {
                best = Some(index);
            }
        }
        best
    }

    pub(super) fn matches_with(&self, literal: &str, key: &str) -> bool {
        let rest = match self.side {
            Side::Head => key.strip_prefix(literal),
            Side::Tail => key.strip_suffix(literal),
        };
        rest.is_some_and(|rest| self.shared.is_match(rest))
    }
}

/// The form of a key regex, which decides how it is matched.
#[derive(Debug, PartialEq)]
pub(super) enum KeyShape<'a> {
    /// The regex has no regex syntax.
    Literal,
    /// The regex is `literal + shared` (head) or `shared + literal` (tail).
    Affix {
        side: Side,
        literal: &'a str,
        shared: &'a str,
    },
    /// The regex is compiled as a whole.
    Opaque,
}

impl KeyShape<'_> {
    pub(super) fn of(regex: &str) -> KeyShape<'_> {
        if regex.chars().all(is_plain_literal) {
            return KeyShape::Literal;
        }

        // A literal tail is preferred, because the many trait and resource-class keys share
        // their head and differ in the tail. Plain literal characters are ASCII, so byte
        // counts equal character counts here.
        let tail_length = regex
            .chars()
            .rev()
            .take_while(|&c| is_plain_literal(c))
            .count();
        let tail_start = regex.len() - tail_length;
        let shared = &regex[..tail_start];
        // A backslash right before the tail would make its first characters an escape.
        if tail_length > 0 && !shared.ends_with('\\') && is_position_independent(shared) {
            return KeyShape::Affix {
                side: Side::Tail,
                literal: &regex[tail_start..],
                shared,
            };
        }

        let mut head_end = regex.chars().take_while(|&c| is_plain_literal(c)).count();
        // A quantifier right after the head applies to its last character.
        if regex[head_end..].starts_with(['*', '+', '?', '{']) {
            head_end = head_end.saturating_sub(1);
        }
        let shared = &regex[head_end..];
        if head_end > 0 && is_position_independent(shared) {
            return KeyShape::Affix {
                side: Side::Head,
                literal: &regex[..head_end],
                shared,
            };
        }
        KeyShape::Opaque
    }
}

/// Reports whether `c` means itself, outside a character class, in both Python's and Rust's
/// regex syntax.
pub(super) fn is_plain_literal(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '-' | ',' | '/' | '=' | '@' | '%')
}

/// Reports whether `regex` can be matched on its own part of a key: a key fully matches
/// `literal + regex` exactly when it starts with `literal` and the rest fully matches `regex`,
/// and likewise for `regex + literal`.
///
/// This holds for a concatenation with no top-level `|`, no inline flags and no assertion
/// that looks past its own text (`^`, `$`, `\b`, `\B`, `\A`, `\Z`, `\z`, look-around). The
/// check is conservative: it returns false for anything it does not recognize.
pub(super) fn is_position_independent(regex: &str) -> bool {
    let mut chars = regex.chars().peekable();
    let mut depth = 0_usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                None | Some('b' | 'B' | 'A' | 'Z' | 'z' | '<' | '>') => return false,
                Some(_) => {}
            },
            '[' => {
                let closed = skip_character_class(&mut chars);
                if !closed {
                    return false;
                }
            }
            '(' => {
                if chars.next_if_eq(&'?').is_some() {
                    // Only plain and named groups; flags and look-around change the meaning.
                    let named = chars.next_if_eq(&'P').is_some() && chars.peek() == Some(&'<');
                    if !named && chars.next_if_eq(&':').is_none() {
                        return false;
                    }
                }
                depth += 1;
            }
            ')' => {
                let Some(outer) = depth.checked_sub(1) else {
                    return false;
                };
                depth = outer;
            }
            '|' if depth == 0 => return false,
            '^' | '$' => return false,
            _ => {}
        }
    }
    depth == 0
}

/// Advances past a character class whose `[` has been read. Returns false when the class is
/// unterminated or contains another `[`, because Python reads that as a literal and Rust as a
/// nested class.
pub(super) fn skip_character_class(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> bool {
    chars.next_if_eq(&'^');
    // A `]` first in the class is a literal in both dialects.
    chars.next_if_eq(&']');
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let escaped = chars.next();
                if escaped.is_none() {
                    return false;
                }
            }
            '[' => return false,
            ']' => return true,
            _ => {}
        }
    }
    false
}

/// Compiles a Python regex for full matches, as `re.fullmatch` uses it.
pub(super) fn compile_full_match(python_regex: &str) -> Regex {
    let rust_regex = format!("^(?:{})$", to_rust_syntax(python_regex));
    Regex::new(&rust_regex).expect("every regex in the embedded extra-spec catalog compiles")
}

/// Rewrites the Python `str` regex classes whose Unicode meaning differs in Rust.
///
/// Python's `\s` is `str.isspace()`, which adds U+001C to U+001F to Rust's `\s` (Unicode
/// White_Space). Python's `\w` is `str.isalnum()` or `_`, that is the categories L and N,
/// while Rust's `\w` adds marks, connector punctuation and the joiners, and lacks No. `\d`
/// is the category Nd in both. A class escape inside `[...]` becomes a nested class, which
/// Rust accepts.
///
/// NOTE: regex-syntax 0.8 has Unicode 16.0 tables and CPython 3.11 has Unicode 14.0, so a
/// character assigned in between may match here and not in a Nova that runs on an older
/// Python. The digit table for `int()` has the version of the Python that generated it.
pub(super) fn to_rust_syntax(python_regex: &str) -> Cow<'_, str> {
    if !python_regex.contains('\\') {
        return Cow::Borrowed(python_regex);
    }
    let mut rust_regex = String::with_capacity(python_regex.len() + 32);
    let mut chars = python_regex.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            rust_regex.push(c);
            continue;
        }
        match chars.next() {
            Some('s') => rust_regex.push_str(r"[\s\x1C-\x1F]"),
            Some('S') => rust_regex.push_str(r"[^\s\x1C-\x1F]"),
            Some('w') => rust_regex.push_str(r"[\p{L}\p{N}_]"),
            Some('W') => rust_regex.push_str(r"[^\p{L}\p{N}_]"),
            Some(escaped) => {
                rust_regex.push('\\');
                rust_regex.push(escaped);
            }
            None => rust_regex.push('\\'),
        }
    }
    Cow::Owned(rust_regex)
}

/// The key prefixes (text before the first `:`) of Nova's validated namespaces.
#[derive(Debug)]
pub(super) struct Namespaces {
    pub(super) plain: HashSet<String>,
    pub(super) patterns: Vec<Regex>,
}

impl Namespaces {
    pub(super) fn contains(&self, prefix: &str) -> bool {
        self.plain.contains(prefix) || self.patterns.iter().any(|regex| regex.is_match(prefix))
    }
}
