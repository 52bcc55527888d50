"""A DAG whose pods are not the model's training: not drift."""

import datetime

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk import DAG

with DAG(dag_id="report", schedule="@daily", start_date=datetime.datetime(2024, 1, 1)):
    KubernetesPodOperator(task_id="report", image="ghcr.io/acme/report:1.0.0")
