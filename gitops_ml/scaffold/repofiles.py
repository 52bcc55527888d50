"""The repository-level files ``init`` writes: config, hooks, CI workflow, README."""

from __future__ import annotations

from gitops_ml.config import DEFAULT_KUBERNETES_VERSION
from gitops_ml.resources import overlays_dir
from gitops_ml.scaffold.model import PROFILES, Env
from gitops_ml.scaffold.spec import InitSpec
from gitops_ml.scaffold.text import q

HOOK_REPO = "https://github.com/gitops-ml/gitops-ml"
HOOK_REV = "v0.1.0"
HOOK_ID = "gitops-ml-lint"
COMMENT_MARKER = "<!-- gitops-ml-diff -->"


def config_file(spec: InitSpec, envs: tuple[Env, ...]) -> str:
    url_note = "  # placeholder: set your repository's URL" if spec.repo_url_placeholder else ""
    text = (
        "# gitops-ml: environments, controller and lint policy of this repository.\n"
        "# Reference: https://github.com/gitops-ml/gitops-ml\n"
        "apiVersion: gitops-ml.io/v1alpha1\n"
        "kind: Config\n"
        f'kubernetesVersion: "{DEFAULT_KUBERNETES_VERSION}"\n'
        f"controller: {spec.controller}\n"
        f"repoURL: {q(spec.repo_url)}{url_note}\n"
        "# In promotion order; each model gets one overlay per environment.\n"
        "environments:\n"
    )
    for env in envs:
        text += f"  - name: {env.name}\n    namespace: {env.namespace}\n    tier: {env.tier}\n"
    text += "# Rule settings: off, info, warning or error, optionally per environment.\nrules: {}\n"
    return text


def precommit_file() -> str:
    return (
        "# Lints the overlays a commit touches, the way the cluster will build them.\n"
        "repos:\n"
        f"  - repo: {HOOK_REPO}\n"
        f"    rev: {HOOK_REV}\n"
        "    hooks:\n"
        f"      - id: {HOOK_ID}\n"
    )


def workflow_file() -> str:
    return (
        "# Pull-request review: lint findings in code scanning, and the rendered change\n"
        "# per environment as one pull-request comment, updated on every push.\n"
        "# Run by hand (Actions > gitops-ml > Run workflow), it promotes a model: the\n"
        "# gates of promotion: in gitops-ml.yaml are checked and a pull request opened.\n"
        "name: gitops-ml\n"
        "\n"
        "on:\n"
        "  pull_request:\n"
        "  workflow_dispatch:\n"
        "    inputs:\n"
        "      model:\n"
        "        description: The model to promote\n"
        "        required: true\n"
        "      from:\n"
        "        description: The environment whose version it takes\n"
        "        default: staging\n"
        "      to:\n"
        "        description: The environment it promotes to\n"
        "        default: prod\n"
        "\n"
        "permissions:\n"
        "  contents: read\n"
        "  pull-requests: write\n"
        "  security-events: write\n"
        "\n"
        "concurrency:\n"
        "  group: gitops-ml-${{ github.event.pull_request.number || github.run_id }}\n"
        "  cancel-in-progress: true\n"
        "\n"
        "jobs:\n"
        "  review:\n"
        "    if: github.event_name == 'pull_request'\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "        with:\n"
        "          fetch-depth: 0  # the diff needs the base branch's history\n"
        "      - uses: actions/setup-python@v5\n"
        "        with:\n"
        '          python-version: "3.11"\n'
        "      - name: Install gitops-ml\n"
        "        run: pip install gitops-ml\n"
        "      - name: Lint\n"
        "        run: gitops-ml lint --format sarif -o gitops-ml.sarif\n"
        "      - name: Upload findings to code scanning\n"
        "        if: always()\n"
        "        uses: github/codeql-action/upload-sarif@v3\n"
        "        with:\n"
        "          sarif_file: gitops-ml.sarif\n"
        "          category: gitops-ml\n"
        "      - name: Render the change per environment\n"
        "        if: always()\n"
        "        run: |\n"
        "          gitops-ml diff --base origin/${{ github.base_ref }} --format markdown > diff.md\n"
        "      - name: Post or update the pull-request comment\n"
        "        if: always()\n"
        "        uses: actions/github-script@v7\n"
        "        with:\n"
        "          script: |\n"
        "            const fs = require('fs');\n"
        f"            const marker = '{COMMENT_MARKER}';\n"
        "            let body = fs.readFileSync('diff.md', 'utf8');\n"
        "            if (!body.includes(marker)) body = `${marker}\\n${body}`;\n"
        "            const { owner, repo } = context.repo;\n"
        "            const issue_number = context.issue.number;\n"
        "            const comments = await github.paginate(github.rest.issues.listComments,\n"
        "              { owner, repo, issue_number });\n"
        "            const previous = comments.find(c => c.body && c.body.includes(marker));\n"
        "            if (previous) {\n"
        "              await github.rest.issues.updateComment(\n"
        "                { owner, repo, comment_id: previous.id, body });\n"
        "            } else {\n"
        "              await github.rest.issues.createComment({ owner, repo, issue_number, body });\n"
        "            }\n"
        "\n"
        "  promote:\n"
        "    if: github.event_name == 'workflow_dispatch'\n"
        "    runs-on: ubuntu-latest\n"
        "    permissions:\n"
        "      contents: write\n"
        "      pull-requests: write\n"
        "    env:\n"
        "      MODEL: ${{ inputs.model }}\n"
        "      FROM: ${{ inputs.from }}\n"
        "      TO: ${{ inputs.to }}\n"
        "      BRANCH: promote/${{ inputs.model }}-${{ inputs.to }}-${{ github.run_id }}\n"
        "      GH_TOKEN: ${{ github.token }}\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "        with:\n"
        "          fetch-depth: 0  # the gates read how long the source ran the version\n"
        "      - uses: actions/setup-python@v5\n"
        "        with:\n"
        '          python-version: "3.11"\n'
        "      - name: Install gitops-ml\n"
        "        run: pip install gitops-ml\n"
        "      - name: Promote on a new branch (gates checked first)\n"
        "        run: |\n"
        '          git config user.name "github-actions[bot]"\n'
        '          git config user.email "github-actions[bot]@users.noreply.github.com"\n'
        '          gitops-ml promote "$MODEL" --from "$FROM" --to "$TO" \\\n'
        '            --branch "$BRANCH" --pr-body promote.md\n'
        '          git push origin "$BRANCH"\n'
        "      - name: Open the pull request\n"
        "        run: |\n"
        '          gh pr create --head "$BRANCH" --base "${{ github.ref_name }}" \\\n'
        '            --title "promote $MODEL from $FROM to $TO" --body-file promote.md\n'
        "          # a body over GitHub's limit comes in parts: promote.2.md, promote.3.md...\n"
        "          for part in promote.*.md; do\n"
        '            [ -e "$part" ] && gh pr comment "$BRANCH" --body-file "$part"\n'
        "          done\n"
    )


