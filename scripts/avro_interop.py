#!/usr/bin/env python3
"""Interoperability of `hiring` backups with Python's fastavro.

1. Generates and migrates synthetic data into a fresh SQLite database, backs it up with every
   codec, and checks that fastavro reads every file with records equal to the stored rows (read
   with Python's sqlite3) and with the self-describing metadata, and that the backup set's
   manifest (`sets/<id>.json`) records each file's rows, size and SHA-256 (hashlib).
2. Writes files with fastavro using the shipped schemas (crates/adapters/src/avro/*.avsc), with
   and without `hiring.*` metadata, and checks that `hiring restore` accepts them and stores
   exactly those records.

Usage: avro_interop.py PATH_TO_HIRING_BINARY
"""

import datetime as dt
import hashlib
import json
import os
import pathlib
import sqlite3
import subprocess
import sys
import tempfile

import fastavro

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "crates" / "adapters" / "src" / "avro"
TABLES = ["departments", "jobs", "hired_employees"]
CODECS = ["null", "deflate", "snappy", "zstandard"]
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def run(binary, db, *args):
    env = dict(os.environ, DATABASE_URL=str(db), RUST_LOG="warn")
    env["HIRING_CONFIG"] = str(db.parent / "empty.toml")
    done = subprocess.run([binary, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"hiring {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def micros(text):
    """RFC 3339 text as stored by the SQLite adapter -> microseconds since the epoch."""
    at = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    delta = at - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def stored(db):
    """Every table as the list of records fastavro should read, in id order."""
    with sqlite3.connect(db) as conn:
        return {
            "departments": [
                {"id": i, "department": d}
                for i, d in conn.execute("SELECT id, department FROM departments ORDER BY id")
            ],
            "jobs": [
                {"id": i, "job": j} for i, j in conn.execute("SELECT id, job FROM jobs ORDER BY id")
            ],
            "hired_employees": [
                {"id": i, "name": n, "datetime": micros(t), "department_id": d, "job_id": j}
                for i, n, t, d, j in conn.execute(
                    "SELECT id, name, datetime, department_id, job_id FROM hired_employees ORDER BY id"
                )
            ],
        }


def read_file(path):
    """Records of an Avro file with timestamps as raw microseconds, and its metadata."""
    with open(path, "rb") as f:
        reader = fastavro.reader(f, return_record_name=False)
        records = []
        for record in reader:
            if "datetime" in record:
                # fastavro decodes a timestamp-micros long as an aware datetime.
                assert isinstance(record["datetime"], dt.datetime), record
                record["datetime"] = micros(record["datetime"].isoformat())
            records.append(record)
        return records, reader.metadata


def schema(table):
    return fastavro.parse_schema(json.loads((SCHEMAS / f"{table}.avsc").read_text()))


def main():
    binary = sys.argv[1]
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        (tmp / "empty.toml").write_text("")
        db = tmp / "hiring.db"
        run(binary, db, "generate", "--rows", "3000", "--out", str(tmp / "csv"), "--seed", "5")
        run(binary, db, "migrate", "--dir", str(tmp / "csv"), "--format", "json")
        expected = stored(db)
        assert all(expected[t] for t in TABLES), "the migration stored rows in every table"

        # 1. fastavro reads what `hiring backup` writes.
        for codec in CODECS:
            folder = tmp / f"backup-{codec}"
            summary = json.loads(
                run(binary, db, "backup", "--codec", codec, "--dir", str(folder), "--format", "json")
            )
            manifest = json.loads((folder / "sets" / f"{summary['set']}.json").read_text())
            assert manifest["id"] == summary["set"] and manifest["format_version"] == 1, manifest
            assert [f["file"] for f in manifest["files"]] == [f["file"] for f in summary["files"]]
            for recorded in manifest["files"]:
                data = (folder / recorded["file"]).read_bytes()
                assert recorded["bytes"] == len(data), recorded
                assert recorded["sha256"] == hashlib.sha256(data).hexdigest(), recorded
                assert recorded["rows"] == len(expected[recorded["table"]]), recorded
            for info in summary["files"]:
                table = info["table"]
                records, meta = read_file(folder / info["file"])
                assert meta["avro.codec"] == codec, (codec, meta["avro.codec"])
                assert meta["hiring.table"] == table
                assert meta["hiring.rows"] == str(len(expected[table]))
                assert meta["hiring.schema_version"] == "1"
                assert meta["hiring.created_at"].endswith("Z")
                if table == "hired_employees":
                    written = json.loads(meta["avro.schema"])
                    field = next(f for f in written["fields"] if f["name"] == "datetime")
                    assert field["type"] == {"type": "long", "logicalType": "timestamp-micros"}, field
                if records != expected[table]:
                    raise SystemExit(f"{codec} {table}: fastavro read other records than stored")
                checked += 1

        # 2. `hiring restore` accepts files fastavro writes with our schema.
        written = tmp / "from-fastavro"
        written.mkdir()
        jobs = [{"id": r["id"], "job": f"{r['job']} (fastavro)"} for r in expected["jobs"]]
        hires = [dict(r, name=r["name"].upper()) for r in expected["hired_employees"]]
        cases = [
            ("jobs", jobs, "deflate", {"hiring.table": "jobs", "hiring.rows": str(len(jobs))}),
            # Without hiring.* metadata: the record name says the table.
            ("hired_employees", hires, "snappy", {}),
        ]
        for table, records, codec, metadata in cases:
            path = written / f"{table}.avro"
            with open(path, "wb") as f:
                fastavro.writer(f, schema(table), records, codec=codec, metadata=metadata)
            run(binary, db, "restore", table, "--file", str(path))
            now = stored(db)[table]
            if now != records:
                raise SystemExit(f"restoring the fastavro {table} file stored other rows")
            checked += 1

        # A fastavro file whose record breaks a rule is refused, and the table kept.
        bad = written / "bad.avro"
        with open(bad, "wb") as f:
            fastavro.writer(f, schema("jobs"), [{"id": 1, "job": "ok"}, {"id": 0, "job": ""}])
        before = stored(db)["jobs"]
        env = dict(os.environ, DATABASE_URL=str(db), HIRING_CONFIG=str(tmp / "empty.toml"))
        refused = subprocess.run(
            [binary, "restore", "jobs", "--file", str(bad)], env=env, capture_output=True, text=True
        )
        assert refused.returncode == 1 and "record 2 is invalid" in refused.stderr, refused.stderr
        assert stored(db)["jobs"] == before
        checked += 1

    print(f"interop: {checked} passed, 0 failed")


if __name__ == "__main__":
    main()
