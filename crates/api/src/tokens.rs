//! The API's bearer tokens: each has a name (for logs and the audit trail), a role, and a secret
//! that never shows in `Debug` output or logs.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// Fewest characters a token's secret may have.
pub const MIN_SECRET_CHARS: usize = 16;

/// The name given to tokens configured without one (`HIRING_API_TOKEN=<secret>`): `default`,
/// then `default-2`, `default-3`...
const UNNAMED: &str = "default";

/// What a token may do. Each role includes the ones before it: `ingest` may read, `admin` may
/// ingest and read.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The reject log, the backup listing, and reports, health and docs when reads are
    /// protected.
    Read,
    /// Batches and uploads.
    Ingest,
    /// Backups, restores and the audit log.
    Admin,
}

impl Role {
    /// Every role, least first.
    pub const ALL: [Role; 3] = [Role::Read, Role::Ingest, Role::Admin];

    /// The role's name in settings and answers.
    pub fn name(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Ingest => "ingest",
            Role::Admin => "admin",
        }
    }

    /// Whether a token of this role may do what `needed` allows.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Role {
    type Err = TokenError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| TokenError::UnknownRole(s.trim().to_owned()))
    }
}

/// Why a token could not be configured. Messages name the token, never its secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The secret is too short to resist guessing.
    #[error(
        "API token {name:?} is shorter than {MIN_SECRET_CHARS} characters: use a random secret (for example `openssl rand -hex 24`)"
    )]
    TooShort {
        /// The token's name.
        name: String,
    },
    /// The name is empty or holds characters other than letters, digits, `-`, `_` and `.`.
    #[error("API token name {0:?} is not valid: use 1 to 64 letters, digits, '-', '_' or '.'")]
    BadName(String),
    /// The role is none of `read`, `ingest`, `admin`.
    #[error("unknown API token role {0:?}: expected read, ingest or admin")]
    UnknownRole(String),
    /// Two tokens share a name.
    #[error("two API tokens are named {0:?}: names must be unique")]
    DuplicateName(String),
    /// Two tokens share a secret.
    #[error("API tokens {0:?} and {1:?} have the same secret")]
    DuplicateSecret(String, String),
}

/// One bearer token.
#[derive(Clone)]
pub struct ApiToken {
    name: String,
    role: Role,
    secret: SecretString,
}

