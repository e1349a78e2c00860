#!/usr/bin/env python3
"""Times fastavro writing and reading the records of an Avro file (for scripts/bench_backup.sh).

Usage: bench_fastavro.py FILE.avro CODEC. Prints JSON: rows, write_seconds, read_seconds.
The records are loaded into memory first (untimed); writing goes to a temporary file with the
file's own schema and the given codec, reading reads that file back into a list.
"""

import json
import os
import sys
import tempfile
import time

import fastavro


def main():
    path, codec = sys.argv[1], sys.argv[2]
    with open(path, "rb") as f:
        reader = fastavro.reader(f)
        schema = reader.writer_schema
        records = list(reader)
    fd, out = tempfile.mkstemp(suffix=".avro")
    os.close(fd)
    try:
        started = time.perf_counter()
        with open(out, "wb") as f:
            fastavro.writer(f, schema, records, codec=codec)
            f.flush()
            os.fsync(f.fileno())
        write_seconds = time.perf_counter() - started
        started = time.perf_counter()
        with open(out, "rb") as f:
            back = list(fastavro.reader(f))
        read_seconds = time.perf_counter() - started
        assert len(back) == len(records)
    finally:
        os.remove(out)
    print(json.dumps({"rows": len(records), "write_seconds": write_seconds, "read_seconds": read_seconds}))


if __name__ == "__main__":
    main()
