"""Issue 6: `kgbuild serve` under load. A real `kgbuild serve` process (the front and the Oxigraph
server it starts) gets 20 concurrent clients on loopback for 30 s (KGBUILD_LOAD_SECONDS),
mixing the saved questions, resource pages, queries too expensive for the limits, SERVICE and
updates. Every request must be answered or refused cleanly (403, 413, 503 with a message),
the processes must stay up and within a memory bound. The throughput and latencies are printed
(and written to $KGBUILD_LOAD_REPORT as JSON): figures, not assertions.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest

import kgbuild
from kgbuild.graph.saved import saved_queries
from kgbuild.pipeline import BuildResult
from tests.conftest import committed

CLIENTS = 20
SECONDS = float(os.environ.get("KGBUILD_LOAD_SECONDS", "30"))
MEMORY_BOUND_MB = 1024  # the front and the Oxigraph server together
EXPENSIVE = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",  # runs too long
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }",  # answers too much
]
# what each kind of request may get: an answer, or a clean refusal
ALLOWED = {
    "saved": {200, 503},
    "page": {200},
    "expensive": {413, 503},
    "service": {403},
    "update": {403},
}


def saved_texts() -> list[str]:
    """Each saved question as kgbuild runs it (`kgbuild query NAME --show`), sent by GET."""
    return [
        kgbuild.query_text(committed(), saved.name)
        for saved in saved_queries(committed() / "queries")
    ]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total = 0.0
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def request(url: str, kind: str, rng: random.Random, texts: list[str]) -> int:
    if kind == "page":
        target = url + "/id/person/bratislav-gasic"
        req = urllib.request.Request(target, headers={"Accept": "text/turtle"})
    elif kind == "update":
        req = urllib.request.Request(
            url + "/sparql",
            data=b"INSERT DATA { <http://a/x> <http://a/p> 1 }",
            headers={"Content-Type": "application/sparql-update"},
        )
    else:
        text = {
            "saved": lambda: rng.choice(texts),
            "expensive": lambda: rng.choice(EXPENSIVE),
            "service": lambda: "SELECT * WHERE { SERVICE <http://127.0.0.1:9/s> { ?s ?p ?o } }",
        }[kind]()
        req = urllib.request.Request(
            url + "/sparql?" + urllib.parse.urlencode({"query": text}),
            headers={"Accept": "application/sparql-results+json, text/turtle;q=0.9"},
        )
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        body = exc.read()
        assert body.strip(), f"a {exc.code} without a message"
        return exc.code


@pytest.mark.slow
def test_serve_stays_up_and_answers_or_refuses_cleanly_under_load(
    built: tuple[BuildResult, Path], release: Path
) -> None:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kgbuild.cli",
            "serve",
            "--project",
            str(committed()),
            "--dist",
            str(built[1]),
            "--release",
            str(release),
            "--port",
            "0",
            "--timeout",
            "2",
            "--max-result-bytes",
            "1000000",
            "--concurrent",
            "4",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        assert "SPARQL endpoint" in line, server.stderr.read()
        url = line.split("SPARQL endpoint ", 1)[1].split("/sparql", 1)[0]
        texts = saved_texts()
        results: dict[str, list[tuple[int, float]]] = defaultdict(list)
        failures: list[str] = []
        memory: list[float] = []
        stop = time.monotonic() + SECONDS
        lock = threading.Lock()

        def client(seed: int) -> None:
            rng = random.Random(seed)
            kinds = ["saved"] * 12 + ["page"] * 3 + ["expensive"] * 3 + ["service", "update"]
            while time.monotonic() < stop:
                kind = rng.choice(kinds)
                started = time.perf_counter()
                try:
                    status = request(url, kind, rng, texts)
                except Exception as exc:  # a dropped connection is a failure of the server
                    with lock:
                        failures.append(f"{kind}: {exc!r}")
                    continue
                with lock:
                    results[kind].append((status, time.perf_counter() - started))

        def sample() -> None:
            while time.monotonic() < stop:
                memory.append(rss_mb(server.pid))
                time.sleep(0.5)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        threads.append(threading.Thread(target=sample))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert failures == [], failures[:5]
        for kind, rows in results.items():
            assert {status for status, _ in rows} <= ALLOWED[kind], kind
        assert server.poll() is None, "the server went down"
        assert request(url, "saved", random.Random(0), texts[:1]) == 200  # still answering
        assert max(memory) < MEMORY_BOUND_MB, f"{max(memory):.0f} MB"

        total = sum(len(rows) for rows in results.values())
        report = {
            "clients": CLIENTS,
            "seconds": SECONDS,
            "requests": total,
            "per_second": total / SECONDS,
            "peak_rss_mb": max(memory),
            "kinds": {
                kind: {
                    "requests": len(rows),
                    "statuses": {
                        str(s): sum(1 for x, _ in rows if x == s) for s in {x for x, _ in rows}
                    },
                    "median_ms": 1000 * statistics.median(t for _, t in rows),
                    "p95_ms": 1000 * sorted(t for _, t in rows)[int(0.95 * (len(rows) - 1))],
                }
                for kind, rows in sorted(results.items())
            },
        }
        print(json.dumps(report, indent=2))
        if os.environ.get("KGBUILD_LOAD_REPORT"):
            Path(os.environ["KGBUILD_LOAD_REPORT"]).write_text(json.dumps(report, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=30)