impl ApiToken {
    /// A token named `name` (1 to 64 letters, digits, `-`, `_`, `.`) with `role`; the secret
    /// (trimmed) must have at least [`MIN_SECRET_CHARS`] characters.
    pub fn new(name: &str, role: Role, secret: &str) -> Result<Self, TokenError> {
        let valid_name = (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !valid_name {
            return Err(TokenError::BadName(name.to_owned()));
        }
        let secret = secret.trim();
        if secret.chars().count() < MIN_SECRET_CHARS {
            return Err(TokenError::TooShort {
                name: name.to_owned(),
            });
        }
        Ok(Self {
            name: name.to_owned(),
            role,
            secret: SecretString::from(secret.to_owned()),
        })
    }

    /// The token's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the token may do.
    pub fn role(&self) -> Role {
        self.role
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiToken")
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// The tokens the API accepts. Never shows a secret in `Debug` output.
#[derive(Clone, Default)]
pub struct Tokens {
    tokens: Arc<Vec<ApiToken>>,
    /// How many tokens were given without a name (named `default`, `default-2`...).
    unnamed: usize,
}

impl Tokens {
    /// The tokens, refused when two share a name or a secret.
    pub fn new(tokens: impl IntoIterator<Item = ApiToken>) -> Result<Self, TokenError> {
        Self::checked(tokens.into_iter().collect(), 0)
    }

    fn checked(tokens: Vec<ApiToken>, unnamed: usize) -> Result<Self, TokenError> {
        for (i, token) in tokens.iter().enumerate() {
            for earlier in &tokens[..i] {
                if earlier.name == token.name {
                    return Err(TokenError::DuplicateName(token.name.clone()));
                }
                if earlier.secret.expose_secret() == token.secret.expose_secret() {
                    return Err(TokenError::DuplicateSecret(
                        earlier.name.clone(),
                        token.name.clone(),
                    ));
                }
            }
        }
        Ok(Self {
            tokens: Arc::new(tokens),
            unnamed,
        })
    }

    /// Tokens written as a comma-separated list of `name:role:secret` entries
    /// (`ops:admin:<secret>,etl:ingest:<secret>`), the form of `HIRING_API_TOKENS` and of the
    /// entries of `api.tokens`. An entry whose second part is a word but no role (`ops:superuser:…`,
    /// `etl:admn:…`) is refused; one without such a part is a secret alone and gets the
    /// `admin` role (the form of `HIRING_API_TOKEN`). Blank entries are skipped.
    pub fn parse(list: &str) -> Result<Self, TokenError> {
        Self::parse_entries(list.split(','))
    }

    /// Like [`Tokens::parse`], one entry per item.
    pub fn parse_entries<S: AsRef<str>>(
        entries: impl IntoIterator<Item = S>,
    ) -> Result<Self, TokenError> {
        Self::default().with_entries(entries)
    }

    /// These tokens and those of `entries` (read as [`Tokens::parse_entries`] does), refused
    /// when the result has two of a name or a secret. Secrets alone are numbered after those
    /// these tokens hold, so that several sources of them (`api.tokens`, `HIRING_API_TOKENS`,
    /// `HIRING_API_TOKEN`) give `default`, `default-2`, `default-3`... rather than two tokens
    /// named `default`.
    pub fn with_entries<S: AsRef<str>>(
        &self,
        entries: impl IntoIterator<Item = S>,
    ) -> Result<Self, TokenError> {
        let mut unnamed = self.unnamed;
        let mut tokens: Vec<ApiToken> = self.tokens.iter().cloned().collect();
        for entry in entries {
            let entry = entry.as_ref().trim();
            if entry.is_empty() {
                continue;
            }
            let mut parts = entry.splitn(3, ':');
            let named = match (parts.next(), parts.next(), parts.next()) {
                (Some(name), Some(role), Some(secret)) => match role.parse::<Role>() {
                    Ok(role) => Some((name.trim(), role, secret)),
                    // `name:word:secret` is a token with a misspelt role, not an admin secret.
                    Err(_) if role.len() <= 32 && role.bytes().all(|b| b.is_ascii_alphabetic()) => {
                        return Err(TokenError::UnknownRole(role.to_owned()));
                    }
                    Err(_) => None,
                },
                _ => None,
            };
            tokens.push(match named {
                Some((name, role, secret)) => ApiToken::new(name, role, secret)?,
                None => {
                    unnamed += 1;
                    let name = match unnamed {
                        1 => UNNAMED.to_owned(),
                        n => format!("{UNNAMED}-{n}"),
                    };
                    ApiToken::new(&name, Role::Admin, entry)?
                }
            });
        }
        Self::checked(tokens, unnamed)
    }

    /// Both sets of tokens, refused when the result has two of a name or a secret.
    pub fn union(&self, other: &Tokens) -> Result<Self, TokenError> {
        Self::checked(
            self.tokens
                .iter()
                .chain(other.tokens.iter())
                .cloned()
                .collect(),
            self.unnamed + other.unnamed,
        )
    }

    /// True when no token is configured: every endpoint that needs one is refused.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// The token whose secret is `presented`. Every token is compared, each in constant time,
    /// so the time taken does not tell which bytes matched.
    pub fn identify(&self, presented: &str) -> Option<&ApiToken> {
        let mut found = None;
        for token in self.tokens.iter() {
            let same = token
                .secret
                .expose_secret()
                .as_bytes()
                .ct_eq(presented.as_bytes());
            if bool::from(same) {
                found = Some(token);
            }
        }
        found
    }
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.tokens.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPS: &str = "ops-secret-0123456789";
    const ETL: &str = "etl-secret-0123456789";

    #[test]
    fn named_tokens_carry_their_role() {
        let tokens = Tokens::parse(&format!(" ops:admin:{OPS} , etl:Ingest:{ETL},")).unwrap();
        assert_eq!(tokens.len(), 2);
        let ops = tokens.identify(OPS).unwrap();
        assert_eq!((ops.name(), ops.role()), ("ops", Role::Admin));
        let etl = tokens.identify(ETL).unwrap();
        assert_eq!((etl.name(), etl.role()), ("etl", Role::Ingest));
        assert!(tokens.identify("ops-secret-012345678").is_none());
        assert!(tokens.identify("").is_none());
    }

    #[test]
    fn a_bare_secret_is_an_admin_token_named_default() {
        let tokens = Tokens::parse(&format!("{OPS},{ETL}")).unwrap();
        let first = tokens.identify(OPS).unwrap();
        assert_eq!((first.name(), first.role()), ("default", Role::Admin));
        assert_eq!(tokens.identify(ETL).unwrap().name(), "default-2");
        // A secret with colons whose second part is no word is still one secret.
        let colons = "abc:d3f9h1j:klmnopqrstuv";
        assert_eq!(
            Tokens::parse(colons)
                .unwrap()
                .identify(colons)
                .unwrap()
                .role(),
            Role::Admin
        );
        assert!(Tokens::parse(" , ").unwrap().is_empty());
    }

    #[test]
    fn a_misspelt_role_is_refused_not_taken_for_an_admin_secret() {
        for entry in [
            "ops:superuser:ops-secret-0123456789",
            "etl:admn:etl-secret-0123456789",
            "dash:reader:dash-secret-0123456789",
        ] {
            let role = entry.split(':').nth(1).unwrap();
            assert_eq!(
                Tokens::parse(entry).err(),
                Some(TokenError::UnknownRole(role.to_owned())),
                "{entry}"
            );
        }
    }

    #[test]
    fn short_secrets_bad_names_and_duplicates_are_refused() {
        assert_eq!(
            Tokens::parse("short-secret").unwrap_err(),
            TokenError::TooShort {
                name: "default".into()
            }
        );
        assert_eq!(
            Tokens::parse("etl:ingest:fifteen-chars!!").unwrap_err(),
            TokenError::TooShort { name: "etl".into() }
        );
        assert!(matches!(
            Tokens::parse(&format!("bad name:read:{OPS}")).unwrap_err(),
            TokenError::BadName(_)
        ));
        assert_eq!(
            Tokens::parse(&format!("a:read:{OPS},a:admin:{ETL}")).unwrap_err(),
            TokenError::DuplicateName("a".into())
        );
        assert!(matches!(
            Tokens::parse(&format!("a:read:{OPS},b:admin:{OPS}")).unwrap_err(),
            TokenError::DuplicateSecret(..)
        ));
        let one = Tokens::parse(&format!("a:read:{OPS}")).unwrap();
        assert!(one.union(&one).is_err());
        assert_eq!(one.union(&Tokens::parse(ETL).unwrap()).unwrap().len(), 2);
    }

    #[test]
    fn secrets_alone_from_several_sources_are_numbered_across_them() {
        let config = Tokens::parse_entries([OPS]).unwrap();
        let tokens = config
            .with_entries(format!("etl:ingest:{ETL},tokens-variable-secret").split(','))
            .and_then(|t| t.with_entries(["token-variable-secret-1"]))
            .unwrap();
        let named = |secret: &str| tokens.identify(secret).unwrap().name().to_owned();
        assert_eq!(named(OPS), "default");
        assert_eq!(named(ETL), "etl");
        assert_eq!(named("tokens-variable-secret"), "default-2");
        assert_eq!(named("token-variable-secret-1"), "default-3");
        assert_eq!(
            config
                .with_entries([&format!("a:read:{ETL}"), OPS])
                .unwrap_err(),
            TokenError::DuplicateSecret("default".into(), "default-2".into())
        );
    }

    #[test]
    fn errors_and_debug_output_never_show_a_secret() {
        let tokens = Tokens::parse(&format!("ops:admin:{OPS}")).unwrap();
        let shown = format!("{tokens:?}");
        assert!(shown.contains("ops") && !shown.contains(OPS), "{shown}");
        let error = Tokens::parse("etl:ingest:tooshortsecret").unwrap_err();
        assert!(!error.to_string().contains("tooshortsecret"), "{error}");
    }

    #[test]
    fn roles_include_the_lesser_ones() {
        assert!(Role::Admin.allows(Role::Ingest) && Role::Admin.allows(Role::Read));
        assert!(Role::Ingest.allows(Role::Read) && !Role::Ingest.allows(Role::Admin));
        assert!(!Role::Read.allows(Role::Ingest));
        assert_eq!("ADMIN".parse::<Role>().unwrap(), Role::Admin);
        assert!("root".parse::<Role>().is_err());
    }
}
