//! Departments against the mean: one horizontal bar per department (all of them, by hires
//! descending), those above the mean highlighted, the others muted, and the mean as a dashed
//! vertical line across every row, labelled with its value.

use super::common::{no_hires, Layout, Svg, Text, BAR_HEIGHT, SMALL_SIZE};
use hiring_domain::ReportYear;
use hiring_ports::reports::AboveMean;

/// Bars of the departments above the mean, and of the others.
const ABOVE_COLOR: &str = "#1f4e79";
const BELOW_COLOR: &str = "#aab4bf";
const MEAN_COLOR: &str = "#d62728";
const MEAN_STROKE: &str = " stroke-width=\"2\" stroke-dasharray=\"6 4\"";

/// The chart of [`hiring_ports::reports::departments_above_mean`]'s answer.
pub(crate) fn departments_above_mean(report: &AboveMean, year: ReportYear) -> String {
    let title = format!("Hires per department against the mean, {year}");
    let max = report.all.iter().map(|d| d.hired).max().unwrap_or(0);
    if max == 0 {
        return no_hires(&title, year);
    }
    let mean = report.mean;
    let layout = Layout::new(
        report.all.iter().map(|d| d.department.as_str()),
        report.all.len(),
        max.max(mean.ceil() as u64),
    );
    let mut svg = Svg::new(layout.height(), &title);
    let x = svg.legend_entry(layout.left, ABOVE_COLOR, Some("above"), "above the mean");
    let x = svg.legend_entry(x, BELOW_COLOR, Some("below"), "at or below");
    svg.legend_line(x, MEAN_COLOR, MEAN_STROKE, &format!("mean {mean:.2}"));
    svg.count_axis(&layout, &format!("hires in {year}"));
    svg.names(&layout, report.all.iter().map(|d| d.department.as_str()));
    for (i, department) in report.all.iter().enumerate() {
        let above = report.departments.iter().any(|d| d.id == department.id);
        let (color, class, relation) = if above {
            (ABOVE_COLOR, "above", "above")
        } else {
            (BELOW_COLOR, "below", "at or below")
        };
        let end = layout.x(department.hired as f64);
        let tip = format!(
            "{}: {} ({relation} the mean, {mean:.2})",
            department.department, department.hired
        );
        svg.rect(
            (
                layout.left,
                layout.bar_top(i),
                end - layout.left,
                BAR_HEIGHT,
            ),
            color,
            Some(class),
            Some(&tip),
        );
    }
    let x = layout.x(mean);
    svg.line(
        (x, layout.top - 4.0),
        (x, layout.bottom()),
        MEAN_COLOR,
        "mean",
        MEAN_STROKE,
    );
    // The values last, over the mean line.
    for (i, department) in report.all.iter().enumerate() {
        let end = layout.x(department.hired as f64);
        svg.value(&layout, i, end, department.hired);
    }
    svg.text(
        x,
        layout.top - 8.0,
        Text::new(&format!("mean {mean:.2}"), SMALL_SIZE)
            .anchor("middle")
            .bold()
            .role("mean-label"),
    );
    svg.finish()
}
