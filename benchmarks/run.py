"""kgbuild benchmark: build, incremental build, validate and saved questions at growing sizes,
against the plain rdflib / owlrl / pySHACL pipeline where that one finishes.

    python benchmarks/run.py                       # 100, 1,000 and 10,000 documents
    python benchmarks/run.py --sizes 20 --plain-max 20 --repeat 3   # a quick check

Every step runs in a fresh process (cold start included) and reports its wall time and the
peak resident memory of the process and of its worker processes. Prints a table and writes
the figures as JSON (--json). Benchmarks are not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEP = r"""
import json, resource, sys, time
started = time.perf_counter()
step, args = sys.argv[1], json.loads(sys.argv[2])
from pathlib import Path
from kgbuild.project import Project
extra = {}
if step == "build":
    from kgbuild.pipeline import build
    r = build(Project.at(args["project"]), workers=args.get("workers", 2),
              use_cache=args.get("cache", True))
    extra = {"triples": r.counts["triples"], "violations": r.report.violations,
             "warnings": r.report.warnings}
elif step == "plain":
    import owlrl, pyshacl, rdflib
    t = time.perf_counter()
    import pyoxigraph
    merged = {str(q.triple) for q in pyoxigraph.parse(path=args["dump"])}
    graph = rdflib.Graph().parse(data="".join(t + " .\n" for t in merged), format="nt")
    extra["parse_s"] = time.perf_counter() - t
    shapes = rdflib.Graph().parse(args["shapes"], format="turtle")
    ontology = rdflib.Graph().parse(args["ontology"], format="turtle")
    t = time.perf_counter()
    conforms, report, _ = pyshacl.validate(graph, shacl_graph=shapes, ont_graph=ontology,
                                           inference="none", allow_warnings=True)
    extra["validate_s"] = time.perf_counter() - t
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    node = next(report.subjects(rdflib.RDF.type, sh.ValidationReport))
    results = list(report.objects(node, sh.result))
    extra["results"] = len(results)
    theirs = {(str(report.value(r, sh.resultSeverity)).rsplit("#", 1)[-1],
               str(report.value(r, sh.focusNode)), str(report.value(r, sh.resultMessage)))
              for r in results}
    ours = {(p["severity"], p["focus"], p["message"])
            for p in json.loads(Path(args["report"]).read_text())["problems"]}
    extra["same_validation_results"] = theirs == ours
    t = time.perf_counter()
    closure = rdflib.Graph()
    for triple in graph:
        closure.add(triple)
    for triple in ontology:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.RDFS_Semantics, axiomatic_triples=False,
                           improved_datatypes=False).expand(closure)
    extra["closure_s"] = time.perf_counter() - t
    extra["closure_triples"] = len(closure)
    # Agreement with our inferred graph: everything owlrl entails about the data's resources
    # is in it; ours has more only where owl:inverseOf (beyond RDFS) adds the inverse.
    import pyoxigraph
    store = pyoxigraph.Store.read_only(args["store"])
    inferred = pyoxigraph.NamedNode(args["inferred"])
    ours = {(q.subject.value, q.predicate.value, q.object.value)
            for q in store.quads_for_pattern(None, None, None, inferred)}
    def wanted(s, p, o):
        return (isinstance(s, rdflib.URIRef) and str(s).startswith(args["base"])
                and not str(p).startswith(str(rdflib.RDFS))
                and not (p == rdflib.RDF.type and str(o).startswith(
                    (str(rdflib.RDFS), str(rdflib.OWL), str(rdflib.RDF)))))
    asserted = {(str(s), str(p), str(o)) for s, p, o in graph}
    theirs = {(str(s), str(p), str(o)) for s, p, o in closure if wanted(s, p, o)} - asserted
    ours = {t for t in ours if wanted(rdflib.URIRef(t[0]), rdflib.URIRef(t[1]), t[2])}
    extra["same_inference"] = theirs <= ours and all(
        p.endswith(("#hasPart", "/hasSubEvent", "/subEvent")) for _, p, _ in ours - theirs)
elif step == "floor":
    import pyoxigraph
    t = time.perf_counter()
    extra["quads"] = sum(1 for _ in pyoxigraph.parse(path=args["dump"]))
    extra["parse_s"] = time.perf_counter() - t
