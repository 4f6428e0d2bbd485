"""Maintainer tooling: benchmarks (tools.bench), checkpoint making (tools.make_checkpoints),
notebook execution and README/setup-cell generators. Nothing a notebook imports lives here."""
