//! Diesel table definitions. The tables are the same on both backends except for the SQL types
//! of the instants (`timestamptz` on PostgreSQL, RFC 3339 text on SQLite) and of the reasons
//! (`jsonb` on PostgreSQL, JSON text on SQLite), so one macro writes both schemas.

macro_rules! tables {
    ($instant:ident, $json:ident) => {
        diesel::table! {
            departments (id) {
                id -> Integer,
                department -> Text,
            }
        }

        diesel::table! {
            jobs (id) {
                id -> Integer,
                job -> Text,
            }
        }

        diesel::table! {
            use diesel::sql_types::*;

            hired_employees (id) {
                id -> Integer,
                name -> Text,
                datetime -> $instant,
                department_id -> Integer,
                job_id -> Integer,
            }
        }

        diesel::table! {
            hire_counts (year, department_id, job_id, quarter, stripe) {
                year -> Integer,
                quarter -> Integer,
                department_id -> Integer,
                job_id -> Integer,
                hired -> BigInt,
                stripe -> Integer,
            }
        }

        diesel::table! {
            use diesel::sql_types::*;

            rejected_rows (id) {
                id -> BigInt,
                table_name -> Text,
                source -> Text,
                raw_record -> Text,
                reasons -> $json,
                recorded_at -> $instant,
                run_id -> Nullable<BigInt>,
                fields -> Text,
                reason_text -> Text,
            }
        }

        diesel::table! {
            use diesel::sql_types::*;

            runs (id) {
                id -> BigInt,
                kind -> Text,
                actor -> Text,
                source -> Text,
                started_at -> $instant,
                finished_at -> Nullable<$instant>,
                outcome -> Text,
                read_rows -> BigInt,
                inserted -> BigInt,
                already_present -> BigInt,
                rejected -> BigInt,
                duration_ms -> Nullable<BigInt>,
                detail -> Text,
            }
        }

        diesel::table! {
            use diesel::sql_types::*;

            audit_log (id) {
                id -> BigInt,
                recorded_at -> $instant,
                actor -> Text,
                action -> Text,
                table_name -> Nullable<Text>,
                row_count -> BigInt,
                outcome -> Text,
                detail -> Text,
                request_id -> Nullable<Text>,
                duration_ms -> BigInt,
            }
        }
    };
}

/// The SQLite schema.
pub(crate) mod sqlite {
    tables!(Text, Text);
}

/// The PostgreSQL schema.
pub(crate) mod pg {
    tables!(Timestamptz, Jsonb);
}