elif step == "query":
    from kgbuild.graph.query import run_query
    from kgbuild.graph.saved import saved_queries
    from kgbuild.graph.paging import Page
    from kgbuild.graph.store import open_store
    from kgbuild.pipeline import query_page
    project = Project.at(args["project"])
    store = open_store(project.dist_dir)
    times, page_times, all_times = {}, {}, {}
    for saved in saved_queries(Path(ROOT) / "queries"):
        runs = []
        for _ in range(args["repeat"]):
            t = time.perf_counter()
            outcome = run_query(store, saved.text, base=project.base, params=saved.params)
            len(outcome.rows) if outcome.form == "SELECT" else outcome.triples
            runs.append(time.perf_counter() - t)
        times[saved.name] = runs
        # what `kgbuild query NAME` and `--all` run: the stored answer where the build wrote
        # one (kgbuild.pipeline.query_page), else the question live
        for limit, into in ((100, page_times), (None, all_times)):
            runs = []
            for _ in range(args["repeat"]):
                t = time.perf_counter()
                answer = query_page(project, saved.name, limit=limit)
                if isinstance(answer, Page):
                    len(answer.outcome.rows)
                runs.append(time.perf_counter() - t)
            into[saved.name] = runs
    extra["times"] = times
    extra["page_times"] = page_times
    extra["all_times"] = all_times
self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": time.perf_counter() - started, "rss_mb": self_kb / 1024,
                  "workers_rss_mb": children_kb / 1024, **extra}))
""".replace("ROOT", repr(str(ROOT)))


def step(name: str, **args: object) -> dict[str, object]:
    """Run one step in a fresh Python process; returns its own measurements."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", STEP, name, json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark step {name} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - started
    return result


