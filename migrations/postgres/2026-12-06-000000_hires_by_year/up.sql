-- The opt-in layout of hired_employees partitioned by hire year (RANGE on `datetime`, one
-- partition per UTC year, named hired_employees_y<year>), chosen before the first load with
-- hiring_partition_hires_by_year(). The default layout stays the plain table; these functions
-- only define what the partitioned one needs.
--
-- A unique constraint of a partitioned table must include the partition key, so its primary
-- key is (id, datetime); the id alone is kept unique by hired_employee_ids (id PRIMARY KEY),
-- which statement triggers on hired_employees fill and empty in the same transaction as the
-- hires: a second hire with a stored id fails on hired_employee_ids_pkey, a unique violation
-- like the plain table's. Writes go through hired_employees (a statement on one partition by
-- name fires none of its statement triggers).

-- Keeps hired_employee_ids equal to the ids of hired_employees.
CREATE FUNCTION hiring_hire_ids() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO hired_employee_ids (id) SELECT id FROM inserted_hires;
    ELSIF TG_OP = 'UPDATE' THEN
        DELETE FROM hired_employee_ids i USING replaced_hires o WHERE i.id = o.id;
        INSERT INTO hired_employee_ids (id) SELECT id FROM updated_hires;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM hired_employee_ids i USING deleted_hires o WHERE i.id = o.id;
    ELSIF TG_OP = 'TRUNCATE' THEN
        TRUNCATE hired_employee_ids;
    END IF;
    RETURN NULL;
END
$$;

-- Whether hired_employees is partitioned.
CREATE FUNCTION hiring_hires_partitioned() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'hired_employees'::regclass
    )
$$;

-- Makes sure each year of `years` has its partition, before hires of those years are written:
-- a year without one gets a new table, attached as the partition of [Jan 1, Jan 1 next year)
-- UTC (attaching takes a SHARE UPDATE EXCLUSIVE lock on hired_employees: its readers and
-- writers do not wait). Creators of the same year queue on an advisory lock, and the second
-- finds the first one's partition. Does nothing on the plain layout.
CREATE FUNCTION hiring_hire_partitions(years integer[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    year integer;
    partition text;
    missing integer[];
BEGIN
    IF NOT hiring_hires_partitioned() THEN
        RETURN;
    END IF;
    SELECT array_agg(y) INTO missing FROM unnest(years) AS y
    WHERE NOT EXISTS (
        SELECT 1 FROM pg_inherits
        WHERE inhparent = 'hired_employees'::regclass
            AND inhrelid = to_regclass(quote_ident('hired_employees_y' || y))
    );
    IF missing IS NULL THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('hiring: partitions of hired_employees'));
    FOREACH year IN ARRAY missing LOOP
        partition := 'hired_employees_y' || year;
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM pg_inherits
            WHERE inhparent = 'hired_employees'::regclass
                AND inhrelid = to_regclass(quote_ident(partition))
        );
        IF to_regclass(quote_ident(partition)) IS NOT NULL THEN
            RAISE EXCEPTION 'table % exists but is not a partition of hired_employees', partition
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Attach it again (ALTER TABLE hired_employees ATTACH PARTITION) '
                          || 'or rename it; hires of ' || year || ' go into it.';
        END IF;
        EXECUTE format('CREATE TABLE %I (LIKE hired_employees INCLUDING DEFAULTS)', partition);
        EXECUTE format(
            'ALTER TABLE hired_employees ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
            partition,
            make_timestamptz(year, 1, 1, 0, 0, 0, 'UTC'),
            make_timestamptz(year + 1, 1, 1, 0, 0, 0, 'UTC'));
    END LOOP;
END
$$;

-- Drops every partition of hired_employees, once a replacement has emptied it (they are empty;
-- the replacement's rows make the partitions of their own years): a restore leaves one partition
-- per year it holds, and no lock on those of earlier contents. Does nothing on the plain layout.
CREATE FUNCTION hiring_drop_hire_partitions() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    partition regclass;
BEGIN
    FOR partition IN
        SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'hired_employees'::regclass
    LOOP
        EXECUTE format('DROP TABLE %s', partition);
    END LOOP;
END
$$;

-- Turns the plain, empty hired_employees into the partitioned layout: the same columns,
-- defaults, foreign keys (names, DEFERRABLE INITIALLY IMMEDIATE) and other indexes, read from
-- the catalog; primary key (id, datetime); hired_employee_ids and its triggers. Returns false
-- when the table is partitioned already. Refused once hired_employees holds a row: the layout
-- is chosen before the first load (moving stored hires is a copy, see docs/scaling.md).
CREATE FUNCTION hiring_partition_hires_by_year() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    statement text;
    put_back text[] := '{}';
BEGIN
    -- Partitioned already (every start of a service that asks for this layout): no lock.
    IF hiring_hires_partitioned() THEN
        RETURN false;
    END IF;
    LOCK TABLE hired_employees IN ACCESS EXCLUSIVE MODE;
    IF hiring_hires_partitioned() THEN
        RETURN false;
    END IF;
    IF EXISTS (SELECT 1 FROM hired_employees) THEN
        RAISE EXCEPTION 'hired_employees already holds hires: its layout is chosen before the first load'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Partition a new, empty database, then restore a backup into it.';
    END IF;
    ALTER TABLE hired_employees RENAME TO hired_employees_plain;
    CREATE TABLE hired_employees (LIKE hired_employees_plain INCLUDING DEFAULTS)
        PARTITION BY RANGE (datetime);
    SELECT put_back || array_agg(format('ALTER TABLE hired_employees ADD CONSTRAINT %I %s',
            conname, pg_get_constraintdef(oid)) ORDER BY conname)
        INTO put_back
        FROM pg_constraint WHERE conrelid = 'hired_employees_plain'::regclass AND contype = 'f';
    SELECT put_back || coalesce(array_agg(regexp_replace(pg_get_indexdef(i.indexrelid),
            ' ON (\S+\.)?hired_employees_plain ', ' ON hired_employees ')
            ORDER BY i.indexrelid::regclass::text), '{}')
        INTO put_back
        FROM pg_index i
        WHERE i.indrelid = 'hired_employees_plain'::regclass
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
    DROP TABLE hired_employees_plain;
    ALTER TABLE hired_employees ADD CONSTRAINT hired_employees_pkey PRIMARY KEY (id, datetime);
    FOREACH statement IN ARRAY put_back LOOP
        EXECUTE statement;
    END LOOP;
    CREATE TABLE hired_employee_ids (id integer PRIMARY KEY);
    CREATE TRIGGER hired_employee_ids_insert AFTER INSERT ON hired_employees
        REFERENCING NEW TABLE AS inserted_hires
        FOR EACH STATEMENT EXECUTE FUNCTION hiring_hire_ids();
    CREATE TRIGGER hired_employee_ids_update AFTER UPDATE ON hired_employees
        REFERENCING OLD TABLE AS replaced_hires NEW TABLE AS updated_hires
        FOR EACH STATEMENT EXECUTE FUNCTION hiring_hire_ids();
    CREATE TRIGGER hired_employee_ids_delete AFTER DELETE ON hired_employees
        REFERENCING OLD TABLE AS deleted_hires
        FOR EACH STATEMENT EXECUTE FUNCTION hiring_hire_ids();
    CREATE TRIGGER hired_employee_ids_truncate AFTER TRUNCATE ON hired_employees
        FOR EACH STATEMENT EXECUTE FUNCTION hiring_hire_ids();
    RETURN true;
END
$$;
