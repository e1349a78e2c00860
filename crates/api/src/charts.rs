//! The reports drawn as SVG charts (plotters, SVG backend only).

use hiring_domain::{name_order, DepartmentHires, QuarterHires, ReportYear};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const SIZE: (u32, u32) = (1024, 576);
const QUARTER_COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
];
const BAR_COLOR: RGBColor = RGBColor(31, 119, 180);
const MEAN_COLOR: RGBColor = RGBColor(214, 39, 40);

/// Why a chart could not be drawn (a bug: drawing into a string does not fail otherwise).
pub(crate) type ChartError = String;

/// Grouped bars: per department (summed over its jobs, in the report's order), one bar per
/// quarter.
pub(crate) fn hires_by_quarter(
    rows: &[QuarterHires],
    year: ReportYear,
) -> Result<String, ChartError> {
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
    let names: Vec<&str> = departments.iter().map(|(name, _)| *name).collect();
    let max = departments
        .iter()
        .flat_map(|(_, q)| q.iter().copied())
        .max()
        .unwrap_or(0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = axes(
            &root,
            &format!("Hires by quarter and department, {year}"),
            &names,
            max,
        )?;
        for (quarter, color) in QUARTER_COLORS.iter().enumerate() {
            let bars = departments.iter().enumerate().map(|(i, (_, counts))| {
                let left = i as f64 - 0.4 + 0.2 * quarter as f64;
                Rectangle::new(
                    [(left, 0.0), (left + 0.2, counts[quarter] as f64)],
                    color.filled(),
                )
            });
            chart
                .draw_series(bars)
                .map_err(|e| e.to_string())?
                .label(format!("Q{}", quarter + 1))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                });
        }
        legend(&mut chart)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Bars of each listed department's hires, and a line at the mean per department.
pub(crate) fn departments_above_mean(
    rows: &[DepartmentHires],
    mean: f64,
    year: ReportYear,
) -> Result<String, ChartError> {
    let names: Vec<&str> = rows.iter().map(|r| r.department.as_str()).collect();
    let max = rows.iter().map(|r| r.hired).max().unwrap_or(0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let top = (max as f64).max(mean);
        let mut chart = axes(
            &root,
            &format!("Departments hiring above the mean, {year}"),
            &names,
            top.ceil() as u64,
        )?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, row)| {
                let left = i as f64 - 0.3;
                Rectangle::new(
                    [(left, 0.0), (left + 0.6, row.hired as f64)],
                    BAR_COLOR.filled(),
                )
            }))
            .map_err(|e| e.to_string())?
            .label("hired")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], BAR_COLOR.filled()));
        let (left, right) = span(names.len());
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(left, mean), (right, mean)],
                MEAN_COLOR.stroke_width(2),
            )))
            .map_err(|e| e.to_string())?
            .label(format!("mean per department: {mean:.2}"))
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 10, y)], MEAN_COLOR.stroke_width(2))
            });
        legend(&mut chart)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// The category labels' font size, in pixels.
const LABEL_SIZE: u32 = 12;
/// About how wide one character of a label draws (sans-serif at [`LABEL_SIZE`]).
const LABEL_CHAR_WIDTH: f64 = 6.5;
/// Labels longer than this are cut (with an ellipsis) when they are drawn turned.
const TURNED_LABEL_CHARS: usize = 30;
/// The chart's margin and y label area, in pixels.
const MARGIN: u32 = 16;
const Y_LABEL_AREA: u32 = 48;

/// The category labels under the x axis: level when each fits its slot, else turned upright
/// (cut to [`TURNED_LABEL_CHARS`]) over a label area tall enough for the longest.
#[derive(Debug, PartialEq)]
struct XLabels {
    texts: Vec<String>,
    turned: bool,
    area: u32,
}

impl XLabels {
    fn fit(names: &[&str]) -> Self {
        let plot_width = f64::from(SIZE.0 - 2 * MARGIN - Y_LABEL_AREA);
        let slot = plot_width / names.len().max(1) as f64;
        let chars = |text: &str| text.chars().count();
        let widest = names.iter().map(|n| chars(n)).max().unwrap_or(0);
        if widest as f64 * LABEL_CHAR_WIDTH + 8.0 <= slot {
            return Self {
                texts: names.iter().map(|n| (*n).to_owned()).collect(),
                turned: false,
                area: 40,
            };
        }
        let texts: Vec<String> = names
            .iter()
            .map(|n| {
                if chars(n) <= TURNED_LABEL_CHARS {
                    (*n).to_owned()
                } else {
                    let mut cut: String = n.chars().take(TURNED_LABEL_CHARS - 1).collect();
                    cut.push('…');
                    cut
                }
            })
            .collect();
        let longest = texts.iter().map(|t| chars(t)).max().unwrap_or(0);
        Self {
            texts,
            turned: true,
            area: (longest as f64 * LABEL_CHAR_WIDTH).ceil() as u32 + 16,
        }
    }
}

