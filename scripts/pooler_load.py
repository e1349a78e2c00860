"""Concurrent batch clients spread over several `hiring serve` processes (used by
scripts/pooler_test.sh and scripts/bench_topologies.sh). Every batch of 1,000 hires (ids past
100,000 + FIRST * 1,000, 50 of them invalid: an empty name) is sent twice, to two different
servers, with the same X-Request-Id, as a client retrying through another server would; with
--once, each batch is sent once, all of its rows valid. Prints one JSON line: what was sent and
answered, and the seconds it took.

usage: pooler_load.py BASE_URL[,BASE_URL...] TOKEN BATCHES CLIENTS [--once] [--first FIRST]
"""
import argparse
import json
import threading
import time
import urllib.request

cli = argparse.ArgumentParser()
cli.add_argument("bases")
cli.add_argument("token")
cli.add_argument("batches", type=int)
cli.add_argument("clients", type=int)
cli.add_argument("--once", action="store_true")
cli.add_argument("--first", type=int, default=0)
args = cli.parse_args()
bases, token, batches, clients = args.bases.split(","), args.token, args.batches, args.clients
SENDS = 1 if args.once else 2
ROWS, INVALID = 1000, 0 if args.once else 50
lock = threading.Lock()
answers = {"inserted": 0, "rejected": 0, "already": 0, "failed": []}


def batch(n):
    rows = []
    for i in range(ROWS):
        hid = 100_000 + (args.first + n) * ROWS + i
        rows.append({
            "id": hid,
            "name": "" if i < INVALID else f"Person {hid}",
            "datetime": f"2021-{1 + hid % 12:02d}-0{1 + hid % 9}T10:00:00Z",
            "department_id": 1 + hid % 12,
            "job_id": 1 + hid % 183,
        })
    return json.dumps(rows).encode()


def send(base, body, request_id):
    req = urllib.request.Request(
        f"{base}/api/v1/hired_employees", data=body, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 "X-Request-Id": request_id})
    with urllib.request.urlopen(req, timeout=120) as answer:
        return json.load(answer)


def client(k):
    for n in range(k, batches, clients):
        body = batch(n)
        for attempt in range(SENDS):
            base = bases[(n + attempt) % len(bases)]
            try:
                got = send(base, body, f"load-{args.first + n}")
            except Exception as e:  # noqa: BLE001 - reported, and the test fails on it
                with lock:
                    answers["failed"].append(f"batch {n} via {base}: {e}")
                continue
            with lock:
                answers["inserted"] += got["inserted"]
                for r in got["rejected"]:
                    if any("already" in e["message"] for e in r["errors"]):
                        answers["already"] += 1
                    else:
                        answers["rejected"] += 1


threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
started = time.perf_counter()
for t in threads:
    t.start()
for t in threads:
    t.join()
answers["seconds"] = time.perf_counter() - started
answers["batches"], answers["rows"], answers["invalid"] = batches, ROWS, INVALID
print(json.dumps(answers))
