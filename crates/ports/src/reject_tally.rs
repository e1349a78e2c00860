//! Rejects summarised by field and reason, with a few examples each: what a load reports
//! instead of one line per rejected row (each row is still logged at DEBUG and stored in the
//! reject log).

use hiring_domain::FieldError;
use rustc_hash::FxHashMap;
use serde::Serialize;

/// How many example sources a reason keeps.
pub const EXAMPLES: usize = 3;

/// One reason rows were refused for, and how often.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    /// The field (`id`, `datetime`, ..., or `record` for the row as a whole).
    pub field: String,
    /// The reason without the row's own values (`must be a positive integer`).
    pub reason: String,
    /// How many rows had it (a row refused for several reasons counts under each).
    pub rows: u64,
    /// Where the first few came from (`hired_employees.csv:67`).
    pub examples: Vec<String>,
}

/// Counts reasons as rejects come; cheap per row (one hash look-up per reason).
#[derive(Debug, Default, Clone)]
pub(crate) struct RejectTally {
    index: FxHashMap<(String, String), usize>,
    reasons: Vec<ReasonCount>,
}

impl RejectTally {
    /// Counts one rejected row from `source` with `errors`.
    pub(crate) fn add(&mut self, source: &str, errors: &[FieldError]) {
        for error in errors {
            let key = (error.field().to_owned(), reason_of(error.message()));
            let at = match self.index.get(&key) {
                Some(&at) => at,
                None => {
                    self.reasons.push(ReasonCount {
                        field: key.0.clone(),
                        reason: key.1.clone(),
                        rows: 0,
                        examples: Vec::new(),
                    });
                    self.index.insert(key, self.reasons.len() - 1);
                    self.reasons.len() - 1
                }
            };
            let reason = &mut self.reasons[at];
            reason.rows += 1;
            if reason.examples.len() < EXAMPLES {
                reason.examples.push(source.to_owned());
            }
        }
    }

    /// The reasons, most frequent first (then by field and reason).
    pub(crate) fn into_reasons(self) -> Vec<ReasonCount> {
        let mut reasons = self.reasons;
        reasons.sort_by(|a, b| {
            b.rows
                .cmp(&a.rows)
                .then_with(|| a.field.cmp(&b.field))
                .then_with(|| a.reason.cmp(&b.reason))
        });
        reasons
    }
}

/// A message without the row's own values, so that rows refused for the same rule share it:
/// what follows `, got` goes, and so do quoted or parenthesised values and the key a message
/// starts with (`id 5 already exists` → `id already exists`); a rule's own numbers stay
/// (`must be at most 200 characters`).
pub fn reason_of(message: &str) -> String {
    let message = message
        .split_once(", got")
        .map_or(message, |(rule, _)| rule);
    let message = message
        .split_once(", found")
        .map_or(message, |(rule, _)| rule);
    let mut out = String::with_capacity(message.len());
    let mut skip_until = None;
    for (n, word) in message.split_whitespace().enumerate() {
        if let Some(end) = skip_until {
            if word.ends_with(end) || word.ends_with(&format!("{end};")) {
                skip_until = None;
            }
            continue;
        }
        let opener = word.chars().next();
        if matches!(opener, Some('"' | '(')) {
            let end = if opener == Some('"') { '"' } else { ')' };
            let closed = word.len() > 1 && word.trim_end_matches([';', ',', '.']).ends_with(end);
            if !closed {
                skip_until = Some(end);
            }
            continue;
        }
        if n < 2
            && word
                .trim_end_matches([';', ',', '.', ':'])
                .parse::<i128>()
                .is_ok()
        {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_lose_the_rows_own_values() {
        for (message, reason) in [
            ("must be a positive integer, got \"abc\"", "must be a positive integer"),
            ("must be at most 2147483647, got 9999999999", "must be at most 2147483647"),
            ("must be at most 200 characters, got 201", "must be at most 200 characters"),
            ("is required", "is required"),
            ("departments 99 does not exist", "departments does not exist"),
            ("id 5 already exists", "id already exists"),
            (
                "id 7 appears earlier in this batch (row 3)",
                "id appears earlier in this batch",
            ),
            (
                "12 is already stored with different content (name \"x y\"); it is never overwritten",
                "is already stored with different content it is never overwritten",
            ),
        ] {
            assert_eq!(reason_of(message), reason, "{message}");
        }
    }

    #[test]
    fn the_tally_counts_rows_per_reason_with_a_few_examples() {
        let mut tally = RejectTally::default();
        for line in 1..=5 {
            tally.add(
                &format!("f.csv:{line}"),
                &[FieldError::new("id", format!("id {line} already exists"))],
            );
        }
        tally.add(
            "f.csv:9",
            &[
                FieldError::new("name", "is required"),
                FieldError::new("id", "id 9 already exists"),
            ],
        );
        let reasons = tally.into_reasons();
        assert_eq!(reasons.len(), 2);
        assert_eq!(
            (
                reasons[0].field.as_str(),
                reasons[0].reason.as_str(),
                reasons[0].rows
            ),
            ("id", "id already exists", 6)
        );
        assert_eq!(reasons[0].examples, ["f.csv:1", "f.csv:2", "f.csv:3"]);
        assert_eq!((reasons[1].field.as_str(), reasons[1].rows), ("name", 1));
        assert_eq!(reasons[1].examples, ["f.csv:9"]);
    }
}
