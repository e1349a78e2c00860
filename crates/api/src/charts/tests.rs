use super::*;
use hiring_domain::{DepartmentHires, Id, QuarterHires, ReportYear};
use hiring_ports::reports::AboveMean;

fn quarter(department: &str, job: &str, [q1, q2, q3, q4]: [u64; 4]) -> QuarterHires {
    QuarterHires {
        department: department.into(),
        job: job.into(),
        q1,
        q2,
        q3,
        q4,
    }
}

fn dept(id: i64, department: &str, hired: u64) -> DepartmentHires {
    DepartmentHires {
        id: Id::new(id).unwrap(),
        department: department.into(),
        hired,
    }
}

/// Every `name="…"` attribute's value in `svg`.
fn attributes<'a>(svg: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(" {name}=\"");
    svg.match_indices(&needle)
        .map(|(at, _)| {
            let rest = &svg[at + needle.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

/// The texts of the `<text>` elements of class `role`, tooltip excluded.
fn texts<'a>(svg: &'a str, role: &str) -> Vec<&'a str> {
    let class = format!(" {role}\"");
    svg.split("<text ")
        .skip(1)
        .filter(|t| t[..t.find('>').unwrap()].contains(&class))
        .map(|t| {
            let body = &t[t.find('>').unwrap() + 1..];
            &body[..body.find('<').unwrap()]
        })
        .collect()
}

/// Checks what every chart must be: SVG, texts of 12 px or more, nothing turned.
fn readable(svg: &str) {
    assert!(
        svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
        "{svg}"
    );
    let sizes = attributes(svg, "font-size");
    assert!(!sizes.is_empty());
    for size in sizes {
        assert!(size.parse::<f64>().unwrap() >= 12.0, "font-size {size}");
    }
    assert!(!svg.contains("rotate("), "{svg}");
    assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
}

fn shipped_like() -> Vec<QuarterHires> {
    vec![
        quarter("R&D <north>", "Engineer", [1, 0, 4, 2]),
        quarter("R&D <north>", "Manager", [1, 0, 0, 0]),
        quarter(
            "Research and Development of Very Long Names",
            "Analyst",
            [0, 3, 0, 0],
        ),
        quarter("Support", "Agent", [5, 6, 7, 8]),
    ]
}

#[test]
fn hires_by_quarter_stacks_the_quarters_with_the_total_at_the_end() {
    let svg = hires_by_quarter(&shipped_like(), ReportYear::DEFAULT);
    readable(&svg);
    assert_eq!(
        texts(&svg, "name"),
        [
            "R&amp;D &lt;north&gt;",
            "Research and Developmen…",
            "Support"
        ]
    );
    assert!(svg.contains("<title>Research and Development of Very Long Names</title>"));
    assert_eq!(texts(&svg, "value"), ["8", "3", "26"]);
    // One segment per quarter with hires, each with its tooltip.
    assert_eq!(svg.matches("class=\"segment\"").count(), 3 + 1 + 4);
    assert!(
        svg.contains("<title>R&amp;D &lt;north&gt; — Q3: 4</title>"),
        "{svg}"
    );
    assert!(svg.contains("<title>Support — Q4: 8</title>"));
    for q in ["Q1", "Q2", "Q3", "Q4"] {
        assert_eq!(
            texts(&svg, "label").iter().filter(|t| **t == q).count(),
            1,
            "{q}"
        );
    }
}

#[test]
fn the_chart_grows_with_the_departments() {
    let few = hires_by_quarter(&shipped_like(), ReportYear::DEFAULT);
    let rows: Vec<QuarterHires> = (0..40)
        .map(|i| quarter(&format!("Department {i:02}"), "Job", [1, 1, 1, i]))
        .collect();
    let many = hires_by_quarter(&rows, ReportYear::DEFAULT);
    readable(&many);
    let height = |svg: &str| attributes(svg, "height")[0].parse::<f64>().unwrap();
    assert!(
        height(&many) >= height(&few) + 37.0 * 28.0,
        "{}",
        height(&many)
    );
    assert_eq!(texts(&many, "value").len(), 40);
    // The width stays, for the console to scale.
    assert_eq!(attributes(&many, "width")[0], attributes(&few, "width")[0]);
}

#[test]
fn an_empty_year_says_so_instead_of_drawing_empty_axes() {
    let year = ReportYear::parse("1999").unwrap();
    let svg = hires_by_quarter(&[], year);
    readable(&svg);
    assert_eq!(texts(&svg, "empty"), ["No hires in 1999"]);
    assert!(!svg.contains("class=\"grid\""));

    let nobody = AboveMean {
        mean: 0.0,
        departments: vec![],
        all: vec![dept(1, "Sales", 0), dept(2, "Support", 0)],
    };
    let svg = departments_above_mean(&nobody, year);
    readable(&svg);
    assert_eq!(texts(&svg, "empty"), ["No hires in 1999"]);
    let none = AboveMean {
        mean: 0.0,
        departments: vec![],
        all: vec![],
    };
    assert!(departments_above_mean(&none, year).contains("No hires in 1999"));
}

#[test]
fn above_mean_shows_every_department_and_the_mean_across_them() {
    // 9 + 9 + 4 + 3 + 0 = 25 over 5: the mean is 5.
    let report = AboveMean {
        mean: 5.0,
        departments: vec![dept(2, "Two", 9), dept(4, "Four", 9)],
        all: vec![
            dept(2, "Two", 9),
            dept(4, "Four", 9),
            dept(3, "Three", 4),
            dept(1, "One", 3),
            dept(5, "Empty", 0),
        ],
    };
    let svg = departments_above_mean(&report, ReportYear::DEFAULT);
    readable(&svg);
    assert_eq!(
        texts(&svg, "name"),
        ["Two", "Four", "Three", "One", "Empty"]
    );
    assert_eq!(texts(&svg, "value"), ["9", "9", "4", "3", "0"]);
    // The legend's swatches, the two bars above the mean and the three at or below it.
    assert_eq!(svg.matches("class=\"above\"").count(), 1 + 2);
    assert_eq!(svg.matches("class=\"below\"").count(), 1 + 3);
    assert!(svg.contains("<title>Three: 4 (at or below the mean, 5.00)</title>"));
    assert!(svg.contains("<title>Two: 9 (above the mean, 5.00)</title>"));
    assert_eq!(texts(&svg, "mean-label"), ["mean 5.00"]);

    // The mean line crosses every row: from above the first bar to under the last.
    let line = svg
        .split("<line ")
        .find(|l| l.contains("class=\"mean\""))
        .map(|l| format!(" {l}"))
        .unwrap();
    let attribute = |name: &str| attributes(&line, name)[0].parse::<f64>().unwrap();
    assert_eq!(attribute("x1"), attribute("x2"));
    let bar_tops: Vec<f64> = svg
        .split("<rect ")
        .filter(|r| r.contains("class=\"above\"") || r.contains("class=\"below\""))
        .filter(|r| r.contains("<title>"))
        .map(|r| attributes(&format!(" {r}"), "y")[0].parse().unwrap())
        .collect();
    assert_eq!(bar_tops.len(), 5);
    assert!(attribute("y1") <= bar_tops[0]);
    assert!(attribute("y2") >= bar_tops[4] + 18.0);
}

#[test]
fn ticks_are_round_and_reach_the_largest_count() {
    assert_eq!(common::ticks(1), (1, 1));
    assert_eq!(common::ticks(5), (1, 5));
    assert_eq!(common::ticks(7), (2, 8));
    assert_eq!(common::ticks(26), (10, 30));
    assert_eq!(common::ticks(96), (20, 100));
    assert_eq!(common::ticks(1234), (500, 1500));
    assert!(common::ticks(u64::MAX).1 >= u64::MAX / 2);
}
