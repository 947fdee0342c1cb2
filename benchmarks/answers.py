"""The saved questions' stored answers at scale: making them, keeping them up to date, reading.

    python benchmarks/answers.py --project /tmp/c10k --repeat 10 --json answers-10000.json

``--project`` is a generated corpus (benchmarks/corpus.py) that ``kgbuild build`` has built
(its dist/ is used and changed: work on a copy). Measured in process:

1. every answer from scratch over the built store (``materialise`` with no previous build);
2. one document added (a copy of document 000005 under the next number, a second source for
   its events), ``kgbuild build`` run, then the answers of that build made again the way the
   build does (``changed_nodes`` and ``materialise`` with the previous build), and compared
   byte for byte with answers made from scratch;
3. for every saved question: its default page (first 100 rows and the total) and every row
   (``--all``), read through ``kgbuild.pipeline.query_page`` as `kgbuild query` does, and the
   same question run live over the store.

Prints a table and writes the figures as JSON (--json). Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph

from kgbuild.graph.answers import materialise
from kgbuild.graph.paging import Page
from kgbuild.graph.query import run_query
from kgbuild.graph.saved import saved_queries
from kgbuild.graph.store import GRAPHS_FILE, STORE_DIR, open_store
from kgbuild.graph.stored import ANSWERS_DIR
from kgbuild.incremental.answers import KeptAnswers
from kgbuild.pipeline import build, query_page
from kgbuild.project import Project

# More changed graphs than this share (and than MAX_CHANGED_GRAPHS): answer everything again.
MAX_CHANGED_SHARE = 0.2
MAX_CHANGED_GRAPHS = 100


def changed_nodes(previous: Path | None, generation: Path) -> set[str] | None:
    """The nodes (IRIs) of every triple added to or removed from a named graph between the
    build in ``previous`` and the one in ``generation`` (each a build generation folder with
    its store and the SHA-256 of each named graph); None when that cannot be told or is most
    of the data (then everything is answered again).

    The build knows them (BuildResult.changed_nodes); a benchmark or test that has only two
    generation folders finds them here: the graphs whose digest differs are compared quad by
    quad in the two stores."""
    if previous is None:
        return None
    try:
        old_digests = json.loads((previous / GRAPHS_FILE).read_text(encoding="utf-8"))
        new_digests = json.loads((generation / GRAPHS_FILE).read_text(encoding="utf-8"))
        old = pyoxigraph.Store.read_only(str(previous / STORE_DIR))
        new = pyoxigraph.Store.read_only(str(generation / STORE_DIR))
    except (OSError, ValueError):
        return None
    graphs = sorted(
        g
        for g in old_digests.keys() | new_digests.keys()
        if old_digests.get(g) != new_digests.get(g)
    )
    if len(graphs) > max(MAX_CHANGED_SHARE * len(new_digests), MAX_CHANGED_GRAPHS):
        return None
    nodes: set[str] = set()
    for name in graphs:
        graph = pyoxigraph.NamedNode(name)
        before = {str(q): q for q in old.quads_for_pattern(None, None, None, graph)}
        after = {str(q): q for q in new.quads_for_pattern(None, None, None, graph)}
        for key in before.keys() ^ after.keys():
            quad = before.get(key) or after[key]
            for term in (quad.subject, quad.object):
                if isinstance(term, pyoxigraph.NamedNode):
                    nodes.add(term.value)
    return nodes


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / ANSWERS_DIR).iterdir())}


def rows(answer: object) -> int | None:
    """Read every row of a page, as a table does; its total (None: not a page)."""
    if not isinstance(answer, Page):
        return None
    len(answer.outcome.rows)
    return answer.total


def timed(call: object) -> tuple[float, object]:
    started = time.perf_counter()
    value = call()  # type: ignore[operator]
    return time.perf_counter() - started, value


def measure(project: Project, repeat: int, work: Path, live: bool) -> dict[str, object]:
    out: dict[str, object] = {}
    generation = (project.dist_dir / ".current").resolve()
    seconds, done = timed(
        lambda: materialise(generation / "store", project, work / "scratch", KeptAnswers(project))
    )
    out["from_scratch_s"] = seconds
    out["from_scratch"] = {a.name: {"how": a.how, "s": a.seconds, "rows": a.rows} for a in done}

    previous = work / "previous"
    shutil.copytree(generation, previous)
    docs = project.documents_dir
    number = len(list(docs.glob("*.yaml")))
    shutil.copy(docs / "000005.txt", docs / f"{number:06d}.txt")
    # not byte for byte the same: the build cache keys a document by its bytes alone
    text = (docs / "000005.yaml").read_text(encoding="utf-8")
    (docs / f"{number:06d}.yaml").write_text(text + "# a second source\n", encoding="utf-8")
    out["add_one_build_s"], _ = timed(lambda: build(project))
    generation = (project.dist_dir / ".current").resolve()
    seconds, changed = timed(lambda: changed_nodes(previous, generation))
    out["changed_nodes_s"], out["changed_nodes"] = seconds, len(changed or ())
    seconds, done = timed(
        lambda: materialise(
            generation / "store", project, work / "added", KeptAnswers(project, previous, changed)
        )
    )
    out["add_one_answers_s"] = seconds
    out["add_one"] = {
        a.name: {"how": a.how, "s": a.seconds, "keys": a.keys, "rows": a.rows} for a in done
    }
    scratch_s, _ = timed(
        lambda: materialise(generation / "store", project, work / "again", KeptAnswers(project))
    )
    out["add_one_from_scratch_s"] = scratch_s
    out["add_one_same_bytes"] = files(work / "added") == files(work / "again") == files(generation)

    store = open_store(project.dist_dir)
    questions = {}
    for saved in saved_queries(project.queries_dir):
        page_runs, all_runs, live_runs, total = [], [], [], None
        for _ in range(repeat):
            seconds, page = timed(lambda s=saved: rows(query_page(project, s.name, limit=100)))
            page_runs.append(seconds)
            total = page if isinstance(page, int) else total
            seconds, _ = timed(lambda s=saved: rows(query_page(project, s.name, limit=None)))
            all_runs.append(seconds)
        for _ in range(min(repeat, 3) if live else 0):
            seconds, _ = timed(
                lambda s=saved: run_query(store, s.text, base=project.base, params=s.params).rows
            )
            live_runs.append(seconds)
        questions[saved.name] = {
            "rows": total,
            "page_median_ms": 1000 * statistics.median(page_runs),
            "page_max_ms": 1000 * max(page_runs),
            "all_median_ms": 1000 * statistics.median(all_runs),
            "all_max_ms": 1000 * max(all_runs),
            "live_median_s": statistics.median(live_runs) if live_runs else None,
        }
    out["questions"] = questions
    return out


def table(result: dict[str, object]) -> str:
    lines = [
        f"answers from scratch: {result['from_scratch_s']:.1f} s",
        f"add one document: build {result['add_one_build_s']:.1f} s; changed nodes "
        f"{result['changed_nodes_s']:.2f} s ({result['changed_nodes']}); answers kept up to date "
        f"{result['add_one_answers_s']:.2f} s (from scratch {result['add_one_from_scratch_s']:.1f}"
        f" s); same bytes as from scratch: {result['add_one_same_bytes']}",
        "",
        "| question | rows | scratch s | add one: how, keys, s | page ms (median / max) "
        "| --all ms (median / max) | live s |",
        "|---|---|---|---|---|---|---|",
    ]
    scratch, added = result["from_scratch"], result["add_one"]
    for name, q in result["questions"].items():  # type: ignore[union-attr]
        s = scratch.get(name)  # type: ignore[union-attr]
        a = added.get(name)  # type: ignore[union-attr]
        cells = [
            f"`{name}`",
            "–" if q["rows"] is None else f"{q['rows']:,}",
            f"{s['s']:.2f} ({s['how']})" if s else "–",
            f"{a['how']}, {a['keys']}, {a['s']:.2f}" if a else "–",
            f"{q['page_median_ms']:.1f} / {q['page_max_ms']:.1f}",
            f"{q['all_median_ms']:.0f} / {q['all_max_ms']:.0f}",
            "–" if q["live_median_s"] is None else f"{q['live_median_s']:.2f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, required=True, help="a built corpus (changed)")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--no-live", action="store_true", help="skip the live questions")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kgbuild-answers-") as work:
        result = measure(Project.at(args.project), args.repeat, Path(work), not args.no_live)
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
