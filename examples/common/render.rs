//! How the demos show things to people: one label per failure, colours, status marks and tables.
//!
//! Text is styled with [`anstyle`] unconditionally and written through [`anstream`], which drops
//! the styling where it does not belong (a pipe, a file, `NO_COLOR`). Tables are laid out by
//! [`tabled`], which measures cells as a terminal shows them (Unicode width; colour codes count
//! for nothing).

use std::fmt;
use std::io::IsTerminal as _;

use anstyle::{AnsiColor, Style};
use tabled::grid::config::ColoredConfig;
use tabled::grid::dimension::{CompleteDimension, Estimate as _};
use tabled::grid::records::vec_records::{Text, VecRecords};
use tabled::settings::object::Columns;
use tabled::settings::{Alignment, Padding, TableOption};
use wpj::{JoinFailure, Status};
use wpj_testkit::Expected;

/// Headings.
pub(crate) const BOLD: Style = Style::new().bold();
/// What matters less: stages, evidence, notes.
pub(crate) const DIM: Style = Style::new().dimmed();
/// Failures.
pub(crate) const RED: Style = AnsiColor::Red.on_default().bold();
/// Success.
pub(crate) const GREEN: Style = AnsiColor::Green.on_default();
/// Warnings.
pub(crate) const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
/// The tool's own trouble.
pub(crate) const MAGENTA: Style = AnsiColor::Magenta.on_default().bold();

/// `text` in `style` (the styling is dropped on output where it does not belong).
pub(crate) fn paint(style: Style, text: impl fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}

/// How every demo names a failure: the code Windows logs for it — the HRESULT (`0x80072F8A`:
/// upper case, eight digits), or `HTTP 404` for a failure that has only an HTTP status — then its
/// name: `0x80072F8A cert-revoked`, `HTTP 404 contract-not-found`, or the name alone for a
/// failure with neither (`device-cap-reached`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Label(JoinFailure);

/// The label of `failure`.
pub(crate) fn label(failure: JoinFailure) -> Label {
    Label(failure)
}

impl Label {
    /// The code alone: `0x80072F8A`, `HTTP 404`, or the name when there is neither.
    pub(crate) fn code(self) -> String {
        match (self.0.hresult(), self.0.http_status()) {
            (Some(h), _) => h.to_string(),
            (None, Some(status)) => format!("HTTP {status}"),
            (None, None) => self.0.code().to_owned(),
        }
    }

    /// The support article, `KB3045383`, when there is one.
    pub(crate) fn kb(self) -> Option<String> {
        self.0.kb().map(|kb| kb.to_string())
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.0.code();
        if self.0.hresult().is_some() || self.0.http_status().is_some() {
            write!(f, "{} {name}", self.code())
        } else {
            f.write_str(name)
        }
    }
}

/// What a lab scenario expects, or what a diagnosis concluded, in the same words: `healthy`,
/// `warning`, `farm-health`, a failure's [`label`], or `sign-in ` and the label of a failure
/// after sign-in.
pub(crate) fn outcome(expected: Expected) -> String {
    match expected {
        Expected::Healthy => "healthy".to_owned(),
        Expected::Warning => "warning".to_owned(),
        Expected::FarmHealth => "farm-health".to_owned(),
        Expected::Failure(f) => label(f).to_string(),
        Expected::SignIn(f) => format!("sign-in {}", label(f)),
    }
}

/// Symbols or tags for statuses: symbols on a terminal, `[PASS]`-style tags elsewhere (files and
/// pipes are read by tools and by `grep`). Colour is decided on output, not here.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Marks {
    pub(crate) unicode: bool,
}

impl Marks {
    /// Symbols when standard output is a terminal.
    pub(crate) fn detect() -> Self {
        Self {
            unicode: std::io::stdout().is_terminal(),
        }
    }

    /// Tags (files, pipes, tests).
    pub(crate) const PLAIN: Self = Self { unicode: false };

    /// The status mark, painted: `✔ ✘ ! – ?` or `[PASS]`, `[FAIL]`, `[WARN]`, `[SKIP]`, `[ERR ]`.
    pub(crate) fn status(self, status: Status) -> String {
        let (symbol, tag, style) = match status {
            Status::Pass => ("✔", "[PASS]", GREEN),
            Status::Warn => ("!", "[WARN]", YELLOW),
            Status::Fail => ("✘", "[FAIL]", RED),
            Status::Skipped => ("–", "[SKIP]", DIM),
            Status::Error => ("?", "[ERR ]", MAGENTA),
        };
        paint(style, if self.unicode { symbol } else { tag })
    }

    /// Whether something came out as it should: `✔`/`yes`, `✘`/`NO`.
    pub(crate) fn matches(self, ok: bool) -> String {
        match (ok, self.unicode) {
            (true, true) => paint(GREEN, "✔"),
            (true, false) => "yes".to_owned(),
            (false, true) => paint(RED, "✘"),
            (false, false) => paint(RED, "NO"),
        }
    }
}

/// A table as the demos print them: no borders, columns two spaces apart unless told otherwise,
/// each as wide as its widest cell (or its minimum), the last one unpadded, no trailing blanks.
#[derive(Debug, Default)]
pub(crate) struct Table {
    rows: Vec<Vec<String>>,
    indent: usize,
    gaps: Vec<(usize, usize)>,
    right: Vec<usize>,
    min_widths: Vec<usize>,
}

