//! Names in a file's own schema, checked before the Avro library parses it: apache-avro 0.21
//! panics (instead of returning an error) on a record, type or alias name that is not an Avro
//! name, and a backup file is outside input.

use serde_json::Value;

/// Whether `text` is an Avro full name: dot-separated parts, each `[A-Za-z_][A-Za-z0-9_]*`.
fn is_full_name(text: &str) -> bool {
    text.split('.').all(|part| {
        let mut bytes = part.bytes();
        bytes
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// Refuses a schema (the JSON text of a file's `avro.schema`) holding a `name`, a `type` given
/// by name, an alias or a namespace that is not an Avro name.
pub(super) fn check(schema: &[u8]) -> Result<(), String> {
    let value: Value =
        serde_json::from_slice(schema).map_err(|e| format!("its schema is not JSON ({e})"))?;
    check_value(&value)
}

fn check_value(value: &Value) -> Result<(), String> {
    match value {
        Value::Array(items) => items.iter().try_for_each(check_value),
        Value::Object(fields) => {
            for (key, field) in fields {
                match (key.as_str(), field) {
                    ("name" | "type", Value::String(name)) if !is_full_name(name) => {
                        return Err(format!("its schema names {name:?}, not an Avro name"));
                    }
                    ("namespace", Value::String(ns)) if !ns.is_empty() && !is_full_name(ns) => {
                        return Err(format!(
                            "its schema has the namespace {ns:?}, not an Avro name"
                        ));
                    }
                    ("aliases", Value::Array(aliases)) => {
                        if let Some(bad) = aliases
                            .iter()
                            .find(|a| !a.as_str().is_some_and(is_full_name))
                        {
                            return Err(format!(
                                "its schema has the alias {bad}, not an Avro name"
                            ));
                        }
                    }
                    _ => check_value(field)?,
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backup_schemas_pass() {
        for table in hiring_domain::Table::ALL {
            check(super::super::format::schema_json(table).as_bytes()).unwrap();
        }
    }

    #[test]
    fn names_the_avro_library_would_panic_on_are_refused() {
        for bad in [
            r#"{"type":"record","name":"hire#_employees","fields":[]}"#,
            r#"{"type":"record","name":"r","fields":[{"name":"f","type":"my-type"}]}"#,
            r#"{"type":"record","name":"r","aliases":["ok","not ok"],"fields":[]}"#,
            r#"{"type":"record","name":"r","namespace":"a..b","fields":[]}"#,
            r#"{"type":"record","name":"","fields":[]}"#,
            "not json",
        ] {
            assert!(check(bad.as_bytes()).is_err(), "{bad}");
        }
        check(br#"{"type":"record","name":"a.b_1","namespace":"","fields":[{"name":"x","type":{"type":"long","logicalType":"timestamp-micros"}}]}"#).unwrap();
    }
}
