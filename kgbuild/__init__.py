"""kgbuild: a knowledge graph of migrant smuggling reporting on the Western Balkan route."""

__version__ = "0.1.0"
