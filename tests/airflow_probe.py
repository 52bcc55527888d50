"""Run by tests/test_airflow.py in a child process: import DAGs with the real Airflow.

``python airflow_probe.py DAGS_FOLDER OUT.json`` loads the folder into a ``DagBag``
(no database, no scheduler) and, for every DAG, executes its
``create_training_run`` task against a recording Kubernetes API client, so
the object the task would create is captured without a cluster. Writes one
JSON document to OUT.json (Airflow logs to stdout).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from kubernetes.client import ApiClient, CustomObjectsApi

try:  # Airflow 3
    from airflow.dag_processing.dagbag import DagBag
except ImportError:  # Airflow 2
    from airflow.models.dagbag import DagBag


class RecordingClient(ApiClient):  # type: ignore[misc]
    """Records every API call instead of sending it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict[str, Any]] = []

    def call_api(self, resource_path: str, method: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append(
            {
                "method": method,
                "path": resource_path,
                "params": kwargs.get("path_params") or (args[0] if args else {}),
                "body": self.sanitize_for_serialization(kwargs.get("body")),
            }
        )


def main(folder: str, out_path: str) -> None:
    bag = DagBag(dag_folder=folder)
    out: dict[str, Any] = {"import_errors": {str(k): str(v) for k, v in bag.import_errors.items()}}
    dags: dict[str, Any] = {}
    for dag_id, dag in sorted(bag.dags.items()):
        task = dag.get_task("create_training_run")
        recorder = RecordingClient()
        task.__dict__["client"] = recorder
        task.__dict__["custom_object_client"] = CustomObjectsApi(recorder)
        task.execute(context={})
        dags[dag_id] = {
            "fileloc": dag.fileloc,
            "schedule": str(getattr(dag, "schedule", None) or dag.timetable.summary),
            "max_active_runs": dag.max_active_runs,
            "catchup": dag.catchup,
            "tasks": sorted(t.task_id for t in dag.tasks),
            "upstream_of_create": sorted(task.upstream_task_ids),
            "downstream_of_create": sorted(task.downstream_task_ids),
            "operator": type(task).__name__,
            "conn_id": task.kubernetes_conn_id,
            "calls": recorder.calls,
        }
    out["dags"] = dags
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(out, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
