"""A generated DAG for an environment the config does not list, and no manifest key."""

GITOPS_ML = {  # expect: airflow-dag-missing-manifest
    "model": "fraud",
    "environment": "qa",  # expect: airflow-dag-missing-manifest
    "overlay": "models/fraud/overlays/prod",
}
