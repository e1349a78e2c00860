//! `hiring config`: every setting as this run resolves it, where each value came from (default,
//! file, environment, flag), and the folders relative paths resolve to. Secrets are hidden.

use crate::output::{self, Format};
use crate::settings::{self, DEFAULT_CONFIG_FILE};
use config::{Value, ValueKind};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `hiring config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// What the command line said beside the configuration layers.
pub struct Flags<'a> {
    /// `--config` or `HIRING_CONFIG`.
    pub config: Option<&'a Path>,
    /// `--database-url` or `DATABASE_URL`.
    pub database_url: Option<&'a str>,
    /// `--log-format`.
    pub log_format: Option<&'static str>,
    /// The log filter `-v`/`-q` chose, when they were given.
    pub verbosity_filter: Option<String>,
}

/// One resolved setting.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Setting {
    /// The key, as in the file (`database.url`).
    pub key: String,
    /// The value, secrets hidden; `None` when unset.
    pub value: Option<String>,
    /// Where it came from: `default`, `file PATH`, `env NAME`, `flag --NAME`, or `unset`.
    pub from: String,
    /// For a path, the absolute path it resolves to from the working directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolves_to: Option<String>,
}

/// The keys shown even when nothing sets them.
const OPTIONAL_KEYS: [&str; 5] = [
    "log.filter",
    "backup.keep",
    "backup.older_than",
    "api.tls_cert",
    "api.tls_key",
];
/// Keys whose values are folders or files, resolved against the working directory.
const PATH_KEYS: [&str; 5] = [
    "database.url",
    "migrate.dir",
    "backup.dir",
    "api.tls_cert",
    "api.tls_key",
];

/// Runs the command.
pub fn run(args: Args, flags: &Flags) -> anyhow::Result<ExitCode> {
    let settings = resolve(flags)?;
    match args.format {
        Format::Json => output::print_json(&settings)?,
        Format::Table => {
            let rows = settings
                .iter()
                .map(|s| {
                    let value = s.value.clone().unwrap_or_else(|| "-".into());
                    let value = match &s.resolves_to {
                        Some(path) if *path != value => format!("{value} ({path})"),
                        _ => value,
                    };
                    vec![s.key.clone(), value, s.from.clone()]
                })
                .collect();
            println!(
                "{}",
                output::table(&["setting", "value", "from"], &[], rows)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Every setting, in key order, with the config file first.
pub fn resolve(flags: &Flags) -> anyhow::Result<Vec<Setting>> {
    let merged = settings::layered(flags.config)?;
    let mut flat = Vec::new();
    flatten("", merged.cache, &mut flat);
    for key in OPTIONAL_KEYS {
        if !flat.iter().any(|(k, _)| k == key) {
            flat.push((key.to_owned(), Value::new(None, ValueKind::Nil)));
        }
    }
    flat.sort_by(|a, b| a.0.cmp(&b.0));
    let mut settings = vec![config_file(flags.config)];
    for (key, value) in flat {
        let mut setting = Setting {
            from: origin(&key, &value),
            value: shown(&key, &value),
            key,
            resolves_to: None,
        };
        overridden(&mut setting, flags);
        setting.resolves_to = resolved_path(&setting);
        settings.push(setting);
    }
    Ok(settings)
}

/// The config file row: which file, and whether it was there.
fn config_file(flag: Option<&Path>) -> Setting {
    let path = flag.unwrap_or(Path::new(DEFAULT_CONFIG_FILE));
    let from = match flag {
        Some(_) if std::env::var_os("HIRING_CONFIG").is_some_and(|v| v == path.as_os_str()) => {
            "env HIRING_CONFIG"
        }
        Some(_) => "flag --config",
        None if path.exists() => "default",
        None => "default (no such file: built-in defaults only)",
    };
    Setting {
        key: "config file".into(),
        value: Some(path.display().to_string()),
        from: from.into(),
        resolves_to: Some(absolute(path).display().to_string()),
    }
}

/// The flags and variables that win over the layers.
fn overridden(setting: &mut Setting, flags: &Flags) {
    let (value, from) = match setting.key.as_str() {
        "database.url" => match flags.database_url {
            Some(url) if std::env::var("DATABASE_URL").is_ok_and(|v| v == url) => {
                (redacted_url(url), "env DATABASE_URL")
            }
            Some(url) => (redacted_url(url), "flag --database-url"),
            None => return,
        },
        "backup.dir" => match std::env::var("HIRING_BACKUP_DIR") {
            Ok(dir) if !dir.is_empty() => (dir, "env HIRING_BACKUP_DIR (backup commands)"),
            _ => return,
        },
        "log.format" => match flags.log_format {
            Some(format) => (format.to_owned(), "flag --log-format"),
            None => return,
        },
        "log.filter" => match (std::env::var("RUST_LOG"), &flags.verbosity_filter) {
            (Ok(filter), _) if !filter.is_empty() => (filter, "env RUST_LOG"),
            (_, Some(filter)) => (filter.clone(), "flag -v/-q"),
            _ => return,
        },
        _ => return,
    };
    setting.value = Some(value);
    setting.from = from.into();
}

/// Nested tables as dotted keys.
fn flatten(prefix: &str, table: Value, out: &mut Vec<(String, Value)>) {
    let origin = table.origin().map(str::to_owned);
    match table.kind {
        ValueKind::Table(map) => {
            for (key, value) in map {
                let key = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&key, value, out);
            }
        }
        kind => out.push((prefix.to_owned(), Value::new(origin.as_ref(), kind))),
    }
}

/// Where a layered value came from.
fn origin(key: &str, value: &Value) -> String {
    match value.origin() {
        _ if matches!(value.kind, ValueKind::Nil) => "unset".into(),
        None => "default".into(),
        Some("the environment") => format!("env HIRING__{}", key.to_uppercase().replace('.', "__")),
        Some(file) => format!("file {file}"),
    }
}

/// A value as it may be shown: URLs without their password, tokens only counted.
fn shown(key: &str, value: &Value) -> Option<String> {
    match (&value.kind, key) {
        (ValueKind::Nil, _) => None,
        (ValueKind::Array(tokens), "api.tokens") => Some(format!("{} (hidden)", tokens.len())),
        (ValueKind::String(tokens), "api.tokens") => {
            Some(format!("{} (hidden)", tokens.split(',').count()))
        }
        (kind, "database.url") => Some(redacted_url(&kind.to_string())),
        (ValueKind::Array(items), _) => Some(
            items
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (kind, _) => Some(kind.to_string()),
    }
}

/// A database URL with any password replaced by `***`.
fn redacted_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, location)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    let hidden = if rest.contains("password=") {
        "?***"
    } else {
        ""
    };
    let location = if hidden.is_empty() {
        location
    } else {
        location.split_once('?').map_or(location, |(l, _)| l)
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{location}{hidden}"),
        None => format!("{scheme}://{credentials}@{location}{hidden}"),
    }
}

/// For a path setting (an SQLite database, a folder), where it resolves from here.
fn resolved_path(setting: &Setting) -> Option<String> {
    if !PATH_KEYS.contains(&setting.key.as_str()) {
        return None;
    }
    let value = setting.value.as_deref()?;
    let path = if setting.key == "database.url" {
        hiring_adapters::sqlite_file(value)?
    } else {
        PathBuf::from(value)
    };
    Some(absolute(&path).display().to_string())
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redacted_url("postgres://app:hunter2@db:5432/hiring"),
            "postgres://app:***@db:5432/hiring"
        );
        assert_eq!(
            redacted_url("postgres://app@db/hiring?password=hunter2&sslmode=require"),
            "postgres://app@db/hiring?***"
        );
        assert_eq!(redacted_url("data/hiring.db"), "data/hiring.db");
    }

    #[test]
    fn dotted_keys_keep_their_origin() {
        let mut table = config::Map::new();
        table.insert(
            "url".to_owned(),
            Value::new(Some(&"the environment".to_owned()), "x.db"),
        );
        let mut root = config::Map::new();
        root.insert("database".to_owned(), Value::new(None, table));
        let mut out = Vec::new();
        flatten("", Value::new(None, root), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, "database.url");
        assert_eq!(origin(&out[0].0, &out[0].1), "env HIRING__DATABASE__URL");
    }
}
