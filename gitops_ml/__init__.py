"""gitops-ml: generate and lint GitOps repositories for ML training and serving."""

__version__ = "0.1.0"
