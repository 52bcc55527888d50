"""A small realistic GitOps repository for the review, promote and pre-commit tests.

Model ``churn`` (Deployment + Service + HPA) and model ``fraud`` (Deployment),
each with dev, staging and prod overlays; prod includes the ``prod-ha``
component. Written by hand so these tests do not depend on the scaffolding.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

CONFIG = """\
apiVersion: gitops-ml.io/v1alpha1
kind: Config
kubernetesVersion: "1.33"
environments:
  - name: dev
    namespace: ml-dev
    tier: dev
  - name: staging
    namespace: ml-staging
    tier: staging
  - name: prod
    namespace: ml-prod
    tier: prod
"""

BASE_KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
labels:
  - pairs:
      gitops-ml.io/model: {model}
resources:
  - deployment.yaml
  - pdb.yaml
"""

PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {model}
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: {model}
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {model}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {model}
  template:
    metadata:
      labels:
        app: {model}
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
        - name: server
          image: ghcr.io/example-org/{model}:1.0.0
          ports:
            - containerPort: 8080
          env:
            - name: MODEL_URI
              value: s3://models/{model}/v1
          readinessProbe:
            httpGet:
              path: /ready
              port: 8080
          livenessProbe:
            httpGet:
              path: /health
              port: 8080
          resources:
            requests:
              cpu: 500m
              memory: 1Gi
            limits:
              memory: 1Gi
"""

OVERLAY = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
# {env}: namespace and replicas are this environment's own
namespace: ml-{env}
resources:
  - ../../base
{components}images:
  - name: ghcr.io/example-org/{model}  # the serving image
    newTag: "{tag}"
replicas:
  - name: {model}
    count: {replicas}
patches:
  - path: model.yaml
"""

MODEL_PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {model}
spec:
  template:
    spec:
      containers:
        - name: server
          env:
            - name: MODEL_URI
              value: "s3://models/{model}/{version}"  # the trained model
"""

PROD_HA = """\
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
  - target:
      kind: Deployment
    patch: |-
      - op: add
        path: /metadata/annotations
        value:
          example.org/tier: critical
"""

ENVS = ("dev", "staging", "prod")
REPLICAS = {"dev": 1, "staging": 2, "prod": 3}


def files(models: tuple[str, ...] = ("churn", "fraud")) -> dict[str, str]:
    out = {"gitops-ml.yaml": CONFIG, "components/prod-ha/kustomization.yaml": PROD_HA}
    for model in models:
        base = f"models/{model}/base"
        out[f"{base}/kustomization.yaml"] = BASE_KUSTOMIZATION.format(model=model)
        out[f"{base}/deployment.yaml"] = DEPLOYMENT.format(model=model)
        out[f"{base}/pdb.yaml"] = PDB.format(model=model)
        for env in ENVS:
            overlay = f"models/{model}/overlays/{env}"
            components = (
                "components:\n  - ../../../../components/prod-ha\n" if env == "prod" else ""
            )
            out[f"{overlay}/kustomization.yaml"] = OVERLAY.format(
                env=env, model=model, tag="1.0.0", replicas=REPLICAS[env], components=components
            )
            out[f"{overlay}/model.yaml"] = MODEL_PATCH.format(model=model, version="v1")
    return out


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def make_repo(root: Path, models: tuple[str, ...] = ("churn", "fraud")) -> Path:
    """Write the repository, ``git init`` it and commit everything."""
    for rel, text in files(models).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "gitops-ml tests")
    git(root, "config", "user.email", "tests@gitops-ml.invalid")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "initial")
    return root


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
