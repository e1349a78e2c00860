//! Recognising a header line at the top of a CSV file.
//!
//! The historical files are headerless, but some exports start with the table's column names.
//! Such a first record is recognised only when it is exactly the table's columns, in order
//! (`id,department`; `id,job`; `id,name,datetime,department_id,job_id`), each compared
//! case-insensitively once surrounding whitespace is trimmed; a byte-order mark before it is
//! ignored. Anything else (`id,dept`, an extra column, a missing one) is a data row, validated
//! and rejected as any other.

const BOM: &str = "\u{feff}";

/// True when `fields` are exactly `columns`: as many, each equal to its column once trimmed of
/// whitespace (and the first of a byte-order mark), ignoring ASCII case.
pub fn is_header<'a>(fields: impl IntoIterator<Item = &'a [u8]>, columns: &[&str]) -> bool {
    let mut count = 0;
    for (i, field) in fields.into_iter().enumerate() {
        let Some(column) = columns.get(i) else {
            return false;
        };
        let Ok(text) = std::str::from_utf8(field) else {
            return false;
        };
        let text = if i == 0 {
            text.trim_start().trim_start_matches(BOM)
        } else {
            text
        };
        if !text.trim().eq_ignore_ascii_case(column) {
            return false;
        }
        count += 1;
    }
    count == columns.len()
}

#[cfg(test)]
mod tests {
    use super::is_header;

    const JOBS: &[&str] = &["id", "job"];
    const HIRES: &[&str] = &["id", "name", "datetime", "department_id", "job_id"];

    fn header(line: &str, columns: &[&str]) -> bool {
        is_header(line.split(',').map(str::as_bytes), columns)
    }

    #[test]
    fn the_exact_column_names_are_a_header() {
        assert!(header("id,job", JOBS));
        assert!(header("id,name,datetime,department_id,job_id", HIRES));
        assert!(header("id,department", &["id", "department"]));
    }

    #[test]
    fn case_whitespace_and_a_byte_order_mark_are_ignored() {
        assert!(header("ID, Job ", JOBS));
        assert!(header("\u{feff}id,job", JOBS));
        assert!(header(" Id ,NAME,DateTime, department_id ,JOB_ID\t", HIRES));
    }

    #[test]
    fn anything_else_is_a_data_row() {
        assert!(!header("id,dept", &["id", "department"]));
        assert!(!header("1,Sales", &["id", "department"]));
        assert!(!header("id", JOBS));
        assert!(!header("id,job,", JOBS));
        assert!(!header("id,job,extra", JOBS));
        assert!(!header("job,id", JOBS));
        assert!(!header("id,name,datetime,department_id", HIRES));
        assert!(!header("", JOBS));
        assert!(!is_header([&b"id"[..], &b"j\xffob"[..]], JOBS));
    }
}
