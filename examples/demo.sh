#!/usr/bin/env bash
# The main job on a built-in example: scaffold a demo GitOps repository, lint
# it, change a model version in staging and show the rendered diff a reviewer
# would see, then promote it to prod. Runs in a temporary folder.
set -euo pipefail

work="$(mktemp -d "${TMPDIR:-/tmp}/gitops-ml-demo.XXXXXX")"
export GIT_AUTHOR_NAME="${GIT_AUTHOR_NAME:-gitops-ml demo}"
export GIT_AUTHOR_EMAIL="${GIT_AUTHOR_EMAIL:-demo@gitops-ml.invalid}"
export GIT_COMMITTER_NAME="${GIT_COMMITTER_NAME:-$GIT_AUTHOR_NAME}"
export GIT_COMMITTER_EMAIL="${GIT_COMMITTER_EMAIL:-$GIT_AUTHOR_EMAIL}"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "gitops-ml init $work/ml --controller argocd"
gitops-ml init "$work/ml" --controller argocd --repo-url https://github.com/acme/ml-gitops.git
cd "$work/ml"

step "gitops-ml new-model fraud (KServe + PyTorchJob, 1 GPU)"
gitops-ml new-model fraud --framework pytorch --serving kserve --training pytorchjob \
  --gpus 1 --training-image ghcr.io/acme/fraud-train:0.3.1 --storage-uri s3://models/fraud/v3

step "gitops-ml new-model churn (Deployment + HPA + PDB, TFJob)"
gitops-ml new-model churn --framework tensorflow --serving deployment --training tfjob \
  --image ghcr.io/acme/churn-serve:2.0.1 --training-image ghcr.io/acme/churn-train:2.0.1

step "git log"
git log --oneline

step "gitops-ml lint"
gitops-ml lint

step "a new churn server version in staging (kustomization edit, committed)"
sed -i '0,/newTag: "2.0.1"/s//newTag: "2.1.0"/' models/churn/overlays/staging/kustomization.yaml
git commit -qam "churn: serve 2.1.0 in staging"
gitops-ml diff --base HEAD~1

step "gitops-ml promote churn --from staging --to prod"
gitops-ml promote churn --from staging --to prod
git log --oneline -1
gitops-ml lint --env prod

printf '\nThe demo repository is in %s\n' "$work/ml"
