"""Quality and speed of `kgbuild draft`, measured (not asserted).

    python benchmarks/draft.py [--gold ../shared/eval/seeds-gold.yaml] [--json OUT]

1. Each seed document is drafted leave-one-out: in a copy of the project without its curated
   file, and without the entities only that file uses, so the gazetteer holds no name that only
   its curation gives. The draft is scored against the curated file, and (after a real
   `kgbuild build` of the copy) against the independent gold reading with score_draft.py.
2. The texts written for the tests (tests/fixtures/draft/texts/, unseen by the rules' author
   while writing the seeds' rules) are drafted into one copy of the full project and scored
   against tests/fixtures/draft/gold.yaml the same way.
3. Time: in process per draft, and `kgbuild draft` as a whole process on a ~5 KB article.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "eval"
FIXTURES = ROOT / "tests" / "fixtures" / "draft"
KINDS = ("entities", "quantities", "quantities_with_qualifier", "dates", "events")
ENTITY = re.compile(r"^(person|org|place)/[a-z0-9_.\-]+$")


def copy_project(dest: Path) -> Path:
    for name in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, dest / name)
    return dest


def referenced(value: object) -> set[str]:
    if isinstance(value, str):
        return {value} if ENTITY.match(value) else set()
    if isinstance(value, list):
        return set().union(*(referenced(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(referenced(v) for v in value.values())) if value else set()
    return set()


def leave_out(project: Path, doc: str) -> None:
    """Remove the document and every entity that only its curated file uses."""
    docs = project / "data" / "documents"
    own = {
        r["id"]: r
        for r in yaml.safe_load((docs / f"{doc}.yaml").read_text(encoding="utf-8"))["facts"]
        if isinstance(r, dict) and "id" in r
    }
    # Records of other documents whose label (or type) only this document gives get it copied,
    # so the rest of the dataset still builds without this document.
    for path in sorted(docs.glob("*.yaml")):
        if path.stem == doc:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        changed = False
        for record in data.get("facts") or []:
            source = own.get(record.get("id")) if isinstance(record, dict) else None
            if source is None:
                continue
            for key in ("label", "type"):
                if key not in record and key in source:
                    record[key] = source[key]
                    changed = True
        if changed:
            path.write_text(
                yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
            )
    (docs / f"{doc}.yaml").unlink()
    (docs / f"{doc}.txt").unlink()
    used: set[str] = set()
    for path in docs.glob("*.yaml"):
        used |= referenced(yaml.safe_load(path.read_text(encoding="utf-8")))
    entities = project / "data" / "entities.yaml"
    data = yaml.safe_load(entities.read_text(encoding="utf-8"))
    # people, organisations and places only the left-out file names go (the gazetteer must not
    # know them); the shared graph's canonical labels of events and groups stay
    kept = [e for e in data["entities"] if e["id"] in used or not ENTITY.match(e["id"])]
    entities.write_text(
        yaml.safe_dump({"entities": kept}, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def build(project: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "kgbuild.cli", "build", "--project", str(project)],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise SystemExit(f"build failed in {project}:\n{run.stdout}\n{run.stderr}")


def score(project: Path, gold: Path, pairs: list[str]) -> dict:
    out = project / "score.json"
    run = subprocess.run(
        [
            sys.executable,
            str(SHARED / "score_draft.py"),
            str(project / "dist" / "store"),
            str(gold),
            *pairs,
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    print(run.stdout.rstrip())
    return json.loads(out.read_text(encoding="utf-8"))


def curated_comparison(draft_yaml: Path, curated_yaml: Path) -> dict[str, tuple[int, int, int]]:
    """Draft vs curated file: entities by id, figures by number, dates by value, events by type."""

    def facts(path: Path) -> list[dict]:
        return yaml.safe_load(path.read_text(encoding="utf-8")).get("facts") or []

    def summary(records: list[dict]) -> dict[str, Counter]:
        out: dict[str, Counter] = {k: Counter() for k in ("entities", "figures", "dates", "events")}
        for r in records:
            rid = r.get("id", "")
            out["entities"].update(referenced(r) - set(out["entities"]))
            if rid.startswith("event/"):
                types = r.get("type")
                out["events"][types if isinstance(types, str) else str(types)] += 1
                for key in ("date", "startDate", "endDate"):
                    if key in r:
                        v = r[key]
                        out["dates"][
                            v if isinstance(v, str) else str(v.get("in", v.get("dayOfWeek")))
                        ] += 1
                for q in r.get("quantities") or []:
                    n = q.get("value", q.get("lowerBound", q.get("upperBound")))
                    if n is not None:
                        out["figures"][float(n)] += 1
        out["entities"] = Counter(dict.fromkeys(out["entities"], 1))
        out["dates"] = Counter(dict.fromkeys(out["dates"], 1))
        return out

    d, c = summary(facts(draft_yaml)), summary(facts(curated_yaml))
    return {k: (sum((d[k] & c[k]).values()), sum(d[k].values()), sum(c[k].values())) for k in d}


def pr(tp: int, pred: int, gold: int) -> str:
    p = tp / pred if pred else 0.0
    r = tp / gold if gold else 0.0
    return f"P={p:.2f} R={r:.2f} ({tp}/{pred}p/{gold}g)"


def report(title: str, results: dict[str, dict], languages: dict[str, str]) -> None:
    print(f"\n== {title}")
    by_lang: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    traps = 0
    for doc, row in results.items():
        traps += row["trap_hits"]
        for kind in KINDS:
            tp, pred, gold = row[kind]
            for key in (languages[doc], "all"):
                c = by_lang[key][kind]
                c["tp"] += tp
                c["pred"] += pred
                c["gold"] += gold
    for lang in sorted(by_lang, key=lambda k: (k == "all", k)):
        print(f"  [{lang}]")
        for kind in KINDS:
            c = by_lang[lang][kind]
            print(f"    {kind:26s} {pr(c['tp'], c['pred'], c['gold'])}")
    print(f"  trap hits: {traps}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gold", type=Path, default=SHARED / "seeds-gold.yaml")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from kgbuild.draft import draft_file
    from kgbuild.project import Project

    gold = yaml.safe_load(args.gold.read_text(encoding="utf-8"))
    seeds = sorted(p.stem for p in (ROOT / "data" / "documents").glob("*.txt"))
    timings: dict[str, float] = {}
    seed_scores: dict[str, dict] = {}
    curated: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for doc in seeds:
            project_dir = copy_project(Path(tmp) / doc)
            leave_out(project_dir, doc)
            project = Project.at(project_dir)
            began = time.perf_counter()
            draft_file(project, ROOT / "data" / "documents" / f"{doc}.txt", doc_id=doc)
            timings[doc] = time.perf_counter() - began
            curated[doc] = curated_comparison(
                project_dir / "data" / "documents" / f"{doc}.yaml",
                ROOT / "data" / "documents" / f"{doc}.yaml",
            )
            build(project_dir)
            if doc in gold:
                seed_scores.update(score(project_dir, args.gold, [f"{doc}={doc}"])["per_document"])
        print(
            "\n== seeds, leave-one-out, against the curated files (draft vs curated: tp/draft/curated)"  # noqa: E501
        )
        for doc, row in curated.items():
            print(f"  {doc}: " + "; ".join(f"{k} {pr(*v)}" for k, v in row.items()))
        totals = {
            k: tuple(sum(row[k][i] for row in curated.values()) for i in range(3))
            for k in ("entities", "figures", "dates", "events")
        }
        print("  all: " + "; ".join(f"{k} {pr(*v)}" for k, v in totals.items()))
        report(
            "seeds, leave-one-out, against seeds-gold.yaml",
            seed_scores,
            {d: gold[d]["language"] for d in seed_scores},
        )

        own_gold_path = FIXTURES / "gold.yaml"
        own_gold = yaml.safe_load(own_gold_path.read_text(encoding="utf-8"))
        project_dir = copy_project(Path(tmp) / "own")
        project = Project.at(project_dir)
        pairs = []
        for stem in sorted(own_gold):
            text_path = FIXTURES / "texts" / f"{stem}.txt"
            doc_id = stem.replace(".", "-")
            began = time.perf_counter()
            draft_file(project, text_path, doc_id=doc_id, published=own_gold[stem].get("published"))
            timings[stem] = time.perf_counter() - began
            pairs.append(f"{stem}={doc_id}")
        build(project_dir)
        own_scores = score(project_dir, own_gold_path, pairs)["per_document"]
        report(
            "own texts (tests/fixtures/draft/texts), against tests/fixtures/draft/gold.yaml",
            own_scores,
            {s: own_gold[s]["language"] for s in own_scores},
        )

        # a whole process on the longest seed (about 5 KB)
        longest = max(
            seeds, key=lambda d: (ROOT / "data" / "documents" / f"{d}.txt").stat().st_size
        )
        project_dir = copy_project(Path(tmp) / "process")
        began = time.perf_counter()
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "kgbuild.cli",
                "draft",
                str(ROOT / "data" / "documents" / f"{longest}.txt"),
                "--id",
                "timing",
                "--project",
                str(project_dir),
            ],
            capture_output=True,
            text=True,
        )
        process = time.perf_counter() - began
        if run.returncode != 0:
            print(run.stdout, run.stderr)
    size = (ROOT / "data" / "documents" / f"{longest}.txt").stat().st_size
    print("\n== time")
    for doc, seconds in timings.items():
        print(f"  in process  {doc:40s} {seconds:.2f} s")
    print(f"  whole process `kgbuild draft` on {longest} ({size} bytes): {process:.2f} s")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "seeds": seed_scores,
                    "curated": curated,
                    "own": own_scores,
                    "timings": timings,
                    "process": process,
                },
                indent=1,
                default=list,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
