//! The actions a client may take, under stable machine names, and the role each needs: what
//! `GET /api/v1/whoami` tells a token it may do. The role of an action is never written here:
//! it is what [`access::needed`] demands of the action's route, so the two cannot disagree.

use crate::access::{self, Access};
use crate::tokens::Role;
use actix_web::http::Method;

/// One thing a client may do, and the route that does it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Action {
    /// The stable machine name (`back_up`).
    pub name: &'static str,
    /// Whether the route is written to (`POST`) rather than read (`GET`).
    writes: bool,
    /// A path of the route, as the router matches it.
    path: &'static str,
}

impl Action {
    const fn read(name: &'static str, path: &'static str) -> Self {
        Self {
            name,
            writes: false,
            path,
        }
    }

    const fn write(name: &'static str, path: &'static str) -> Self {
        Self {
            name,
            writes: true,
            path,
        }
    }

    /// The method of the action's route.
    pub fn method(&self) -> Method {
        if self.writes {
            Method::POST
        } else {
            Method::GET
        }
    }

    /// The least role that may take the action: the role [`access::needed`] demands of its
    /// route, `read` for a route open to anyone (any valid token may take it).
    pub fn needs(&self, protect_reads: bool) -> Role {
        match access::needed(&self.method(), self.path, protect_reads) {
            Access::Public => Role::Read,
            Access::Token(role) => role,
        }
    }
}

/// Every action, in the order the console shows them.
pub const ACTIONS: &[Action] = &[
    Action::read("read_reports", "/api/v1/reports/hires-by-quarter"),
    Action::read("read_rejects", "/api/v1/rejects"),
    Action::read("list_backups", "/api/v1/backups"),
    Action::write("ingest_batches", "/api/v1/departments"),
    Action::write("upload_files", "/api/v1/departments/upload"),
    Action::write("back_up", "/api/v1/backups"),
    Action::write("restore", "/api/v1/departments/restore"),
    Action::write("prune_backups", "/api/v1/backups/prune"),
    Action::read("read_audit", "/api/v1/audit"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> Action {
        *ACTIONS
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("no action {name}"))
    }

    #[test]
    fn each_action_needs_the_role_of_its_route() {
        use Role::{Admin, Ingest, Read};
        let expected = [
            ("read_reports", Read),
            ("read_rejects", Read),
            ("list_backups", Read),
            ("ingest_batches", Ingest),
            ("upload_files", Ingest),
            ("back_up", Admin),
            ("restore", Admin),
            ("prune_backups", Admin),
            ("read_audit", Admin),
        ];
        assert_eq!(ACTIONS.len(), expected.len());
        for protect_reads in [false, true] {
            for (name, role) in expected {
                assert_eq!(named(name).needs(protect_reads), role, "{name}");
            }
        }
    }

    #[test]
    fn every_other_route_of_an_action_needs_the_same_role() {
        let also = [
            ("upload_files", Method::POST, "/upload"),
            ("ingest_batches", Method::POST, "/api/v1/hired_employees"),
            ("back_up", Method::POST, "/backup"),
            ("restore", Method::POST, "/api/v1/restore"),
            ("restore", Method::POST, "/restore-backup"),
            ("read_reports", Method::GET, "/hired_employees_2021"),
        ];
        for (name, method, path) in also {
            for protect_reads in [false, true] {
                let least = match access::needed(&method, path, protect_reads) {
                    Access::Public => Role::Read,
                    Access::Token(role) => role,
                };
                assert_eq!(named(name).needs(protect_reads), least, "{name} {path}");
            }
        }
    }

    #[test]
    fn names_are_unique_machine_names() {
        for (i, action) in ACTIONS.iter().enumerate() {
            assert!(
                action
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                action.name
            );
            assert!(
                ACTIONS[..i].iter().all(|a| a.name != action.name),
                "{}",
                action.name
            );
        }
    }
}
