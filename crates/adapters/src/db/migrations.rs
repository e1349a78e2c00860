//! The embedded migrations, run when a store opens.

/// Runs the embedded migrations that are not applied yet.
pub(crate) fn run_migrations<C>(
    conn: &mut C,
    migrations: diesel_migrations::EmbeddedMigrations,
) -> Result<(), String>
where
    C: diesel_migrations::MigrationHarness<C::Backend> + diesel::Connection,
{
    conn.run_pending_migrations(migrations)
        .map(|applied| {
            for version in applied {
                tracing::info!(%version, "applied migration");
            }
        })
        .map_err(|e| e.to_string())
}
