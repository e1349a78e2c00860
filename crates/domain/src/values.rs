use crate::chars;
use chrono::{DateTime, Datelike, SecondsFormat, SubsecRound, Timelike, Utc};
use serde::{Serialize, Serializer};
use std::fmt;
use validator::{ValidateLength, ValidateRange};

/// A primary or foreign key: a positive integer that fits in a signed 32-bit column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Id(i32);

impl Id {
    /// Accepts `1..=i32::MAX`.
    pub fn new(value: i64) -> Result<Self, String> {
        if value.validate_range(Some(1), Some(i64::from(i32::MAX)), None, None) {
            // The range check above makes the conversion lossless.
            i32::try_from(value).map(Self).map_err(|e| e.to_string())
        } else if value < 1 {
            Err(format!("must be a positive integer, got {value}"))
        } else {
            Err(format!("must be at most {}, got {value}", i32::MAX))
        }
    }

    /// Parses a decimal integer (surrounding spaces allowed) and applies [`Id::new`].
    pub fn parse(text: &str) -> Result<Self, String> {
        // The usual case, at a fraction of the cost: nothing but (at most 9) digits.
        let digits = text.as_bytes();
        if (1..=9).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit) {
            let value = digits
                .iter()
                .fold(0_i32, |value, d| value * 10 + i32::from(d - b'0'));
            // Nine digits always fit; only 0 breaks the rule.
            return if value > 0 {
                Ok(Self(value))
            } else {
                Self::new(value.into())
            };
        }
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err("is required".into());
        }
        if !trimmed
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'-' || b == b'+')
        {
            return Err(format!("must be a positive integer, got {trimmed:?}"));
        }
        match trimmed.parse::<i64>() {
            Ok(v) => Self::new(v),
            Err(_)
                if trimmed
                    .trim_start_matches(['+', '-'])
                    .bytes()
                    .all(|b| b.is_ascii_digit()) =>
            {
                Err(format!("must be at most {}, got {trimmed}", i32::MAX))
            }
            Err(_) => Err(format!("must be a positive integer, got {trimmed:?}")),
        }
    }

    /// The key as stored.
    pub fn get(self) -> i32 {
        self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Longest accepted `department`, `job` or `name`, in characters.
pub const MAX_TEXT_CHARS: u64 = 255;

/// A required text field: trimmed, at most [`MAX_TEXT_CHARS`] characters, free of control and
/// bidirectional control characters, with at least one visible character (not only spaces and
/// invisible characters such as U+200B or U+FEFF; a joiner between visible characters is fine).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Text(String);

impl Text {
    /// Trims `value` and checks the rules.
    pub fn parse(value: &str) -> Result<Self, String> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err("is required".into());
        }
        if trimmed.is_ascii() {
            // One byte per character: the same rules, checked byte-wise.
            if trimmed.len() as u64 > MAX_TEXT_CHARS {
                return Err(format!(
                    "must be at most {MAX_TEXT_CHARS} characters, got {}",
                    trimmed.len()
                ));
            }
            if let Some(b) = trimmed.bytes().find(u8::is_ascii_control) {
                return Err(format!(
                    "must not contain control characters, found U+{:04X}",
                    u32::from(b)
                ));
            }
            return Ok(Self(trimmed.to_owned()));
        }
        // Spaces and characters that show nothing (U+200B, U+FEFF...) do not make a value.
        if trimmed
            .chars()
            .all(|c| c.is_whitespace() || chars::is_invisible(c))
        {
            return Err("is required".into());
        }
        if !trimmed.validate_length(None, Some(MAX_TEXT_CHARS), None) {
            return Err(format!(
                "must be at most {MAX_TEXT_CHARS} characters, got {}",
                trimmed.chars().count()
            ));
        }
        if let Some(c) = trimmed.chars().find(|c| c.is_control()) {
            return Err(format!(
                "must not contain control characters, found U+{:04X}",
                u32::from(c)
            ));
        }
        if let Some(c) = trimmed.chars().find(|&c| chars::is_bidi_control(c)) {
            return Err(format!(
                "must not contain bidirectional control characters, found U+{:04X}",
                u32::from(c)
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// When an employee was hired: a UTC instant with microsecond precision, years 1 to 9999, never
/// a leap second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HireTime(DateTime<Utc>);

impl HireTime {
    /// Accepts an instant of years 1..=9999 that is not a leap second; sub-microsecond digits
    /// are dropped.
    pub fn new(at: DateTime<Utc>) -> Result<Self, String> {
        // chrono holds `:60` as the second before with a nanosecond field of a second or more;
        // PostgreSQL would store the next second and SQLite the text, while the aggregate
        // counts the leap second's own year and quarter.
        if at.nanosecond() >= 1_000_000_000 {
            return Err(
                "must not be a leap second (:60): neither the databases nor Avro's \
                 timestamp-micros can store one"
                    .into(),
            );
        }
        let year = at.year();
        if !(1..=9999).contains(&year) {
            return Err(format!("year must be between 1 and 9999, got {year}"));
        }
        Ok(Self(at.trunc_subsecs(6)))
    }

    /// Parses an RFC 3339 / ISO-8601 timestamp that carries `Z` or a UTC offset
    /// (`2021-11-07T02:48:42Z`, `2021-11-07T04:48:42+02:00`) and converts it to UTC.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err("is required".into());
        }
        if let Some((year, at)) = parse_utc_seconds(trimmed) {
            // Whole seconds of a four-digit year: only year 0 breaks the rules.
            return if year > 0 {
                Ok(Self(at))
            } else {
                Self::new(at)
            };
        }
        match DateTime::parse_from_rfc3339(trimmed) {
            Ok(at) => Self::new(at.with_timezone(&Utc)),
            Err(e) => Err(format!(
                "must be an ISO-8601 timestamp with a zone such as 2021-11-07T02:48:42Z, got {trimmed:?} ({e})"
            )),
        }
    }

    /// Creates the value from microseconds since the Unix epoch (the storage format).
    pub fn from_micros(micros: i64) -> Result<Self, String> {
        DateTime::from_timestamp_micros(micros)
            .ok_or_else(|| format!("{micros} microseconds is out of range"))
            .and_then(Self::new)
    }

    /// The instant.
    pub fn get(self) -> DateTime<Utc> {
        self.0
    }

    /// Microseconds since the Unix epoch.
    pub fn micros(self) -> i64 {
        self.0.timestamp_micros()
    }

    /// RFC 3339 text with a `Z` suffix and only the sub-second digits needed.
    pub fn to_rfc3339(self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` exactly (the form the files use and the storage prints), parsed
/// without the general RFC 3339 parser; `None` for anything else, including an invalid date or
/// time and a leap second, which the general parser then accepts or explains.
fn parse_utc_seconds(text: &str) -> Option<(i32, DateTime<Utc>)> {
    let b = text.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0_u32, |value, &d| {
            d.is_ascii_digit().then(|| value * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    let (month, day) = (number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let at =
        chrono::NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, second)?;
    Some((year, at.and_utc()))
}

impl fmt::Display for HireTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for HireTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_positive_i32() {
        assert_eq!(Id::parse("1").unwrap().get(), 1);
        assert_eq!(Id::parse(" 42 ").unwrap().get(), 42);
        assert_eq!(Id::parse("2147483647").unwrap().get(), i32::MAX);
        assert_eq!(Id::new(7).unwrap().get(), 7);
    }

    #[test]
    fn ids_refuse_everything_else() {
        for bad in [
            "0",
            "-3",
            "1.5",
            "abc",
            "99999999999",
            "2147483648",
            "",
            "  ",
            "1e3",
            "0x10",
        ] {
            let err = Id::parse(bad).unwrap_err();
            assert!(!err.is_empty(), "{bad:?} accepted");
        }
        assert!(Id::parse("0").unwrap_err().contains("positive"));
        assert!(Id::parse("99999999999").unwrap_err().contains("at most"));
        assert_eq!(Id::parse("").unwrap_err(), "is required");
        assert!(Id::new(0).is_err());
        assert!(Id::new(i64::from(i32::MAX) + 1).is_err());
    }

    #[test]
    fn text_is_trimmed_and_kept() {
        assert_eq!(
            Text::parse("  Supply Chain ").unwrap().as_str(),
            "Supply Chain"
        );
        assert_eq!(Text::parse("Zoë Ñandú").unwrap().as_str(), "Zoë Ñandú");
        let longest = "é".repeat(255);
        assert_eq!(Text::parse(&longest).unwrap().as_str(), longest);
    }

    #[test]
    fn text_refuses_empty_long_and_control_characters() {
        assert_eq!(Text::parse("").unwrap_err(), "is required");
        assert_eq!(Text::parse("   ").unwrap_err(), "is required");
        assert!(Text::parse(&"a".repeat(256))
            .unwrap_err()
            .contains("at most 255"));
        assert!(Text::parse("tab\there").unwrap_err().contains("control"));
        assert!(Text::parse("bell\u{7}").unwrap_err().contains("U+0007"));
    }

    #[test]
    fn text_made_only_of_invisible_characters_is_required() {
        for invisible in [
            "\u{FEFF}",
            "\u{200B}",
            "\u{200C}",
            "\u{200D}",
            "\u{2060}",
            "\u{00AD}",
            "\u{180E}",
            "\u{FE0F}",
            "\u{3164}",
            "\u{E0020}",
            "\u{200B}\u{FEFF}\u{2060}",
            " \u{200B} \u{200D} ",
            "\u{00A0}\u{FEFF}\u{3000}",
        ] {
            assert_eq!(
                Text::parse(invisible).unwrap_err(),
                "is required",
                "{:?}",
                invisible.escape_unicode().to_string()
            );
        }
    }

    #[test]
    fn text_refuses_bidirectional_control_characters() {
        for (text, found) in [
            ("evil\u{202E}gnp.exe", "U+202E"),
            ("\u{202A}Ana", "U+202A"),
            ("Ana\u{202C}", "U+202C"),
            ("a\u{202B}b\u{202D}c", "U+202B"),
            ("Ana\u{2066}Díaz\u{2069}", "U+2066"),
            ("Ana\u{2067}x", "U+2067"),
            ("Ana\u{2068}x", "U+2068"),
            ("x\u{2069}", "U+2069"),
            ("שלום\u{200E}", "U+200E"),
            ("\u{200F}שלום", "U+200F"),
            ("مرحبا\u{061C}", "U+061C"),
        ] {
            assert_eq!(
                Text::parse(text).unwrap_err(),
                format!("must not contain bidirectional control characters, found {found}"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn text_with_joiners_between_visible_characters_stays_valid() {
        for name in [
            "\u{1F469}\u{200D}\u{1F4BB}",
            "Ana \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}",
            "\u{915}\u{94D}\u{200D}\u{937}",
            "\u{D15}\u{D4D}\u{200D}",
            "\u{200C}\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}",
            "שלום עליכם",
            "مرحبا",
            "Zoë\u{00AD}Ñandú",
            "\u{2764}\u{FE0F}",
        ] {
            assert_eq!(Text::parse(name).unwrap().as_str(), name, "{name:?}");
        }
    }

    #[test]
    fn hire_time_accepts_zoned_iso_timestamps_as_utc() {
        let t = HireTime::parse("2021-11-07T02:48:42Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2021-11-07T02:48:42Z");
        let shifted = HireTime::parse("2021-11-07T04:48:42+02:00").unwrap();
        assert_eq!(shifted, t);
        let fraction = HireTime::parse("2021-11-07T02:48:42.123456789Z").unwrap();
        assert_eq!(fraction.to_rfc3339(), "2021-11-07T02:48:42.123456Z");
        assert_eq!(HireTime::from_micros(t.micros()).unwrap(), t);
    }

    #[test]
    fn hire_time_refuses_other_text() {
        for bad in [
            "yesterday",
            "2021-13-01T00:00:00Z",
            "2021-11-07",
            "2021-11-07T02:48:42",
            "2021-02-30T00:00:00Z",
            "",
        ] {
            assert!(HireTime::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(HireTime::parse(" ").unwrap_err(), "is required");
    }

    #[test]
    fn the_fast_paths_agree_with_the_general_rules() {
        for text in [
            "2021-11-07T02:48:42Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2020-02-29T12:00:00Z",
            "2021-02-29T12:00:00Z",
            "2021-11-07T24:00:00Z",
            "2021-11-07T23:60:00Z",
            "2016-12-31T23:59:60Z",
            "2021-11-07T02:48:4xZ",
            "2021-11-07t02:48:42Z",
            "2021-11-07T02:48:42z",
        ] {
            let general = DateTime::parse_from_rfc3339(text)
                .map_err(|e| e.to_string())
                .and_then(|at| HireTime::new(at.with_timezone(&Utc)));
            assert_eq!(HireTime::parse(text).ok(), general.ok(), "{text}");
        }
        for text in ["0", "7", "007", "123456789", "2147483647", "1234567890"] {
            let general = text
                .parse::<i64>()
                .map_err(|e| e.to_string())
                .and_then(Id::new);
            assert_eq!(Id::parse(text), general, "{text}");
        }
        assert_eq!(
            Text::parse(&"a".repeat(256)).unwrap_err(),
            "must be at most 255 characters, got 256"
        );
        assert_eq!(
            Text::parse("del\u{7f}").unwrap_err(),
            "must not contain control characters, found U+007F"
        );
    }

    #[test]
    fn hire_time_refuses_leap_seconds_in_any_offset() {
        for leap in [
            "2016-12-31T23:59:60Z",
            "2021-12-31T23:59:60Z",
            "2021-12-31T23:59:60.5Z",
            "2021-12-31T23:59:60.999999999Z",
            "2022-01-01T02:59:60+03:00",
            "2021-12-31T20:29:60-03:30",
            "2021-06-15T12:34:60Z",
            "2021-12-31t23:59:60z",
            "2021-12-31 23:59:60+00:00",
        ] {
            assert_eq!(
                HireTime::parse(leap).unwrap_err(),
                "must not be a leap second (:60): neither the databases nor Avro's \
                 timestamp-micros can store one",
                "{leap}"
            );
        }
        let leap = DateTime::parse_from_rfc3339("2021-12-31T23:59:60Z").unwrap();
        assert!(HireTime::new(leap.with_timezone(&Utc)).is_err());
        assert!(HireTime::parse("2021-12-31T23:59:59.999999Z").is_ok());
        assert!(HireTime::parse("2022-01-01T00:00:00Z").is_ok());
    }

    #[test]
    fn hire_time_refuses_years_outside_four_digits() {
        assert!(HireTime::from_micros(i64::MIN / 2).is_err());
        assert!(HireTime::parse("+10000-01-01T00:00:00Z").is_err());
    }
}
