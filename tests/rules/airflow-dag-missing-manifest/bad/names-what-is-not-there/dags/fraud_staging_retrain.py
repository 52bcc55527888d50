"""A generated DAG whose overlay was renamed away."""

GITOPS_ML = {
    "model": "fraud",
    "environment": "prod",
    "overlay": "models/fraud/overlays/production",  # expect: airflow-dag-missing-manifest
    "manifest": "manifests/fraud_prod_train.yaml",
}
