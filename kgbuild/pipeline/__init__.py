"""The front door: build, query, validate, publish, push, draft, each taking the project first.

This is the orchestrator. It runs the stages of the lower packages in order (sources →
graph → validation → incremental → release; drafting beside them) and is the only package
that knows that order; no lower module imports it. ``import kgbuild`` gives these functions;
each `kgbuild` command is a thin call of one of them. building.py: build and publish;
asking.py: query, its pages, validate and push; drafting.py: draft and review.
"""

from kgbuild.pipeline.asking import ask, push, query, query_page, query_text, validate
from kgbuild.pipeline.building import BuildResult, build, cache_folder, publish
from kgbuild.pipeline.drafting import draft, event_index, review

# what `import kgbuild` gives (kgbuild/__init__.py), each taking the project first
__all__ = [
    "ask",
    "build",
    "draft",
    "publish",
    "push",
    "query",
    "query_page",
    "query_text",
    "review",
    "validate",
]
FRONT_DOOR = tuple(__all__)
__all__ += ["BuildResult", "cache_folder", "event_index"]
