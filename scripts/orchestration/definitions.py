"""The Dagster definitions of the pipeline: `dagster dev` loads `defs` (pyproject.toml's
`[tool.dagster]`, or `dagster dev -m scripts.orchestration.definitions`).

Steps run one after another in the run's process (in-process executor): DuckDB lets one
process write a file, and the loader, erasure and fit connect to it from Python while dbt
runs in a subprocess. The dbt target is profiles.yml's: `DBT_TARGET` (dev, DuckDB, by
default; prod, Postgres). See docs/orchestration.md.
"""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from scripts.orchestration.assets import (
    PROJECT,
    dbt_models,
    purchase_models,
    raw_source_freshness,
    raw_tables,
)
from scripts.orchestration.automation import (
    batch_job,
    batch_schedule,
    landing_files,
    micro_batch_job,
)
from scripts.orchestration.project import dbt_executable

defs = dg.Definitions(
    assets=[raw_tables, dbt_models, purchase_models],
    asset_checks=[raw_source_freshness],
    jobs=[batch_job, micro_batch_job],
    schedules=[batch_schedule],
    sensors=[landing_files],
    resources={"dbt": DbtCliResource(project_dir=PROJECT, dbt_executable=dbt_executable())},
    executor=dg.in_process_executor,
)
