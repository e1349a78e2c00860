//! Hires by quarter: one horizontal bar per department (summed over its jobs, in the report's
//! order), stacked from its quarters, with the year's total at its end.

use super::common::{no_hires, Layout, Svg, BAR_HEIGHT};
use hiring_domain::{name_order, QuarterHires, ReportYear};

/// One colour per quarter (colour-blind-safe Tableau hues).
const QUARTER_COLORS: [&str; 4] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"];

/// The chart of [`hiring_ports::reports::hires_by_quarter`]'s rows.
pub(crate) fn hires_by_quarter(rows: &[QuarterHires], year: ReportYear) -> String {
    let title = format!("Hires by quarter and department, {year}");
    let departments = per_department(rows);
    let max = departments
        .iter()
        .map(|(_, q)| q.iter().sum::<u64>())
        .max()
        .unwrap_or(0);
    if max == 0 {
        return no_hires(&title, year);
    }
    let layout = Layout::new(
        departments.iter().map(|(name, _)| *name),
        departments.len(),
        max,
    );
    let mut svg = Svg::new(layout.height(), &title);
    let mut x = layout.left;
    for (quarter, color) in QUARTER_COLORS.iter().enumerate() {
        x = svg.legend_entry(x, color, None, &format!("Q{}", quarter + 1));
    }
    svg.count_axis(&layout, &format!("hires in {year}"));
    svg.names(&layout, departments.iter().map(|(name, _)| *name));
    for (i, (name, quarters)) in departments.iter().enumerate() {
        let mut done = 0;
        for (quarter, (&n, color)) in quarters.iter().zip(QUARTER_COLORS).enumerate() {
            if n == 0 {
                continue;
            }
            let start = layout.x(done as f64);
            done += n;
            let end = layout.x(done as f64);
            let tip = format!("{name} — Q{}: {n}", quarter + 1);
            svg.rect(
                (start, layout.bar_top(i), end - start, BAR_HEIGHT),
                color,
                Some("segment"),
                Some(&tip),
            );
        }
        svg.value(&layout, i, layout.x(done as f64), done);
    }
    svg.finish()
}

/// The rows summed per department (consecutive rows of one department), in order.
fn per_department(rows: &[QuarterHires]) -> Vec<(&str, [u64; 4])> {
    let mut departments: Vec<(&str, [u64; 4])> = Vec::new();
    for row in rows {
        match departments.last_mut() {
            Some((name, totals)) if name_order(name, &row.department).is_eq() => {
                for (total, n) in totals.iter_mut().zip(row.quarters()) {
                    *total += n;
                }
            }
            _ => departments.push((&row.department, row.quarters())),
        }
    }
    departments
}