def command(args: list[str], cwd: Path) -> float:
    """Wall time of a whole `kgbuild` process."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "kgbuild.cli", *args], cwd=cwd, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"kgbuild {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return elapsed


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run_size(n: int, work: Path, plain_max: int, repeat: int) -> dict[str, object]:
    from corpus import generate

    from kgbuild.project import Project

    corpus = generate(Project.at(ROOT), work / f"corpus-{n}", n, seed=1)
    spare = generate(Project.at(ROOT), work / f"spare-{n}", n + 1, seed=1)
    out: dict[str, object] = {"documents": n}
    out["full_build"] = step("build", project=str(corpus), cache=False)
    out["floor"] = step("floor", dump=str(corpus / "dist" / "dataset.nq"))
    out["rebuild_unchanged"] = step("build", project=str(corpus))
    new_id = f"{n:06d}"
    for suffix in (".txt", ".yaml"):
        shutil.copy(
            spare / "data" / "documents" / f"{new_id}{suffix}",
            corpus / "data" / "documents" / f"{new_id}{suffix}",
        )
    out["add_one"] = step("build", project=str(corpus))
    changed = corpus / "data" / "documents" / "000001.yaml"
    changed.write_text(changed.read_text().replace("label: ", "label: revised ", 1))
    out["change_one"] = step("build", project=str(corpus))
    extra_doc = generate(Project.at(ROOT), work / f"spare2-{n}", n + 2, seed=1)
    probe = work / f"probe-{n}"
    probe.mkdir(exist_ok=True)
    doc = f"{n + 1:06d}"
    for suffix in (".txt", ".yaml"):
        shutil.copy(extra_doc / "data" / "documents" / f"{doc}{suffix}", probe / f"{doc}{suffix}")
    out["validate_one_s"] = statistics.median(
        command(["validate", "--project", str(corpus), str(probe / f"{doc}.yaml")], ROOT)
        for _ in range(3)
    )
    measured = step("query", project=str(corpus), repeat=repeat)
    in_process, paged, whole = measured["times"], measured["page_times"], measured["all_times"]
    queries = {}
    for name, runs in sorted(in_process.items()):
        process = [
            command(["query", "--project", str(corpus), name], ROOT)
            for _ in range(max(3, repeat // 4))
        ]
        queries[name] = {
            "median_ms": 1000 * statistics.median(runs),
            "p95_ms": 1000 * p95(runs),
            "page_median_ms": 1000 * statistics.median(paged[name]),
            "page_p95_ms": 1000 * p95(paged[name]),
            "all_median_ms": 1000 * statistics.median(whole[name]),
            "all_p95_ms": 1000 * p95(whole[name]),
            "process_median_s": statistics.median(process),
            "process_p95_s": p95(process),
        }
    out["queries"] = queries
    if n <= plain_max:
        plain = step(
            "plain",
            dump=str(corpus / "dist" / "dataset.nq"),
            shapes=str(ROOT / "shapes" / "kgbuild-shapes.ttl"),
            ontology=str(ROOT / "ontology" / "kgbuild.ttl"),
            report=str(corpus / "dist" / "validation.json"),
            store=str(corpus / "dist" / "store"),
            inferred=Project.at(corpus).graph_iri("inferred"),
            base=Project.at(corpus).base,
        )
        out["plain"] = plain
        full = out["full_build"]["wall_s"]
        out["plain_ratio"] = (plain["parse_s"] + plain["validate_s"] + plain["closure_s"]) / full
    shutil.rmtree(corpus, ignore_errors=True)
    return out


def table(results: list[dict[str, object]]) -> str:
    lines = [
        "| documents | triples | floor (parse N-Quads) | full build | peak MB (main + workers) "
        "| unchanged | add one | change one | validate one | slowest default page median "
        "(in process) | slowest `--all` median (in process) | slowest live answer median / p95 "
        "(in process) | slowest query process median | plain way (parse+SHACL+closure) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        full = r["full_build"]
        slow = max(r["queries"].items(), key=lambda kv: kv[1]["median_ms"])
        slow_page = max(r["queries"].items(), key=lambda kv: kv[1]["page_median_ms"])
        slow_all = max(r["queries"].items(), key=lambda kv: kv[1]["all_median_ms"])
        floor = r["floor"]["parse_s"]

        def ratio(seconds: float, floor: float = floor) -> str:
            return f"{seconds:.1f} s ({seconds / floor:.0f}×)"

        slow_process = max(q["process_median_s"] for q in r["queries"].values())
        plain = r.get("plain")
        plain_text = (
            f"{plain['parse_s'] + plain['validate_s'] + plain['closure_s']:.1f} s "
            f"({r['plain_ratio']:.1f}× ours; same results: "
            f"{plain['same_validation_results'] and plain['same_inference']})"
            if plain
            else "not run"
        )
        lines.append(
            f"| {r['documents']} | {full['triples']} | {floor:.2f} s | {ratio(full['wall_s'])} | "
            f"{full['rss_mb']:.0f} + {full['workers_rss_mb']:.0f} | "
            f"{ratio(r['rebuild_unchanged']['wall_s'])} | {ratio(r['add_one']['wall_s'])} | "
            f"{ratio(r['change_one']['wall_s'])} | {ratio(r['validate_one_s'])} | "
            f"{slow_page[0]} {slow_page[1]['page_median_ms']:.1f} ms | "
            f"{slow_all[0]} {slow_all[1]['all_median_ms']:.0f} ms | "
            f"{slow[0]} {slow[1]['median_ms']:.0f} / {slow[1]['p95_ms']:.0f} ms | "
            f"{slow_process:.2f} s | {plain_text} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument(
        "--plain-max",
        type=int,
        default=1000,
        help="run the plain pipeline up to this many documents",
    )
    parser.add_argument("--repeat", type=int, default=20, help="runs per saved question")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args()
    machine = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "system": platform.platform(),
    }
    results = []
    with tempfile.TemporaryDirectory(prefix="kgbuild-bench-") as work:
        for n in args.sizes:
            results.append(run_size(n, Path(work), args.plain_max, args.repeat))
            print(f"done: {n} documents", file=sys.stderr)
            if args.json:  # after each size, so that a long run's figures are not lost
                args.json.write_text(
                    json.dumps({"machine": machine, "results": results}, indent=2) + "\n"
                )
    report = {"machine": machine, "results": results}
    text = json.dumps(report, indent=2)
    print(text)
    print()
    print(table(results))


if __name__ == "__main__":
    main()
