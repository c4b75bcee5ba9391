"""Dagster orchestration of the pipeline: the raw load, the dbt project and the purchase
models as assets, dbt tests as asset checks, a daily schedule for the batch pipeline and a
sensor that runs a micro-batch when new landing files arrive.

`definitions.defs` is what `dagster dev` loads (pyproject.toml's `[tool.dagster]`); see
docs/orchestration.md. The modules import dagster, which the rest of the package does not
need: nothing outside this package imports them.
"""
