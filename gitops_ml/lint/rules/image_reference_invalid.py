"""image-reference-invalid: a container image that no registry or runtime accepts.

## What it does
Parses the image of every container, init container and model server (the
same objects as `image-tag-mutable`) with the grammar container runtimes use,
that of github.com/distribution/reference: `regexp.go` (`ReferenceRegexp`:
`[domain[:port]/]path[:tag][@digest]`, path components of lower-case letters
and digits joined by `.`, `_`, `__` or dashes, a tag of at most 128 word
characters, dots and dashes not starting with either), `normalize.go`
`ParseNormalizedNamed` (an implicit `docker.io/library/`, a repository name
must be lower-case, a bare 64-hex identifier is refused), `reference.go`
`Parse` (a name of at most 255 characters), and opencontainers/go-digest
`Digest.Validate` (`sha256`, `sha384` or `sha512` with exactly 64, 96 or 128
lower-case hex digits). An image with leading or trailing whitespace (such as
a newline a script left in a tag) is reported too; the API server refuses it.

Not reported: images with `$`, `{` or `<` in them, placeholders that a later
step or a person fills in (Flux `postBuild` substitution `${TAG}`, Argo CD
plugins, templates, `{username}/server` in a sample).

## Why is this bad?
The kubelet cannot even ask a registry for it: the pod sits in
`InvalidImageName` (or `ErrImagePull`), so a training run never starts and a
rollout of a model server never becomes ready, and nothing in a kustomize build
or a schema check says why. A trailing newline from `$(cat VERSION)` or an
upper-case repository name looks right in review.

## Example
```yaml
containers:
  - name: server
    image: "ghcr.io/Acme/ranker:1.4.0\n"
```

## Use instead
```yaml
containers:
  - name: server
    image: ghcr.io/acme/ranker:1.4.0
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.images import reference_problem
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation

_SHOWN = 100


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    for c in workloads.containers(obj.data):
        image = c.container.get("image")
        if not isinstance(image, str) or not image or any(c in image for c in "${<"):
            continue
        problem = reference_problem(image)
        if problem is None:
            continue
        shown = image if len(image) <= _SHOWN else image[: _SHOWN - 3] + "..."
        yield Violation(
            message=f"{c.role} container '{c.name}' image {shown!r} {problem}",
            path=(*c.path, "image"),
        )


RULE = Rule(
    id="image-reference-invalid",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="a container image is not a reference any registry accepts",
    remediation="Write the image as registry/path:tag or @sha256:<64 hex>, lower-case, "
    "with no spaces or newlines.",
    check=check,
    doc=__doc__ or "",
    kinds=workloads.ALL_KINDS,
)