impl Table {
    /// An empty table.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Spaces before the first column.
    pub(crate) fn indent(mut self, spaces: usize) -> Self {
        self.indent = spaces;
        self
    }

    /// Spaces after `column` (2 unless set).
    pub(crate) fn gap(mut self, column: usize, spaces: usize) -> Self {
        self.gaps.push((column, spaces));
        self
    }

    /// Aligns `column` to the right (numbers, durations).
    pub(crate) fn right(mut self, column: usize) -> Self {
        self.right.push(column);
        self
    }

    /// The least width of each column, first column first: rows printed one at a time then line
    /// up with each other.
    pub(crate) fn min_widths(mut self, widths: &[usize]) -> Self {
        widths.clone_into(&mut self.min_widths);
        self
    }

    /// Adds a row.
    pub(crate) fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// Adds a row, builder style.
    pub(crate) fn with_row<S: Into<String>>(mut self, cells: impl IntoIterator<Item = S>) -> Self {
        self.row(cells);
        self
    }

    /// The table, a line per row, each ending in a newline.
    pub(crate) fn render(&self) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        if columns == 0 {
            return String::new();
        }
        let mut builder = tabled::builder::Builder::new();
        for row in &self.rows {
            let mut row = row.clone();
            row.resize(columns, String::new());
            builder.push_record(row);
        }
        let mut table = builder.build();
        table.with(tabled::settings::Style::empty());
        let mut widths = Vec::with_capacity(columns);
        for column in 0..columns {
            let left = if column == 0 { self.indent } else { 0 };
            let right = if column + 1 == columns {
                0
            } else {
                self.gaps
                    .iter()
                    .rev()
                    .find(|(c, _)| *c == column)
                    .map_or(2, |(_, gap)| *gap)
            };
            table.modify(Columns::one(column), Padding::new(left, right, 0, 0));
            // tabled's widths include the padding.
            let least = self.min_widths.get(column).copied().unwrap_or(0);
            widths.push(least + left + right);
        }
        for &column in &self.right {
            table.modify(Columns::one(column), Alignment::right());
        }
        if !self.min_widths.is_empty() {
            table.with(MinWidths(widths));
        }
        let mut out = String::new();
        for line in table.to_string().lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Widens columns to at least the given widths (tabled's own `MinWidth` pads a cell's text, which
/// undoes its alignment).
struct MinWidths(Vec<usize>);

impl TableOption<VecRecords<Text<String>>, ColoredConfig, CompleteDimension> for MinWidths {
    fn change(
        self,
        records: &mut VecRecords<Text<String>>,
        cfg: &mut ColoredConfig,
        dims: &mut CompleteDimension,
    ) {
        dims.estimate(&*records, cfg);
        let Some(widths) = dims.get_widths() else {
            return;
        };
        let widths = widths
            .iter()
            .enumerate()
            .map(|(i, w)| (*w).max(self.0.get(i).copied().unwrap_or(0)))
            .collect();
        dims.set_widths(widths);
    }

    fn hint_change(&self) -> Option<tabled::grid::config::Entity> {
        None // the widths just set are final
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(
            label(JoinFailure::CertRevoked).to_string(),
            "0x80072F8A cert-revoked"
        );
        assert_eq!(label(JoinFailure::CertRevoked).code(), "0x80072F8A");
        assert_eq!(
            label(JoinFailure::ContractNotFound).to_string(),
            "HTTP 404 contract-not-found"
        );
        assert_eq!(label(JoinFailure::ContractNotFound).code(), "HTTP 404");
        assert_eq!(
            label(JoinFailure::DeviceCapReached).to_string(),
            "device-cap-reached"
        );
        assert_eq!(
            label(JoinFailure::CertRevoked).kb().as_deref(),
            Some("KB3045383")
        );
        // The same words as the testkit's own (which `--format json` has always used).
        for scenario in wpj_testkit::Scenario::all() {
            assert_eq!(
                outcome(scenario.expected),
                scenario.expected.to_string(),
                "{}",
                scenario.name
            );
        }
    }

    #[test]
    fn tables_measure_what_a_terminal_shows() {
        let table = Table::new()
            .indent(2)
            .right(0)
            .with_row(["N", "WHAT", "NOTE"])
            .with_row(["1".to_owned(), paint(RED, "✘ failed"), "x".to_owned()])
            .with_row(["10", "ok", ""]);
        let rendered = table.render();
        assert!(rendered.contains(&paint(RED, "✘ failed")), "{rendered:?}");
        let plain = strip(&rendered);
        assert_eq!(plain, "   N  WHAT      NOTE\n   1  ✘ failed  x\n  10  ok\n");
        let streamed = Table::new()
            .min_widths(&[4, 3])
            .right(0)
            .with_row(["7".to_owned(), paint(RED, "a"), "rest".to_owned()])
            .render();
        assert_eq!(streamed, format!("   7  {}    rest\n", paint(RED, "a")));
    }

    /// `text` without colour codes.
    fn strip(text: &str) -> String {
        anstream::adapter::strip_str(text).to_string()
    }
}
