//! Character classes of the text rules, from the Unicode Character Database (ICU4X's compiled
//! data). Only non-ASCII text is ever looked up: no ASCII character is in either class.

use icu_properties::props::{
    BidiControl, BinaryProperty, DefaultIgnorableCodePoint, EnumeratedProperty, GeneralCategory,
};

/// Whether `c` shows nothing by itself: a default-ignorable code point (U+200B, U+2060,
/// U+FEFF, variation selectors, Hangul fillers, tags...) or any other format character
/// (general category Cf).
pub(crate) fn is_invisible(c: char) -> bool {
    // U+00AD (soft hyphen) is the first character of either class.
    c >= '\u{AD}'
        && (DefaultIgnorableCodePoint::for_char(c)
            || GeneralCategory::for_char(c) == GeneralCategory::Format)
}

/// Whether `c` is a bidirectional control character (Bidi_Control: U+061C, U+200E, U+200F,
/// U+202A to U+202E, U+2066 to U+2069), which can make text display in another order than
/// it is stored.
pub(crate) fn is_bidi_control(c: char) -> bool {
    c >= '\u{61C}' && BidiControl::for_char(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bidirectional_controls_are_exactly_the_unicode_list() {
        let listed: Vec<u32> = [0x061C, 0x200E, 0x200F]
            .into_iter()
            .chain(0x202A..=0x202E)
            .chain(0x2066..=0x2069)
            .collect();
        let found: Vec<u32> = (0..=0x10FFFF_u32)
            .filter_map(char::from_u32)
            .filter(|&c| is_bidi_control(c))
            .map(u32::from)
            .collect();
        assert_eq!(found, listed);
    }

    #[test]
    fn no_ascii_character_and_no_letter_is_invisible() {
        assert!((0..=0x7F_u8).all(|b| !is_invisible(char::from(b))));
        for c in ['a', 'é', 'Ñ', 'ß', 'ש', 'م', 'क', '中', '😀', ' ', '\u{A0}'] {
            assert!(!is_invisible(c), "{c:?}");
        }
        for c in [
            '\u{AD}',
            '\u{200B}',
            '\u{200D}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{E0001}',
        ] {
            assert!(is_invisible(c), "{c:?}");
        }
    }
}