def readme_file(spec: InitSpec, envs: tuple[Env, ...]) -> str:
    names = ", ".join(e.name for e in envs)
    if spec.controller == "argocd":
        bootstrap = (
            "Each environment's cluster runs Argo CD. Apply its folder once:\n\n"
            "```sh\nkubectl apply -k clusters/<env>\n```\n\n"
            "The ApplicationSet there creates one Application per model overlay\n"
            "(`<model>-<env>`); a new model needs no change under `clusters/`.\n"
        )
    else:
        bootstrap = (
            "Each environment's cluster runs Flux. Bootstrap it on `clusters/<env>`:\n\n"
            "```sh\nflux bootstrap github --owner=<org> --repository=<repo> "
            "--path=clusters/<env>\n```\n\n"
            "`gitops-ml new-model` adds one Flux Kustomization per model overlay under\n"
            "`clusters/<env>/models/`.\n"
        )
    return (
        "# ML GitOps repository\n\n"
        "Training and serving of machine-learning models on Kubernetes, one folder\n"
        "per model, one overlay per environment. Generated by "
        "[gitops-ml](https://github.com/gitops-ml/gitops-ml).\n\n"
        "## Layout\n\n"
        "```\n"
        "gitops-ml.yaml                 environments, controller, lint policy\n"
        "models/<model>/base/           training and serving objects\n"
        "models/<model>/overlays/<env>/ the versions an environment runs, its size\n"
        "components/                    shared kustomize Components: environment\n"
        "                               profiles (dev, staging, prod-ha) and gpu\n"
        "clusters/<env>/                what each environment's controller applies\n"
        "```\n\n"
        f"Environments, in promotion order: {names}.\n\n"
        "## Add a model\n\n"
        "```sh\n"
        "gitops-ml new-model fraud --framework xgboost --serving kserve "
        "--training job \\\n    --storage-uri s3://models/fraud/v1 --branch add-fraud\n"
        "```\n\n"
        "It renders and lints the model before it writes a file, then commits\n"
        "exactly the files it wrote.\n\n"
        "## Change a version\n\n"
        "Every overlay pins its images (`images:` in its `kustomization.yaml`) and\n"
        "its model URI (`serving-patch.yaml`). Promote by changing one overlay:\n\n"
        "```sh\ngitops-ml promote fraud --from staging --to prod\n```\n\n"
        "## Review\n\n"
        "`pre-commit install` runs `gitops-ml lint` on every commit; the\n"
        "`gitops-ml` workflow lints pull requests and comments the rendered change\n"
        "per environment.\n\n"
        "## Deploy\n\n" + bootstrap
    )


def component_files() -> dict[str, str]:
    """The shared Components (profiles and gpu), as shipped in the package's overlays/."""
    root = overlays_dir() / "components"
    out: dict[str, str] = {}
    for name in sorted({*PROFILES.values(), "gpu"}):
        folder = root / name
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                rel = path.relative_to(root).as_posix()
                out[f"components/{rel}"] = path.read_text(encoding="utf-8")
    return out
