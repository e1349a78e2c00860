-- Tables of the hiring data set, and the log of rows that were refused.
-- `datetime` holds RFC 3339 UTC text exactly as the domain prints it (2021-11-07T02:48:42Z).

CREATE TABLE departments (
    id INTEGER PRIMARY KEY NOT NULL,
    department TEXT NOT NULL
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY NOT NULL,
    job TEXT NOT NULL
);

CREATE TABLE hired_employees (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    datetime TEXT NOT NULL,
    department_id INTEGER NOT NULL REFERENCES departments (id),
    job_id INTEGER NOT NULL REFERENCES jobs (id)
);

CREATE INDEX hired_employees_datetime ON hired_employees (datetime);
CREATE INDEX hired_employees_department_id ON hired_employees (department_id);
CREATE INDEX hired_employees_job_id ON hired_employees (job_id);

CREATE TABLE rejected_rows (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    table_name TEXT NOT NULL,
    source TEXT NOT NULL,
    raw_record TEXT NOT NULL,
    reasons TEXT NOT NULL CHECK (json_valid(reasons)),
    recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- The same row from the same place is recorded once.
CREATE UNIQUE INDEX rejected_rows_once ON rejected_rows (table_name, source, raw_record);
CREATE INDEX rejected_rows_table_id ON rejected_rows (table_name, id);
