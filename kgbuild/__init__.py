"""kgbuild: a knowledge graph of migrant smuggling reporting on the Western Balkan route.

The front door (each function takes the project folder first)::

    import kgbuild

    result = kgbuild.build(".")  # build and validate the dataset into dist/
    for row in kgbuild.query(".", "disagreements").records():
        print(row["event"], row["figureA"], row["figureB"])

``build``, ``query`` (and ``query_page``, one page and the total; ``ask``, what `kgbuild
query` prints; ``query_text``, the SPARQL it runs), ``validate``, ``publish``, ``push``,
``draft`` and ``review`` are defined in kgbuild.pipeline, the one module that runs
the stages in order.
"""

__version__ = "0.1.0"

from kgbuild import pipeline as _pipeline
from kgbuild.pipeline import (  # noqa: F401  (the front door; __all__ below lists it)
    ask,
    build,
    draft,
    publish,
    push,
    query,
    query_page,
    query_text,
    review,
    validate,
)

__all__ = ["__version__", *_pipeline.FRONT_DOOR]
