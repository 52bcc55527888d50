"""credential-outside-secret: a password or token committed in a ConfigMap or an env value.

## What it does
Reports, in any rendered object or plain manifest:

* a `ConfigMap` `data` key whose name says it holds a credential, with a
  literal value;
* a container `env` entry (in every workload, training job, InferenceService
  and serving runtime) whose name says so, with a literal `value` rather
  than `valueFrom`.

A name holds a credential when it ends with `password`, `passwd`,
`passphrase`, `secret`, `token`, `api key`, `secret key`, `private key` or
`secret access key`, in any spelling: `DB_PASSWORD`, `secretKey`,
`secretAccessKey`, `AWS_SECRET_ACCESS_KEY`, `HF_TOKEN`, `WANDB_API_KEY`.
`PASSWORD_FILE`, `TOKENIZER`, `max_tokens` or `AWS_ACCESS_KEY_ID` do not.

Not reported: empty values, placeholders (`<token>`, `${VAR}`, `$(VAR)`,
`changeme`, `YOUR_KEY`, the same list as `plaintext-secret`), paths
(`/var/run/secrets/token`), numbers and booleans, and for a name ending in
`secret` alone a value that is a Kubernetes object name with a dash
(`TLS_SECRET: ingress-tls` names a Secret, it is not one). Secrets
themselves are `plaintext-secret`'s.

## Why is this bad?
A ConfigMap and a pod spec are read by everyone who can read the namespace
or the repository, and Git keeps them forever. The object-store key that
reads the training data or the Hugging Face token of the model server leaks
to every clone, CI log and `kubectl describe pod`; `plaintext-secret` cannot
see it because the object is not a Secret.

## Example
```yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: feature-store}
data:
  secretAccessKey: wJalrXUtnFEMI/K7MDENG
---
env:
- name: HF_TOKEN
  value: hf_aBcDeFgHiJkLmNoPqRsTuV
```

## Use instead
```yaml
env:
- name: HF_TOKEN
  valueFrom:
    secretKeyRef: {name: hf-token, key: HF_TOKEN}   # an ExternalSecret or SealedSecret
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.credentials import credential_noun, is_placeholder
from gitops_ml.lint.rule import Rule, Scope, Violation

_NOT_A_VALUE = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null", "nil"})
_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")
_OBJECT_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)+")


def literal_credential(name: str, value: Any) -> str | None:
    """The credential ``name`` holds when ``value`` is a real literal one, else None."""
    noun = credential_noun(name)
    if noun is None or not isinstance(value, str):
        return None
    text = value.strip()
    if (
        not text
        or is_placeholder(text)
        or text.lower() in _NOT_A_VALUE
        or _NUMBER.fullmatch(text)
        or text.startswith(("/", "./", "~/"))
        or (noun == "secret" and _OBJECT_NAME.fullmatch(text))
    ):
        return None
    return noun


def _config_map(obj: RenderedObject) -> Iterator[Violation]:
    for key, value in workloads.as_dict(obj.data.get("data")).items():
        noun = literal_credential(str(key), value)
        if noun:
            yield Violation(
                message=f"ConfigMap '{obj.name}' holds a {noun} in plain text (key {key}); "
                "a ConfigMap is no place for a credential",
                path=("data", str(key)),
            )


def _env(obj: RenderedObject) -> Iterator[Violation]:
    for c in workloads.containers(obj.data):
        for i, env in enumerate(workloads.as_list(c.container.get("env"))):
            env = workloads.as_dict(env)
            name = str(env.get("name") or "")
            noun = literal_credential(name, env.get("value"))
            if noun and "valueFrom" not in env:
                yield Violation(
                    message=f"{c.role} container '{c.name}' sets {name} to a literal {noun}; "
                    "read it from a Secret with valueFrom.secretKeyRef",
                    path=(*c.path, "env", i, "value"),
                )


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.kind == "ConfigMap" and obj.key.group == "":
        yield from _config_map(obj)
    else:
        yield from _env(obj)


RULE = Rule(
    id="credential-outside-secret",
    scope=Scope.OBJECT,
    severity=Severity.WARNING,
    summary="a password or token is committed in a ConfigMap or a container env value",
    remediation="Keep it in a Secret managed outside Git (ExternalSecret, SealedSecret, SOPS) "
    "and reference it with secretKeyRef.",
    check=check,
    doc=__doc__ or "",
    kinds=workloads.ALL_KINDS | {"ConfigMap"},
)
