//! The reject log: the [`RejectOps`] trait, the [`reject_ops!`] macro with which each backend
//! writes it, and the store's reject-log methods.

use super::dialect::Dialect;
use super::error::StoreError;
use super::store::Store;
use hiring_domain::Rejection;
use hiring_ports::{RejectFilter, RepoError, StoredRejection};

/// The typed queries of the reject log on one backend (written by [`reject_ops!`]).
pub(crate) trait RejectOps: Dialect {
    /// Records `rejects`, skipping those already recorded; returns how many were new.
    fn insert_rejects(conn: &mut Self::Conn, rejects: &[Rejection]) -> Result<u64, StoreError>;
    /// The newest rejects matching `filter`.
    fn list_rejects(
        conn: &mut Self::Conn,
        filter: &RejectFilter,
    ) -> Result<Vec<StoredRejection>, StoreError>;
    /// How many recorded rejects match `filter` (cursor and limit aside).
    fn count_rejects(conn: &mut Self::Conn, filter: &RejectFilter) -> Result<u64, StoreError>;
}

/// Writes [`RejectOps`] for dialect `$d`, whose diesel schema is `crate::schema::$s`.
macro_rules! reject_ops {
    ($d:ty, $s:ident) => {
        impl $crate::db::rejects::RejectOps for $d {
            fn insert_rejects(
                conn: &mut Self::Conn,
                rejects: &[hiring_domain::Rejection],
            ) -> Result<u64, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::db::dialect::Dialect;
                use $crate::schema::$s::rejected_rows as t;
                let mut added = 0;
                for chunk in rejects.chunks(<Self as Dialect>::MAX_PARAMS / 8) {
                    let values = chunk
                        .iter()
                        .map(|r| {
                            let (fields, reason_text) = $crate::db::rejects::filter_columns(r);
                            Ok((
                                t::table_name.eq(r.table().name()),
                                t::source.eq(<Self as Dialect>::storable(r.source())),
                                t::raw_record.eq(<Self as Dialect>::storable(r.raw())),
                                t::reasons.eq(<Self as Dialect>::encode_reasons(r.errors())?),
                                t::run_id.eq(r.run().map(hiring_domain::RunId::get)),
                                t::fields.eq(<Self as Dialect>::storable(&fields).into_owned()),
                                t::reason_text
                                    .eq(<Self as Dialect>::storable(&reason_text).into_owned()),
                            ))
                        })
                        .collect::<Result<Vec<_>, $crate::db::error::StoreError>>()?;
                    let inserted = diesel::insert_into(t::table)
                        .values(values)
                        .on_conflict_do_nothing()
                        .execute(conn)?;
                    added += inserted;
                    if inserted == chunk.len() {
                        // Every reject of the chunk is new and carries its run already: none
                        // was met again (the search below pairs every source with every record
                        // of the chunk, which a load's new rejects must not pay for).
                        continue;
                    }
                    // A reject met again by a run is taken over by it.
                    for group in $crate::db::rejects::by_run(chunk) {
                        let storable = |texts: Vec<&str>| -> Vec<String> {
                            texts
                                .into_iter()
                                .map(|s| <Self as Dialect>::storable(s).into_owned())
                                .collect()
                        };
                        let run = group.run;
                        added += diesel::update(t::table)
                            .filter(t::table_name.eq(group.table.name()))
                            .filter(t::source.eq_any(storable(group.sources)))
                            .filter(t::raw_record.eq_any(storable(group.raws)))
                            .filter(t::run_id.ne(run).or(t::run_id.is_null()))
                            .set(t::run_id.eq(run))
                            .execute(conn)?;
                    }
                }
                Ok($crate::db::rows::affected(added))
            }

            fn list_rejects(
                conn: &mut Self::Conn,
                filter: &hiring_ports::RejectFilter,
            ) -> Result<Vec<hiring_ports::StoredRejection>, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::rejected_rows as t;
                let mut query = t::table
                    .select((
                        t::id,
                        t::table_name,
                        t::source,
                        t::raw_record,
                        t::reasons,
                        t::recorded_at,
                        t::run_id,
                    ))
                    .order(t::id.desc())
                    .limit(i64::from(filter.limit))
                    .into_boxed();
                if let Some(before) = filter.before {
                    query = query.filter(t::id.lt(before));
                }
                $crate::db::rejects::reject_filters!(query, t, filter);
                query
                    .load::<$crate::db::rows::RejectRow<Self>>(conn)?
                    .into_iter()
                    .map($crate::db::rows::stored_rejection::<Self>)
                    .collect()
            }

            fn count_rejects(
                conn: &mut Self::Conn,
                filter: &hiring_ports::RejectFilter,
            ) -> Result<u64, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::rejected_rows as t;
                let mut query = t::table.count().into_boxed();
                $crate::db::rejects::reject_filters!(query, t, filter);
                Ok($crate::db::rows::row_count(query.get_result::<i64>(conn)?))
            }
        }
    };
}

