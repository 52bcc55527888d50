"""A hand-written DAG that copies the training pod instead of launching the repository's."""

import datetime

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.cncf.kubernetes.operators.resource import KubernetesCreateResourceOperator
from airflow.sdk import DAG

JOB = {  # expect: airflow-drift
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"name": "fraud-train", "namespace": "ml-prod"},
    "spec": {"template": {"spec": {"containers": [{"name": "train", "image": "ghcr.io/acme/fraud-train:0.1.0"}]}}},
}

with DAG(dag_id="fraud_manual", schedule="@weekly", start_date=datetime.datetime(2024, 1, 1)):
    KubernetesPodOperator(  # expect: airflow-drift
        task_id="train",
        image="ghcr.io/acme/fraud-train:0.1.0",
        cmds=["python", "train.py"],
    )
    KubernetesCreateResourceOperator(
        task_id="create",
        yaml_conf="""  # expect: airflow-drift
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: fraud-train-copy
""",
    )
    KubernetesPodOperator(task_id="unrelated", image="ghcr.io/acme/report:1.0.0")
