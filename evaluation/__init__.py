"""The clinical evaluation suite: vignettes written apart from the knowledge base, a simulated
patient that answers in its own words, and a report a clinician can read. `make eval` runs it
through the REST channel of a running server; `make test` runs it too (tests/clinical)."""
