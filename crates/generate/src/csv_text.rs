//! The bytes of the files: CSV fields and lines as the company's files write them, integers and
//! timestamps formatted without allocating.

use std::io::{self, Write};

/// Writes `id,name` rows with ids from 1.
pub(crate) fn write_named_rows<'a, W: Write>(
    w: &mut W,
    names: impl Iterator<Item = &'a str>,
) -> io::Result<u64> {
    let mut line = Vec::with_capacity(128);
    let mut count = 0u64;
    for name in names {
        count += 1;
        line.clear();
        if count > 1 {
            line.extend_from_slice(b"\r\n");
        }
        push_u64(&mut line, count);
        line.push(b',');
        push_field(&mut line, name);
        w.write_all(&line)?;
    }
    Ok(count)
}

/// Appends `value` as a CSV field, quoted only if it contains a comma, a quote or a line break.
pub(crate) fn push_field(buf: &mut Vec<u8>, value: &str) {
    if value
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        buf.push(b'"');
        for b in value.bytes() {
            if b == b'"' {
                buf.push(b'"');
            }
            buf.push(b);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(value.as_bytes());
    }
}

/// Appends `value` in decimal.
pub(crate) fn push_u64(buf: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[start..]);
}

/// Appends `secs` (since the Unix epoch, years 0 to 9999) as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn push_datetime(buf: &mut Vec<u8>, secs: i64) {
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let mut text = *b"0000-00-00T00:00:00Z";
    put_digits(&mut text[0..4], year);
    put_digits(&mut text[5..7], month);
    put_digits(&mut text[8..10], day);
    put_digits(&mut text[11..13], of_day / 3_600);
    put_digits(&mut text[14..16], of_day % 3_600 / 60);
    put_digits(&mut text[17..19], of_day % 60);
    buf.extend_from_slice(&text);
}

/// Writes the last `out.len()` decimal digits of `value` (non-negative) into `out`.
fn put_digits(out: &mut [u8], mut value: i64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// (year, month, day) of the proleptic Gregorian calendar for `days` since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn datetime_formatting_matches_chrono() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let samples = (0..5_000)
            .map(|_| rng.random_range(-62_135_596_800i64..253_402_300_799))
            .chain([0, 1_609_459_200, 1_646_092_799, 951_782_400, 4_107_542_400]);
        for secs in samples {
            let mut buf = Vec::new();
            push_datetime(&mut buf, secs);
            let expected = DateTime::<Utc>::from_timestamp(secs, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            assert_eq!(String::from_utf8(buf).unwrap(), expected);
        }
    }

    #[test]
    fn integers_and_fields_are_written_like_the_csv_crate() {
        for n in [0u64, 7, 10, 183, 9_999_999, u64::MAX] {
            let mut buf = Vec::new();
            push_u64(&mut buf, n);
            assert_eq!(buf, n.to_string().into_bytes());
        }
        for value in ["plain", "a,b", "say \"hi\"", "Zoë Ñandú", "O'Brien"] {
            let mut ours = Vec::new();
            push_field(&mut ours, value);
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new());
            w.write_record([value]).unwrap();
            let mut theirs = w.into_inner().unwrap();
            theirs.truncate(theirs.len() - 2);
            assert_eq!(ours, theirs, "{value}");
        }
    }
}
