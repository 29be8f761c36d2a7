//! Reads back what criterion measured in this run, to print each figure next to its
//! baseline with the ratio.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Where criterion writes its results, decided the way criterion decides it when none
/// is set: `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else `criterion/`
/// in the target directory this bench binary was built into (`<target>/release/deps/`).
///
/// Pass it to `Criterion::output_directory` so the two always agree.
pub fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .map_or_else(
            || PathBuf::from("target/criterion"),
            |t| t.join("criterion"),
        )
}

/// The typical time of one iteration in nanoseconds (criterion's headline figure: the
/// slope when it has one, else the mean) of `group/function`, if it was measured after
/// `since`.
pub fn typical_ns(home: &Path, group: &str, function: &str, since: SystemTime) -> Option<f64> {
    let safe = |s: &str| s.replace(['?', '"', '/', '\\', '*', '<', '>', ':', '|', '^'], "_");
    let path = home
        .join(safe(group))
        .join(safe(function))
        .join("new")
        .join("estimates.json");
    let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
    if modified < since {
        return None;
    }
    let text = std::fs::read(&path).ok()?;
    let estimates: serde_json::Value = serde_json::from_slice(&text).ok()?;
    let typical = match estimates.get("slope") {
        Some(slope) if !slope.is_null() => slope,
        _ => estimates.get("mean")?,
    };
    typical.get("point_estimate")?.as_f64()
}

/// Formats nanoseconds with a unit that keeps three or four significant digits.
pub fn format_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

/// A Markdown table, its columns padded to the widest cell.
#[derive(Debug, Clone, Default)]
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new<S: Into<String>>(titles: impl IntoIterator<Item = S>) -> Self {
        Table {
            rows: vec![titles.into_iter().map(Into::into).collect()],
        }
    }

    /// Adds a row.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// Whether only the titles are there.
    pub fn is_empty(&self) -> bool {
        self.rows.len() <= 1
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |f: &mut std::fmt::Formatter<'_>, cells: &[String]| -> std::fmt::Result {
            write!(f, "|")?;
            for (c, width) in widths.iter().enumerate() {
                let cell = cells.get(c).map_or("", String::as_str);
                let pad = width - cell.chars().count();
                write!(f, " {cell}{} |", " ".repeat(pad))?;
            }
            writeln!(f)
        };
        if let Some((titles, body)) = self.rows.split_first() {
            line(f, titles)?;
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            line(f, &rule)?;
            for row in body {
                line(f, row)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_their_columns() {
        let mut t = Table::new(["a", "bb"]);
        t.row(["ccc", "d"]);
        assert_eq!(t.to_string(), "| a   | bb |\n| --- | -- |\n| ccc | d  |\n");
    }

    #[test]
    fn units() {
        assert_eq!(format_ns(12.34), "12.3 ns");
        assert_eq!(format_ns(1_234.0), "1.23 µs");
        assert_eq!(format_ns(2_500_000.0), "2.50 ms");
    }
}
