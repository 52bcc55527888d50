"""model-uri-unpinned: a model URI that is not pinned to a version, or that KServe cannot load.

## What it does
Looks at KServe `storageUri` (of any InferenceService component and of
model-format predictors such as `spec.predictor.model.storageUri`),
`storageUris[].uri`, an LLMInferenceService's `spec.model.uri`, and, in any container, environment variables named like
`MODEL_URI`, `MODEL_PATH`, `MODEL_DIR`, `MODEL_ID` or `STORAGE_URI` whose
value is a remote URI (`scheme://...`; local paths such as `/mnt/models` are
where KServe puts the model and are fine). A model-format spec with no
`storageUri` but a `storage: {key, path}` (the path inside the bucket the
storage key configures, as ModelMesh and KServe's storage spec use it) has
its `path` checked the same way, every segment of it.

* In staging and prod tiers, a URI is unpinned when it ends in `latest`, or
  none of its path segments looks like a version: `v3`, `2024-05-01`, a
  commit hash (7-40 hex digits), `1.2.0`, `12`, or an OCI digest
  (`@sha256:...`). Segments are also split on `-`, `_`, `:`, `@` and `=`, so
  `model-v3` and `?versionId=...` count.
* In every tier, a `storageUri` (or `STORAGE_URI`) whose scheme the KServe
  storage initializer does not support: it supports `gs://`, `s3://`,
  `pvc://`, `file://`, `hdfs://`, `webhdfs://`, `hf://`, `oci://`
  (modelcars), `oci+native://` (the image mounted as an image volume),
  `oci+fetch://` (layers pulled by the storage initializer), `http(s)://`
  and Azure blob/file `https://` URLs (kserve
  `SupportedStorageURIPrefixList` in
  `pkg/controller/v1beta1/inferenceservice/utils/utils.go`,
  `ClusterStorageContainer` default `supportedUriFormats` and
  `kserve/storage/storage.py`). An OCI URI is pinned like the image it
  names (`ParseOciScheme` in `pkg/utils/storage.go` turns every `oci+x://`
  into `oci://`), by a version tag or a digest; a `::<path>` suffix inside
  the image does not count. A Hugging Face URI (`hf://owner/model[:revision]`)
  is pinned only by its revision, a commit hash or a version tag: the
  numbers in a model's name (`Llama-3.1-8B`) are not a version, and a branch
  (`:main`) moves.

## Why is this bad?
`s3://models/ranker/latest` is whatever was uploaded last: a pod rescheduled
at night loads a model nobody reviewed, two replicas serve two different
models, and a rollback of the manifest does not roll back the model.

## Example
```yaml
spec:
  predictor:
    model:
      storageUri: s3://models/ranker/latest
```

## Use instead
```yaml
      storageUri: s3://models/ranker/v14
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import JsonPath, Rule, Scope, Violation

SUPPORTED_SCHEMES = frozenset(
    {"gs", "s3", "pvc", "file", "hdfs", "webhdfs", "hf", "http", "https"}
    | {"oci", "oci+native", "oci+fetch"}
)
_VERSION = re.compile(
    r"^(v\d+(\.\d+)*|\d+(\.\d+)*|\d{4}-\d{2}-\d{2}([tT_][\d:.-]+)?|\d{8}(t?\d{4,6})?"
    r"|(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}|sha256:[0-9a-f]{64})\Z",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"[-_:@=&?+]")


def _has_version(segments: list[str]) -> bool:
    return any(
        _VERSION.match(segment) or any(_VERSION.match(t) for t in _SPLIT.split(segment))
        for segment in segments
    )


_MOVING_REVISIONS = frozenset({"main", "master", "latest", "head"})


def hf_revision(uri: str) -> str | None:
    """The revision of ``hf://owner/model:revision``, or None."""
    body = uri.split("://", 1)[-1]
    _, sep, revision = body.rpartition(":")
    return revision if sep and "/" not in revision and revision else None


def versioned(uri: str) -> bool:
    if "@sha256:" in uri:
        return True
    if uri.lower().startswith("hf://"):
        revision = hf_revision(uri)
        return bool(
            revision and revision.lower() not in _MOVING_REVISIONS and _VERSION.match(revision)
        )
    body = uri.split("://", 1)[-1]
    return _has_version(re.split(r"[/?]", body)[1:] or [body])


def path_versioned(path: str) -> bool:
    """A path inside a bucket (no host part): every segment may carry the version."""
    return "@sha256:" in path or _has_version(re.split(r"[/?]", path.strip("/")))


def ends_latest(uri: str) -> bool:
    last = uri.rstrip("/").rsplit("/", 1)[-1]
    return last.lower() == "latest" or bool(re.search(r"[:@_-]latest\Z", last, re.IGNORECASE))


def _storage_paths(data: dict[str, Any]) -> Iterator[tuple[JsonPath, str]]:
    """``storage.path`` of a model-format spec that names no ``storageUri``.

    KServe joins it to the bucket of the storage ``key``'s configuration
    (``addStorageSpecAnnotations`` in ``controller/.../components/component.go``).
    """
    for base, spec in workloads.storage_specs(data):
        storage = spec.get("storage")
        if spec.get("storageUri") or not isinstance(storage, dict):
            continue
        path = storage.get("path")
        if isinstance(path, str) and path.strip("/"):
            yield (*base, "storage", "path"), path


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    tier = ctx.tier(obj.environment)
    if tier != "dev":
        for path, value in _storage_paths(obj.data):
            if ends_latest(value):
                yield Violation(message=f"model storage path {value} points at `latest`", path=path)
            elif not path_versioned(value):
                yield Violation(
                    message=f"model storage path {value} has no version in its path", path=path
                )
    for path, uri, storage in workloads.model_uris(obj.data):
        scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
        if storage and scheme not in SUPPORTED_SCHEMES and not uri.startswith("/"):
            yield Violation(
                message=f"model URI {uri} uses a scheme the KServe storage initializer "
                f"does not support ({scheme or 'none'}://)",
                path=path,
            )
            continue
        if tier == "dev":
            continue
        if scheme.startswith("oci"):
            uri = uri.split("::", 1)[0]  # <image>::<path inside the image>
        if ends_latest(uri):
            yield Violation(message=f"model URI {uri} points at `latest`", path=path)
        elif not versioned(uri):
            yield Violation(message=f"model URI {uri} has no version in its path", path=path)


RULE = Rule(
    id="model-uri-unpinned",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="a model URI is not pinned to a version, or uses a scheme KServe cannot load",
    remediation="Point the URI at an immutable, versioned model path (…/v14, a date, a commit).",
    check=check,
    doc=__doc__ or "",
    kinds=workloads.ALL_KINDS,
)
