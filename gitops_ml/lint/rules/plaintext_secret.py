"""plaintext-secret: a Secret with its values committed to the repository.

## What it does
Reports a rendered `Secret` that has non-empty `data` or `stringData`. That
includes Secrets made by a kustomize `secretGenerator`: their values come from
a file in the repository, so they are committed too. SOPS-encrypted Secrets
(a top-level `sops:` key) are skipped, and so are placeholder values that no
one can log in with: `<token>`, `${AWS_KEY}`, `{{ .key }}`, `YOUR_ACCESS_KEY`,
`changeme`, `xxxx`, `replace-me`, `...-here`, `fake_...`, `example-...`
(one list with `credential-outside-secret`). A generated Secret's finding
points at its `secretGenerator` entry.

## Why is this bad?
Git keeps everything forever and copies it to every clone and CI runner. The
object-store keys that read the training data, the Hugging Face token of the
model server and the registry password end up readable by anyone with read
access to the repository, and rotating them means rewriting history.

## Example
```yaml
apiVersion: v1
kind: Secret
metadata: {name: s3-credentials}
stringData:
  AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG
```

## Use instead
```yaml
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata: {name: s3-credentials}
spec:
  secretStoreRef: {name: vault, kind: ClusterSecretStore}
  target: {name: s3-credentials}
  dataFrom: [{extract: {key: ml/s3-credentials}}]
```
(or a SealedSecret, or a SOPS-encrypted Secret).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.credentials import is_placeholder
from gitops_ml.lint.rule import Rule, Scope, Violation


def _decoded(text: str) -> str | None:
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _placeholder(field: str, value: Any) -> bool:
    """A placeholder as written, or base64-encoded once more than ``data`` needs
    (a ``secretGenerator`` literal ``token=Y2hhbmdlbWU=`` is ``changeme``)."""
    text = str(value)
    if field == "data":
        text = _decoded(text) or text
    if is_placeholder(text):
        return True
    again = _decoded(text) if len(text) >= 8 else None
    return again is not None and again.isprintable() and is_placeholder(again)


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    if "sops" in obj.data:
        return
    for field in ("data", "stringData"):
        values = obj.data.get(field)
        if not isinstance(values, dict):
            continue
        real = sorted(
            str(k) for k, v in values.items() if v not in (None, "") and not _placeholder(field, v)
        )
        if real:
            yield Violation(
                message=f"Secret '{obj.name}' has plaintext values in {field} ({', '.join(real)})",
                path=(field, real[0]),
            )


RULE = Rule(
    id="plaintext-secret",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="a Secret's values are committed in plain text",
    remediation="Use a SealedSecret, an ExternalSecret or a SOPS-encrypted Secret instead.",
    check=check,
    doc=__doc__ or "",
    kinds=frozenset({"Secret"}),
)
