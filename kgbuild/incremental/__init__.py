"""Redoing only what changed since the last build: the one package whose code exists for speed.

A build into a folder that holds an earlier build reads that build's state (state.py: each
document's input digest, each graph's summary and bytes, the validation problems), and then
redoes only the work a change can reach:

- the store: a copy of the last one, updated by the N-Quads lines that differ (store.py);
- the inferred graph, around the nodes of those lines (inferred.py);
- the validation report, around those nodes and their neighbours (validation.py);
- the stored answers of the saved questions, for the keys a change reaches (answers.py, from
  what each question reads: algebra.py derives it from its SPARQL, locality.py finds the keys
  a change reaches, restrict.py asks a question for some keys, changes.py finds the changed
  quads).

The one invariant: every output, the store included, is byte for byte (quad for quad) what a
clean build of the same inputs gives. The tests that prove it: tests/test_build.py (adding,
changing and removing documents, figures that disagree, modality moved between sources),
tests/test_answers.py (stored answers against answers made from scratch), tests/
test_answers_property.py (random changes; stored answers against live ones), tests/
test_inference.py (the inferred graph against one made whole) and tests/test_determinism.py.
"""