/// Narrows the boxed `query` of table `t` by `filter`'s table, run, field, reason and source.
macro_rules! reject_filters {
    ($query:ident, $t:ident, $filter:expr) => {
        let filter: &hiring_ports::RejectFilter = $filter;
        if let Some(table) = filter.table {
            $query = $query.filter($t::table_name.eq(table.name()));
        }
        if let Some(run) = filter.run {
            $query = $query.filter($t::run_id.eq(run.get()));
        }
        if let Some(field) = &filter.field {
            $query = $query.filter(
                $t::fields
                    .like($crate::db::rejects::contains(&format!(",{field},")))
                    .escape('\\'),
            );
        }
        if let Some(reason) = &filter.reason {
            $query = $query.filter(
                $t::reason_text
                    .like($crate::db::rejects::contains(&reason.to_lowercase()))
                    .escape('\\'),
            );
        }
        if let Some(source) = &filter.source {
            $query = $query.filter(
                $t::source
                    .like(format!("{}%", $crate::db::rejects::escape_like(source)))
                    .escape('\\'),
            );
        }
    };
}
pub(crate) use reject_filters;

/// The filter columns of `r`: its fields as `,name,datetime,` and its reasons in lower case,
/// one `field: message` a line.
pub(crate) fn filter_columns(r: &Rejection) -> (String, String) {
    let mut fields = String::from(",");
    let mut reasons = Vec::with_capacity(r.errors().len());
    for e in r.errors() {
        fields.push_str(e.field());
        fields.push(',');
        reasons.push(e.to_string().to_lowercase());
    }
    (fields, reasons.join("\n"))
}

/// The rejects of one run for one table, in a chunk.
pub(crate) struct RunGroup<'a> {
    pub(crate) run: i64,
    pub(crate) table: hiring_domain::Table,
    pub(crate) sources: Vec<&'a str>,
    pub(crate) raws: Vec<&'a str>,
}

/// The run-tagged rejects of `chunk`, grouped by run and table.
pub(crate) fn by_run(chunk: &[Rejection]) -> Vec<RunGroup<'_>> {
    let mut groups: Vec<RunGroup<'_>> = Vec::new();
    for r in chunk {
        let Some(run) = r.run().map(hiring_domain::RunId::get) else {
            continue;
        };
        let i = match groups
            .iter()
            .position(|g| g.run == run && g.table == r.table())
        {
            Some(i) => i,
            None => {
                groups.push(RunGroup {
                    run,
                    table: r.table(),
                    sources: Vec::new(),
                    raws: Vec::new(),
                });
                groups.len() - 1
            }
        };
        groups[i].sources.push(r.source());
        groups[i].raws.push(r.raw());
    }
    groups
}

/// A LIKE pattern matching texts that contain `text` (its `%`, `_` and `\` escaped with `\`).
pub(crate) fn contains(text: &str) -> String {
    format!("%{}%", escape_like(text))
}

/// `text` with the LIKE wildcards and the escape character escaped with `\`.
pub(crate) fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(crate) use reject_ops;

impl<D: RejectOps> Store<D> {
    /// See [`hiring_ports::RejectLog::record`].
    pub(crate) fn record_rejects(&self, rejects: &[Rejection]) -> Result<u64, RepoError> {
        if rejects.is_empty() {
            return Ok(0);
        }
        self.with_conn(|conn| D::write(conn, |conn| D::insert_rejects(conn, rejects)))
    }

    /// See [`hiring_ports::RejectLog::list`].
    pub(crate) fn list_rejects(
        &self,
        filter: &RejectFilter,
    ) -> Result<Vec<StoredRejection>, RepoError> {
        self.with_conn(|conn| D::list_rejects(conn, filter))
    }

    /// See [`hiring_ports::RejectLog::count`].
    pub(crate) fn count_rejects(&self, filter: &RejectFilter) -> Result<u64, RepoError> {
        self.with_conn(|conn| D::count_rejects(conn, filter))
    }
}
