"""Retrain fraud in prod (a DAG as gitops-ml generates it, cut down)."""

import datetime

from airflow.providers.cncf.kubernetes.operators.resource import KubernetesCreateResourceOperator
from airflow.sdk import DAG

GITOPS_ML = {
    "model": "fraud",
    "environment": "prod",
    "overlay": "models/fraud/overlays/prod",
    "manifest": "manifests/fraud_prod_train.yaml",
}
SCHEDULE = "0 3 * * 0"

with DAG(
    dag_id="fraud_prod_retrain",
    schedule=SCHEDULE,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
):
    KubernetesCreateResourceOperator(
        task_id="create_training_run",
        yaml_conf_file="/opt/airflow/dags/repo/dags/manifests/fraud_prod_train.yaml",
    )
