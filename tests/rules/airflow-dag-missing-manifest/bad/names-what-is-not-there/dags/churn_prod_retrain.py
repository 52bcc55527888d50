"""A generated DAG that names the wrong model and a manifest nobody wrote."""

GITOPS_ML = {
    "model": "churn",  # expect: airflow-dag-missing-manifest
    "environment": "prod",
    "overlay": "models/fraud/overlays/prod",
    "manifest": "manifests/churn_prod_train.yaml",  # expect: airflow-dag-missing-manifest
}
