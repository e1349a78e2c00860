//! What both charts share: a small SVG writer (escaped text, `<title>` tooltips, a light theme
//! in presentation attributes that an inline `@media (prefers-color-scheme: dark)` rule turns
//! dark), the horizontal layout (names on the left, counts along the bottom) and the
//! "No hires" chart.

use std::fmt::Write as _;

/// The chart's width in pixels; the console scales it down to the card (phones included).
pub(super) const WIDTH: f64 = 600.0;
/// Left, right and bottom margin.
const MARGIN: f64 = 16.0;
/// Font sizes, in pixels: never under 12.
pub(super) const TITLE_SIZE: u32 = 18;
pub(super) const TEXT_SIZE: u32 = 13;
pub(super) const SMALL_SIZE: u32 = 12;
/// About how wide one character draws at [`TEXT_SIZE`] (sans-serif).
const CHAR_WIDTH: f64 = 7.2;
/// Names longer than this are cut with an ellipsis (the full name is the label's tooltip).
pub(super) const NAME_CHARS: usize = 24;
/// One department's row, and its bar's thickness.
pub(super) const ROW_HEIGHT: f64 = 28.0;
pub(super) const BAR_HEIGHT: f64 = 18.0;
/// Where the plot starts under the title and legend.
const PLOT_TOP: f64 = 84.0;
/// Room for a value label after the longest bar.
const VALUE_ROOM: f64 = 48.0;

/// Ink colours (light theme; the style block darkens them).
const INK: &str = "#1b1f24";
const MUTED_INK: &str = "#4a5561";
const GRID: &str = "#c9d1da";
const PAPER: &str = "#ffffff";

/// The dark theme, over the presentation attributes: a rule the viewer may ignore (the chart
/// then stays light and readable).
const DARK_STYLE: &str = "@media (prefers-color-scheme: dark) {\
.paper{fill:#1b1f24}.ink{fill:#e6e9ed}.muted-ink{fill:#aeb8c3}.grid{stroke:#3f4954}\
.axis{stroke:#aeb8c3}.above{fill:#6fa8dc}.below{fill:#5b6673}.value{stroke:#1b1f24}}";

/// `text` safe inside an SVG element or a quoted attribute.
pub(super) fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

