//! The idempotency keys of keyed writes, in the `idempotency_keys` table (the same on both
//! backends): one row per route and key, with the fingerprint of the request that claimed it,
//! who claims it and since when (seconds since the Unix epoch), and, once completed, the answer
//! (status and body). A claim is completed in the transaction that writes its batch
//! ([`Store::write_batch_completing`]), so that a batch and its stored answer are committed
//! together or not at all.

use super::dialect::Dialect;
use super::error::StoreError;
use super::rejects::RejectOps;
use super::store::Store;
use super::tables::TableOps;
use hiring_domain::Rejection;
use hiring_ports::idempotency::{Claim, ClaimTimes, Completion, KeyedRequest};
use hiring_ports::RepoError;

diesel::table! {
    idempotency_keys (route, idempotency_key) {
        route -> Text,
        idempotency_key -> Text,
        fingerprint -> Text,
        claimant -> Text,
        claimed_at -> BigInt,
        status -> Nullable<Integer>,
        response -> Nullable<Text>,
    }
}

/// The statements on the keys, for one backend (written by [`key_ops!`]).
pub(crate) trait KeyOps: Dialect {
    /// See [`hiring_ports::idempotency::IdempotencyStore::claim`].
    fn claim(
        conn: &mut Self::Conn,
        request: &KeyedRequest,
        times: &ClaimTimes,
    ) -> Result<Claim, StoreError>;

    /// Deletes the request's claim unless completed or taken over.
    fn release(conn: &mut Self::Conn, request: &KeyedRequest) -> Result<(), StoreError>;

    /// Stores the outcome of the request's claim; false when the claim is not the request's
    /// any more (completed, or taken over).
    fn complete(conn: &mut Self::Conn, completion: &Completion) -> Result<bool, StoreError>;
}

/// Writes [`KeyOps`] for dialect `$d` (the table is the same on both backends).
macro_rules! key_ops {
    ($d:ty) => {
        impl $crate::db::idempotency_keys::KeyOps for $d {
            fn claim(
                conn: &mut Self::Conn,
                request: &hiring_ports::idempotency::KeyedRequest,
                times: &hiring_ports::idempotency::ClaimTimes,
            ) -> Result<hiring_ports::idempotency::Claim, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::db::idempotency_keys::idempotency_keys as t;
                let id = (request.route(), request.key().as_str());
                diesel::delete(t::table.filter(t::claimed_at.lt(times.expired_before)))
                    .execute(conn)?;
                let claimed = diesel::insert_into(t::table)
                    .values((
                        t::route.eq(request.route()),
                        t::idempotency_key.eq(request.key().as_str()),
                        t::fingerprint.eq(request.fingerprint()),
                        t::claimant.eq(request.claimant()),
                        t::claimed_at.eq(times.now),
                    ))
                    .on_conflict_do_nothing()
                    .execute(conn)?;
                if claimed == 1 {
                    return Ok(hiring_ports::idempotency::Claim::Granted);
                }
                let (fingerprint, claimed_at, status, response) = t::table
                    .find(id)
                    .select((t::fingerprint, t::claimed_at, t::status, t::response))
                    .first::<(String, i64, Option<i32>, Option<String>)>(conn)?;
                if let (Some(status), Some(body)) = (status, response) {
                    if fingerprint != request.fingerprint() {
                        return Ok(hiring_ports::idempotency::Claim::Mismatch);
                    }
                    let status = u16::try_from(status).map_err(|_| {
                        $crate::db::error::StoreError::Corrupt(format!(
                            "idempotency key with status {status}"
                        ))
                    })?;
                    return Ok(hiring_ports::idempotency::Claim::Replay(
                        hiring_ports::idempotency::StoredOutcome { status, body },
                    ));
                }
                if claimed_at >= times.stale_before {
                    return Ok(hiring_ports::idempotency::Claim::InProgress);
                }
                // The claimant is taken to have died, storing nothing: the key is this
                // request's now, whatever the dead one asked.
                let taken = diesel::update(
                    t::table
                        .find(id)
                        .filter(t::response.is_null())
                        .filter(t::claimed_at.eq(claimed_at)),
                )
                .set((
                    t::fingerprint.eq(request.fingerprint()),
                    t::claimant.eq(request.claimant()),
                    t::claimed_at.eq(times.now),
                ))
                .execute(conn)?;
                Ok(if taken == 1 {
                    hiring_ports::idempotency::Claim::Granted
                } else {
                    hiring_ports::idempotency::Claim::InProgress
                })
            }

            fn release(
                conn: &mut Self::Conn,
                request: &hiring_ports::idempotency::KeyedRequest,
            ) -> Result<(), $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::db::idempotency_keys::idempotency_keys as t;
                diesel::delete(
                    t::table
                        .find((request.route(), request.key().as_str()))
                        .filter(t::claimant.eq(request.claimant()))
                        .filter(t::response.is_null()),
                )
                .execute(conn)?;
                Ok(())
            }

            fn complete(
                conn: &mut Self::Conn,
                completion: &hiring_ports::idempotency::Completion,
            ) -> Result<bool, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::db::idempotency_keys::idempotency_keys as t;
                let request = &completion.request;
                let completed = diesel::update(
                    t::table
                        .find((request.route(), request.key().as_str()))
                        .filter(t::claimant.eq(request.claimant()))
                        .filter(t::response.is_null()),
                )
                .set((
                    t::status.eq(Some(i32::from(completion.outcome.status))),
                    t::response.eq(Some(completion.outcome.body.as_str())),
                ))
                .execute(conn)?;
                Ok(completed == 1)
            }
        }
    };
}

pub(crate) use key_ops;

impl<D: RejectOps + KeyOps> Store<D> {
    /// See [`hiring_ports::idempotency::IdempotencyStore::claim`].
    pub(crate) fn claim_key(
        &self,
        request: &KeyedRequest,
        times: &ClaimTimes,
    ) -> Result<Claim, RepoError> {
        self.with_conn(|conn| D::write(conn, |conn| D::claim(conn, request, times)))
    }

    /// See [`hiring_ports::idempotency::IdempotencyStore::release`].
    pub(crate) fn release_key(&self, request: &KeyedRequest) -> Result<(), RepoError> {
        self.with_conn(|conn| D::write(conn, |conn| D::release(conn, request)))
    }

    /// Completes the claim first (which locks its row on PostgreSQL), then writes the batch as
    /// `write_batch` does, all in one transaction.
    pub(crate) fn write_batch_completing<E: TableOps<D>>(
        &self,
        rows: &[E],
        rejects: &[Rejection],
        completion: &Completion,
    ) -> Result<u64, RepoError> {
        self.with_conn(|conn| {
            D::write(conn, |conn| {
                if !D::complete(conn, completion)? {
                    return Err(StoreError::Port(RepoError::Conflict(format!(
                        "the idempotency key {} is no longer claimed by request {}",
                        completion.request.key(),
                        completion.request.claimant()
                    ))));
                }
                let inserted = if rows.is_empty() {
                    0
                } else {
                    E::insert(conn, rows)?
                };
                if !rejects.is_empty() {
                    D::insert_rejects(conn, rejects)?;
                }
                Ok(inserted)
            })
        })
    }
}