/// The x range: one unit per category, centred on 0, 1, 2...
fn span(categories: usize) -> (f64, f64) {
    (-0.5, categories.max(1) as f64 - 0.5)
}

/// A chart with one x position per name (labelled with it) and counts up to `max` on y.
fn axes<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    title: &str,
    names: &[&str],
    max: u64,
) -> Result<Chart<'a, 'b>, ChartError> {
    let (left, right) = span(names.len());
    let top = (max.max(1) as f64) * 1.1;
    let labels = XLabels::fit(names);
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 22))
        .margin(MARGIN)
        .x_label_area_size(labels.area)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(left..right, 0.0..top)
        .map_err(|e| e.to_string())?;
    let font = ("sans-serif", LABEL_SIZE).into_font();
    // Turned labels are drawn below (the mesh would centre them on their tick, half inside
    // the plot); level ones by the mesh.
    let level = (!labels.turned).then(|| labels.texts.clone());
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_label_style(font.clone())
        .x_labels(names.len().max(1))
        .x_label_formatter(&move |x: &f64| {
            let nearest = x.round();
            if (x - nearest).abs() > 1e-6 || nearest < 0.0 {
                return String::new();
            }
            level
                .as_ref()
                .and_then(|texts| texts.get(nearest as usize).cloned())
                .unwrap_or_default()
        })
        .y_label_formatter(&|y: &f64| {
            if y.fract().abs() < 1e-6 {
                format!("{y:.0}")
            } else {
                String::new()
            }
        })
        .y_desc("hires")
        .draw()
        .map_err(|e| e.to_string())?;
    if labels.turned {
        // Reading downwards from just under each tick.
        let style = TextStyle::from(font)
            .transform(FontTransform::Rotate90)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (i, text) in labels.texts.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(i as f64, 0.0));
            root.draw(&Text::new(text.as_str(), (x, y + 8), &style))
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(chart)
}

fn legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>) -> Result<(), ChartError> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hiring_domain::Id;

    #[test]
    fn labels_turn_upright_when_they_would_overlap_and_long_ones_are_cut() {
        let level = XLabels::fit(&["Sales", "Support", "Legal"]);
        assert!(!level.turned);
        assert_eq!(level.texts, ["Sales", "Support", "Legal"]);

        // Twelve departments, as in the shipped files: "Research and Development" is wider
        // than its slot of about 80 px.
        let mut names = vec!["Research and Development"; 11];
        let long = "x".repeat(255);
        names.push(&long);
        let turned = XLabels::fit(&names);
        assert!(turned.turned);
        assert_eq!(turned.texts[0], "Research and Development");
        assert_eq!(turned.texts[11].chars().count(), TURNED_LABEL_CHARS);
        assert!(turned.texts[11].ends_with('…'));
        assert!(turned.area > 30 * 6, "{}", turned.area);
        let svg = departments_above_mean(&[], 0.0, ReportYear::DEFAULT).unwrap();
        assert!(svg.starts_with("<svg"));
    }

    #[test]
    fn charts_are_svg_documents_naming_the_departments() {
        let rows = [
            QuarterHires {
                department: "R&D <north>".into(),
                job: "Engineer".into(),
                q1: 1,
                q2: 0,
                q3: 4,
                q4: 2,
            },
            QuarterHires {
                department: "R&D <north>".into(),
                job: "Manager".into(),
                q1: 1,
                q2: 0,
                q3: 0,
                q4: 0,
            },
        ];
        let svg = hires_by_quarter(&rows, ReportYear::DEFAULT).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("R&amp;D &lt;north&gt;"), "{svg}");
        assert!(svg.contains("Q4"));
        let svg = hires_by_quarter(&[], ReportYear::DEFAULT).unwrap();
        assert!(svg.starts_with("<svg"));

        let rows = [DepartmentHires {
            id: Id::new(1).unwrap(),
            department: "Support".into(),
            hired: 9,
        }];
        let svg = departments_above_mean(&rows, 4.5, ReportYear::DEFAULT).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("Support"), "{svg}");
        assert!(svg.contains("4.50"));
        assert!(departments_above_mean(&[], 0.0, ReportYear::DEFAULT)
            .unwrap()
            .starts_with("<svg"));
    }
}
