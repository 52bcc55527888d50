"""airflow-schedule-invalid: an Airflow DAG's schedule is not a cron expression or preset.

## What it does
Reads every `.py` file under `airflow.dagsFolder` (default `dags/`) with
Python's `ast` module, never importing it, and checks each `schedule=` (or
the older `schedule_interval=`) given to `DAG(...)` or `@dag(...)` as a
string, directly or through a module-level constant. A string must be an
Airflow preset (`@hourly`, `@daily`, `@weekly`, `@monthly`, `@quarterly`,
`@yearly`, `@once`, `@continuous`, ...) or a five-field cron expression whose
fields are in range (minute 0-59, hour 0-23, day 1-31, month 1-12 or
`jan`-`dec`, weekday 0-7 or `sun`-`sat`). Timetables and timedeltas are not
checked.

## Why is this bad?
Airflow refuses the whole file at import: the DAG disappears from the UI
behind an "import error" banner, and the model stops being retrained
without a single failed run to alert on.

## Example
```python
SCHEDULE = "0 3 * * 8"  # there is no weekday 8
with DAG("fraud_prod_retrain", schedule=SCHEDULE, ...):
```

## Use instead
```python
SCHEDULE = "0 3 * * 0"  # Sundays 03:00 UTC
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.airflow import schedule_problem
from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext
from gitops_ml.lint.rule import Rule, Scope, Violation


def check(
    ctx: LintContext, subject: LintContext, options: Mapping[str, Any]
) -> Iterator[Violation]:
    for dag in ctx.dags:
        for schedule in dag.schedules:
            problem = schedule_problem(schedule.value)
            if problem is not None:
                yield Violation(
                    message=f"DAG {dag.rel} has schedule {problem}",
                    file=dag.rel,
                    line=schedule.line,
                )


RULE = Rule(
    id="airflow-schedule-invalid",
    scope=Scope.REPOSITORY,
    severity=Severity.ERROR,
    summary="an Airflow DAG's schedule is not a valid cron expression or preset",
    remediation="Use five cron fields in range (such as '0 3 * * 0') or a preset such as @weekly.",
    check=check,
    doc=__doc__ or "",
)