/// A name as drawn: cut to [`NAME_CHARS`] with an ellipsis.
pub(super) fn short_name(name: &str) -> String {
    if name.chars().count() <= NAME_CHARS {
        return name.to_owned();
    }
    let mut cut: String = name.chars().take(NAME_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// A tick step (1, 2 or 5 times a power of ten) giving about five ticks up to `max`, and the
/// axis' end (a multiple of the step, at least `max`, at least one step).
pub(super) fn ticks(max: u64) -> (u64, u64) {
    let mut magnitude: u64 = 1;
    loop {
        for factor in [1, 2, 5] {
            let step = magnitude.saturating_mul(factor);
            if step.saturating_mul(5) >= max || step == u64::MAX {
                let end = max.div_ceil(step).max(1).saturating_mul(step);
                return (step, end);
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

/// Where things go in a chart of one row per name.
pub(super) struct Layout {
    /// The plot's left and right edges (0 and the axis' end).
    pub left: f64,
    pub right: f64,
    /// The plot's top edge (first row).
    pub top: f64,
    /// The axis' end and its tick step.
    pub end: u64,
    pub step: u64,
    rows: usize,
}

impl Layout {
    /// `rows` rows named from `names`, counts up to `max`.
    pub fn new<'a>(names: impl Iterator<Item = &'a str>, rows: usize, max: u64) -> Self {
        let widest = names
            .map(|n| n.chars().count().min(NAME_CHARS))
            .max()
            .unwrap_or(0);
        let (step, end) = ticks(max);
        Self {
            left: MARGIN + (widest as f64 * CHAR_WIDTH).ceil() + 10.0,
            right: WIDTH - MARGIN - VALUE_ROOM,
            top: PLOT_TOP,
            end,
            step,
            rows,
        }
    }

    /// The x of a count.
    pub fn x(&self, count: f64) -> f64 {
        self.left + (self.right - self.left) * count / self.end as f64
    }

    /// The top of row `i`'s bar.
    pub fn bar_top(&self, i: usize) -> f64 {
        self.top + i as f64 * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2.0
    }

    /// The baseline of a [`TEXT_SIZE`] text centred on row `i`.
    pub fn row_baseline(&self, i: usize) -> f64 {
        self.top + i as f64 * ROW_HEIGHT + ROW_HEIGHT / 2.0 + f64::from(TEXT_SIZE) * 0.35
    }

    /// The plot's bottom edge (under the last row).
    pub fn bottom(&self) -> f64 {
        self.top + self.rows as f64 * ROW_HEIGHT
    }

    /// The whole chart's height: the rows, the tick labels and the axis description.
    pub fn height(&self) -> f64 {
        self.bottom() + 48.0 + MARGIN / 2.0
    }
}

/// An SVG document being written.
pub(super) struct Svg {
    out: String,
}

impl Svg {
    /// Opens a `WIDTH` × `height` document titled `title` (its accessible name), on paper.
    pub fn new(height: f64, title: &str) -> Self {
        let escaped = escape(title);
        let mut out = String::new();
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
             viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" \
             font-family=\"system-ui, 'DejaVu Sans', sans-serif\">\n\
             <title>{escaped}</title>\n<style>{DARK_STYLE}</style>\n\
             <rect class=\"paper\" width=\"100%\" height=\"100%\" fill=\"{PAPER}\"/>\n"
        );
        let mut svg = Self { out };
        svg.text(
            WIDTH / 2.0,
            28.0,
            Text::new(title, TITLE_SIZE).anchor("middle").bold(),
        );
        svg
    }

    /// A filled rectangle, with a tooltip when `tip` is some.
    pub fn rect(
        &mut self,
        (x, y, w, h): (f64, f64, f64, f64),
        fill: &str,
        class: Option<&str>,
        tip: Option<&str>,
    ) {
        let class = class.map(|c| format!(" class=\"{c}\"")).unwrap_or_default();
        let _ = write!(
            self.out,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{fill}\"{class}"
        );
        self.close("rect", tip);
    }

    /// A line from `(x1, y1)` to `(x2, y2)`.
    pub fn line(
        &mut self,
        (x1, y1): (f64, f64),
        (x2, y2): (f64, f64),
        stroke: &str,
        class: &str,
        extra: &str,
    ) {
        let _ = writeln!(
            self.out,
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{stroke}\" \
             class=\"{class}\"{extra}/>"
        );
    }

    /// A text at `(x, y)` (its baseline).
    pub fn text(&mut self, x: f64, y: f64, text: Text<'_>) {
        let content = escape(text.content);
        let weight = if text.bold {
            " font-weight=\"bold\""
        } else {
            ""
        };
        let (fill, class) = if text.muted {
            (MUTED_INK, "muted-ink")
        } else {
            (INK, "ink")
        };
        // A value may sit over a line (the mean): a ring of paper keeps it readable.
        let halo = if text.role == "value" {
            " stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\""
        } else {
            ""
        };
        let _ = write!(
            self.out,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{}\" text-anchor=\"{}\" fill=\"{fill}\" \
             class=\"{class} {}\"{weight}{halo}>{content}",
            text.size, text.anchor, text.role
        );
        if let Some(tip) = text.tip {
            let _ = write!(self.out, "<title>{}</title>", escape(tip));
        }
        self.out.push_str("</text>\n");
    }

    /// A legend entry's swatch and words at `x` on the legend's row; answers where the next
    /// entry starts.
    pub fn legend_entry(&mut self, x: f64, fill: &str, class: Option<&str>, words: &str) -> f64 {
        let y = 52.0;
        self.rect((x, y - 11.0, 12.0, 12.0), fill, class, None);
        self.text(x + 17.0, y, Text::new(words, TEXT_SIZE));
        x + 17.0 + words.chars().count() as f64 * CHAR_WIDTH + 16.0
    }

    /// A legend entry drawn as a short line (`extra`: more attributes of the line); answers
    /// where the next entry starts.
    pub fn legend_line(&mut self, x: f64, stroke: &str, extra: &str, words: &str) -> f64 {
        let y = 52.0;
        self.line(
            (x, y - 5.0),
            (x + 16.0, y - 5.0),
            stroke,
            "legend-line",
            extra,
        );
        self.text(x + 21.0, y, Text::new(words, TEXT_SIZE));
        x + 21.0 + words.chars().count() as f64 * CHAR_WIDTH + 16.0
    }

    /// The count axis under the plot: a grid line and a label per tick, and the description.
    pub fn count_axis(&mut self, layout: &Layout, description: &str) {
        let bottom = layout.bottom();
        let mut tick = 0;
        while tick <= layout.end {
            let x = layout.x(tick as f64);
            self.line((x, layout.top), (x, bottom), GRID, "grid", "");
            self.text(
                x,
                bottom + 17.0,
                Text::new(&tick.to_string(), SMALL_SIZE)
                    .anchor("middle")
                    .muted(),
            );
            tick += layout.step;
        }
        self.line(
            (layout.left, layout.top),
            (layout.left, bottom),
            MUTED_INK,
            "axis",
            "",
        );
        let middle = (layout.left + layout.right) / 2.0;
        self.text(
            middle,
            bottom + 38.0,
            Text::new(description, TEXT_SIZE).anchor("middle"),
        );
    }

    /// The department names, right-aligned left of the plot, one per row (full name as tooltip).
    pub fn names<'a>(&mut self, layout: &Layout, names: impl Iterator<Item = &'a str>) {
        for (i, name) in names.enumerate() {
            let short = short_name(name);
            let tip = (short != name).then_some(name);
            let mut text = Text::new(&short, TEXT_SIZE).anchor("end").role("name");
            text.tip = tip;
            self.text(layout.left - 8.0, layout.row_baseline(i), text);
        }
    }

    /// A value label just after a bar ending at `end` on row `i`.
    pub fn value(&mut self, layout: &Layout, i: usize, end: f64, value: u64) {
        self.text(
            end + 5.0,
            layout.row_baseline(i),
            Text::new(&value.to_string(), TEXT_SIZE)
                .bold()
                .role("value"),
        );
    }

    /// Closes an element opened with its attributes written: with a `<title>` child when `tip`
    /// is some.
    fn close(&mut self, element: &str, tip: Option<&str>) {
        match tip {
            Some(tip) => {
                let _ = writeln!(self.out, "><title>{}</title></{element}>", escape(tip));
            }
            None => self.out.push_str("/>\n"),
        }
    }

    /// The finished document.
    pub fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}

/// A text to draw, and how.
pub(super) struct Text<'a> {
    content: &'a str,
    size: u32,
    anchor: &'static str,
    role: &'static str,
    bold: bool,
    muted: bool,
    tip: Option<&'a str>,
}

impl<'a> Text<'a> {
    pub fn new(content: &'a str, size: u32) -> Self {
        Self {
            content,
            size,
            anchor: "start",
            role: "label",
            bold: false,
            muted: false,
            tip: None,
        }
    }

    pub fn anchor(mut self, anchor: &'static str) -> Self {
        self.anchor = anchor;
        self
    }

    /// A class naming what the text is (`name`, `value`, `label`…), for tests and styling.
    pub fn role(mut self, role: &'static str) -> Self {
        self.role = role;
        self
    }

    pub fn bold(mut self) -> Self {
        self.bold = true;
        self
    }

    pub fn muted(mut self) -> Self {
        self.muted = true;
        self
    }
}

/// A chart with nothing to draw: its title and "No hires in `year`".
pub(super) fn no_hires(title: &str, year: impl std::fmt::Display) -> String {
    let mut svg = Svg::new(140.0, title);
    svg.text(
        WIDTH / 2.0,
        90.0,
        Text::new(&format!("No hires in {year}"), 16)
            .anchor("middle")
            .role("empty"),
    );
    svg.finish()
}
