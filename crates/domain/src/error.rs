use serde::{Deserialize, Serialize};
use std::fmt;

/// One broken rule: the field it concerns and a sentence saying why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    field: String,
    message: String,
}

impl FieldError {
    /// A violation of `field` explained by `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The field (CSV column) the violation concerns, or `record` for the row as a whole.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// Why the value was refused.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every violation found in one row. Never empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(transparent)]
pub struct RowErrors(Vec<FieldError>);

impl RowErrors {
    /// Wraps the violations found in a row; `None` when there are none.
    pub fn from_vec(errors: Vec<FieldError>) -> Option<Self> {
        (!errors.is_empty()).then_some(Self(errors))
    }

    /// A row refused for a single reason.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, message)])
    }

    /// The violations, in column order.
    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// The violations as a slice.
    pub fn as_slice(&self) -> &[FieldError] {
        &self.0
    }

    /// Number of violations (at least one).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a `RowErrors` holds at least one violation.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Unwraps the violations.
    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}

impl fmt::Display for RowErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Collects field violations while a row is parsed.
#[derive(Default)]
pub(crate) struct Collector(Vec<FieldError>);

impl Collector {
    /// Keeps the value, or records the error against `field`.
    pub(crate) fn take<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(message) => {
                self.0.push(FieldError::new(field, message));
                None
            }
        }
    }

    pub(crate) fn finish(self) -> RowErrors {
        RowErrors(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_errors_display_joins_every_violation() {
        let errors = RowErrors::from_vec(vec![
            FieldError::new("id", "must be a positive integer"),
            FieldError::new("name", "is required"),
        ])
        .unwrap();
        assert_eq!(
            errors.to_string(),
            "id: must be a positive integer; name: is required"
        );
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn row_errors_are_never_empty() {
        assert!(RowErrors::from_vec(vec![]).is_none());
    }

    #[test]
    fn row_errors_serialize_as_a_list_of_field_and_message() {
        let errors = RowErrors::single("job", "is required");
        assert_eq!(
            serde_json::to_string(&errors).unwrap(),
            r#"[{"field":"job","message":"is required"}]"#
        );
    }
}
