-- Tables of the hiring data set, and the log of rows that were refused.

CREATE TABLE departments (
    id integer PRIMARY KEY,
    department text NOT NULL
);

CREATE TABLE jobs (
    id integer PRIMARY KEY,
    job text NOT NULL
);

CREATE TABLE hired_employees (
    id integer PRIMARY KEY,
    name text NOT NULL,
    datetime timestamptz NOT NULL,
    department_id integer NOT NULL REFERENCES departments (id),
    job_id integer NOT NULL REFERENCES jobs (id)
);

CREATE INDEX hired_employees_datetime ON hired_employees (datetime);
CREATE INDEX hired_employees_department_id ON hired_employees (department_id);
CREATE INDEX hired_employees_job_id ON hired_employees (job_id);

CREATE TABLE rejected_rows (
    id bigserial PRIMARY KEY,
    table_name text NOT NULL,
    source text NOT NULL,
    raw_record text NOT NULL,
    reasons jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

-- The same row from the same place is recorded once. A raw record may be longer than a btree
-- entry allows, so the index holds its digest.
CREATE UNIQUE INDEX rejected_rows_once ON rejected_rows (table_name, source, md5(raw_record));
CREATE INDEX rejected_rows_table_id ON rejected_rows (table_name, id);
