//! A report as a small HTML page: what the first proof of concept's report buttons open in a
//! browser. Every text is escaped; the page has no script, style or outside resource.

use hiring_domain::ReportRow;
use std::fmt::Write;

/// The `Content-Security-Policy` of a report page: it loads nothing at all.
pub(crate) const POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// An HTML page titled `title` with `rows` as a table (a line saying so when there are none),
/// `note` under it, and where the report lives now.
pub(crate) fn page<R: ReportRow>(title: &str, rows: &[R], note: &str, successor: &str) -> String {
    let mut html = String::with_capacity(256 + rows.len() * 96);
    let title = escape(title);
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = write!(
        html,
        "<title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n"
    );
    if rows.is_empty() {
        html.push_str("<p>No hires in this year.</p>\n");
    } else {
        html.push_str("<table>\n<thead><tr>");
        for column in R::COLUMNS {
            let _ = write!(html, "<th>{}</th>", escape(column));
        }
        html.push_str("</tr></thead>\n<tbody>\n");
        for row in rows {
            html.push_str("<tr>");
            for field in row.fields() {
                let _ = write!(html, "<td>{}</td>", escape(&field));
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</tbody>\n</table>\n");
    }
    if !note.is_empty() {
        let _ = writeln!(html, "<p>{}</p>", escape(note));
    }
    let _ = write!(
        html,
        "<p>This address is deprecated: the report is at <code>{}</code>, and in the web \
         console at <a href=\"/\">/</a>.</p>\n</body>\n</html>\n",
        escape(successor)
    );
    html
}

/// `text` with the characters HTML gives a meaning to written as character references.
fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(&'static str, u64);

    impl ReportRow for Row {
        const COLUMNS: &'static [&'static str] = &["department", "hired"];
        fn fields(&self) -> Vec<String> {
            vec![self.0.to_owned(), self.1.to_string()]
        }
    }

    #[test]
    fn names_are_escaped_and_the_table_has_the_columns() {
        let html = page(
            "Above <mean>",
            &[Row("<img src=x onerror=alert(1)> & 'co\"", 3)],
            "mean: 1.5",
            "/api/v1/x?a=1&b=2",
        );
        assert!(html.contains("<title>Above &lt;mean&gt;</title>"));
        assert!(html.contains("<th>department</th><th>hired</th>"));
        assert!(html.contains(
            "<td>&lt;img src=x onerror=alert(1)&gt; &amp; &#x27;co&quot;</td><td>3</td>"
        ));
        assert!(html.contains("<code>/api/v1/x?a=1&amp;b=2</code>"));
        assert!(!html.contains("<img"));
    }

    #[test]
    fn an_empty_year_says_so() {
        let html = page::<Row>("t", &[], "", "/s");
        assert!(html.contains("No hires in this year."));
        assert!(!html.contains("<table>"));
    }
}
