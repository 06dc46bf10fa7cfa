//! Splitting text into text and emoji segments, the way the Easemob/Agora and
//! Tencent manuals render emoji: the application has a map from emoji codes
//! (such as `[smile]`) to whatever it renders (an image name, a URL, a
//! character), and each occurrence of a code becomes an emoji segment.

use std::collections::BTreeMap;

/// One piece of a split text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment<'t, 'm> {
    /// Plain text.
    Text(&'t str),
    /// An emoji code and what the map gives for it.
    Emoji {
        /// The code as it appears in the text.
        code: &'t str,
        /// The map's value for the code.
        value: &'m str,
    },
}

/// Splits `text` into segments. At each position the longest code of `map`
/// that starts there wins; text between codes is kept as is. Runs in
/// O(len(text) × codes starting with the same character).
pub fn split<'t, 'm>(text: &'t str, map: &'m BTreeMap<String, String>) -> Vec<Segment<'t, 'm>> {
    let mut by_first: BTreeMap<char, Vec<(&'m str, &'m str)>> = BTreeMap::new();
    for (code, value) in map {
        if let Some(first) = code.chars().next() {
            by_first.entry(first).or_default().push((code, value));
        }
    }
    for codes in by_first.values_mut() {
        codes.sort_by_key(|(code, _)| std::cmp::Reverse(code.len()));
    }
    let mut out = Vec::new();
    let mut plain_start = 0;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let Some(first) = rest.chars().next() else {
            break;
        };
        let hit = by_first
            .get(&first)
            .and_then(|codes| codes.iter().find(|(code, _)| rest.starts_with(code)));
        match hit {
            Some((code, value)) => {
                if plain_start < i {
                    out.push(Segment::Text(&text[plain_start..i]));
                }
                out.push(Segment::Emoji {
                    code: &text[i..i + code.len()],
                    value,
                });
                i += code.len();
                plain_start = i;
            }
            None => i += first.len_utf8(),
        }
    }
    if plain_start < text.len() {
        out.push(Segment::Text(&text[plain_start..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> BTreeMap<String, String> {
        [
            ("[smile]", "e1.png"),
            ("[sm]", "e2.png"),
            ("😀", "grin"),
            ("[", "bracket"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect()
    }

    #[test]
    fn longest_code_wins_and_text_is_kept() {
        let m = map();
        assert_eq!(
            split("hi [smile][sm]x 😀é", &m),
            vec![
                Segment::Text("hi "),
                Segment::Emoji {
                    code: "[smile]",
                    value: "e1.png"
                },
                Segment::Emoji {
                    code: "[sm]",
                    value: "e2.png"
                },
                Segment::Text("x "),
                Segment::Emoji {
                    code: "😀",
                    value: "grin"
                },
                Segment::Text("é"),
            ]
        );
        assert_eq!(
            split("[x", &m),
            vec![
                Segment::Emoji {
                    code: "[",
                    value: "bracket"
                },
                Segment::Text("x")
            ]
        );
        assert_eq!(split("", &m), vec![]);
        assert_eq!(
            split("plain", &BTreeMap::new()),
            vec![Segment::Text("plain")]
        );
    }
}
