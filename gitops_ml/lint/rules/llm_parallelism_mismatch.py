"""llm-parallelism-mismatch: an LLM server's tensor x pipeline parallelism does not match its GPUs.

## What it does
For vLLM, SGLang and Text Generation Inference servers, compares the
parallelism the server is told to use with the GPUs its pod requests:

* KServe LLMInferenceService: `spec.parallelism.tensor x pipeline`
  (default 1 each; KServe passes `tensor` to vLLM as `--tensor-parallel-size`)
  against the GPUs of the `main` container of `spec.template`, and likewise
  for `spec.prefill`. With data parallelism (`parallelism.dataLocal`) each
  pod runs that many ranks, so it needs `dataLocal x tensor x pipeline` GPUs.
  Multi-node services (`spec.worker`) are not checked: KServe spreads them
  over the worker pods.
* Containers of Deployments, StatefulSets and LeaderWorkerSets whose image
  or command names vLLM (`vllm`), SGLang (`sglang`) or TGI
  (`text-generation-inference`, `text-generation-launcher`): the arguments
  `--tensor-parallel-size`/`-tp` and `--pipeline-parallel-size`/`-pp` (vLLM),
  `--tp-size`/`--tp` and `--pp-size` (SGLang), `--num-shard` or the `NUM_SHARD`
  variable (TGI). A LeaderWorkerSet group is `leaderWorkerTemplate.size`
  pods, so the product must equal the GPUs per pod times the group size.

Only whole numbers written in the object are compared: a value taken from a
variable (`$(TP)`) or a shell script is not read.

## Why is this bad?
vLLM starts one worker per GPU of `tensor x pipeline`: asked for more GPUs
than the pod has, it fails at start-up and the pod restarts forever; asked for
fewer, the extra GPUs sit idle while the model runs at a fraction of the
throughput the node was paid for.

## Example
```yaml
args: [--model, meta-llama/Llama-3.1-70B-Instruct, --tensor-parallel-size, "4"]
resources:
  limits: {nvidia.com/gpu: 8}
```

## Use instead
```yaml
args: [--model, meta-llama/Llama-3.1-70B-Instruct, --tensor-parallel-size, "8"]
resources:
  limits: {nvidia.com/gpu: 8}
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import JsonPath, Rule, Scope, Violation
from gitops_ml.lint.workloads import Container, as_dict, as_list

_SERVER = re.compile(r"vllm|sglang|text-generation-(inference|launcher)", re.IGNORECASE)
_TENSOR = ("--tensor-parallel-size", "-tp", "--tp-size", "--tp", "--num-shard")
_PIPELINE = ("--pipeline-parallel-size", "-pp", "--pp-size")


def _flag(words: Sequence[str], names: tuple[str, ...]) -> int | None:
    """The whole-number value of the last of ``names`` in ``words``; None if absent or not a number."""
    found: int | None = None
    for i, word in enumerate(words):
        name, eq, value = word.partition("=")
        if name not in names:
            continue
        text = value if eq else (words[i + 1] if i + 1 < len(words) else "")
        found = int(text) if text.isdigit() else None
    return found


def _words(c: Container) -> list[str]:
    words: list[str] = []
    for field in ("command", "args"):
        for item in as_list(c.container.get(field)):
            if isinstance(item, str):
                words.extend(item.split() if " " in item and "$" not in item else [item])
    return words


def _env_number(c: Container, name: str) -> int | None:
    for env in as_list(c.container.get("env")):
        env = as_dict(env)
        if env.get("name") == name and isinstance(env.get("value"), str):
            value = str(env["value"])
            return int(value) if value.isdigit() else None
    return None


def _is_server(c: Container, words: list[str]) -> bool:
    image = c.container.get("image")
    return bool(
        (isinstance(image, str) and _SERVER.search(workloads.parse_image(image).repository))
        or any(_SERVER.search(w) for w in words[:3])
    )


def _mismatch(parallel: int, gpus: int, what: str, where: str) -> tuple[str, Severity] | None:
    if parallel == gpus:
        return None
    if parallel > gpus:
        return (
            f"{where} runs {what} = {parallel} GPU workers but its pods have {gpus} GPU(s); "
            "the server cannot start",
            Severity.ERROR,
        )
    return (
        f"{where} runs {what} = {parallel} GPU worker(s) but its pods have {gpus} GPUs; "
        f"{gpus - parallel} sit idle",
        Severity.WARNING,
    )


def _llm_service(obj: RenderedObject) -> Iterator[Violation]:
    spec = obj.spec
    if spec.get("worker"):
        return
    for part, base in (("decode", ("spec",)), ("prefill", ("spec", "prefill"))):
        section = spec if part == "decode" else as_dict(spec.get("prefill"))
        template = as_dict(section.get("template"))
        if not template or section.get("worker"):
            continue
        main = [
            (i, as_dict(c))
            for i, c in enumerate(as_list(template.get("containers")))
            if as_dict(c).get("name") == "main"
        ]
        if not main:
            continue
        index, container = main[0]
        resources = as_dict(container.get("resources"))
        gpus = workloads.gpu_count(resources)
        if not gpus:
            continue
        parallelism = as_dict(section.get("parallelism") or spec.get("parallelism"))
        factors = [parallelism.get(k, 1) for k in ("tensor", "pipeline", "dataLocal")]
        if not all(isinstance(f, int) and not isinstance(f, bool) and f > 0 for f in factors):
            continue
        tensor, pipeline, local = factors
        what = f"tensor {tensor} x pipeline {pipeline}" + (
            f" x dataLocal {local}" if local > 1 else ""
        )
        found = _mismatch(
            tensor * pipeline * local, gpus, what, f"{part} of {obj.kind} '{obj.key.name}'"
        )
        if found:
            path: JsonPath = (*base, "template", "containers", index, "resources")
            yield Violation(message=found[0], severity=found[1], path=path)


def _group_size(obj: RenderedObject, c: Container) -> int:
    if obj.kind != "LeaderWorkerSet":
        return 1
    size = as_dict(obj.spec.get("leaderWorkerTemplate")).get("size", 1)
    return size if isinstance(size, int) and not isinstance(size, bool) and size > 0 else 1


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.kind in workloads.LLM_KINDS:
        yield from _llm_service(obj)
        return
    for c in workloads.containers(obj.data, init=False):
        words = _words(c)
        if not _is_server(c, words):
            continue
        tensor = _flag(words, _TENSOR) or _env_number(c, "NUM_SHARD")
        pipeline = _flag(words, _PIPELINE)
        if tensor is None and pipeline is None:
            continue
        gpus = workloads.gpu_count(c.resources)
        if gpus is None or gpus == 0:
            continue
        size = _group_size(obj, c)
        what = f"tensor {tensor or 1} x pipeline {pipeline or 1}"
        where = f"container '{c.name}'" + (
            f" (LeaderWorkerSet group of {size} pods)" if size > 1 else ""
        )
        found = _mismatch((tensor or 1) * (pipeline or 1), gpus * size, what, where)
        if found:
            yield Violation(message=found[0], severity=found[1], path=c.path)


RULE = Rule(
    id="llm-parallelism-mismatch",
    scope=Scope.OBJECT,
    severity=Severity.WARNING,
    summary="an LLM server's tensor x pipeline parallelism differs from the GPUs it requests",
    remediation="Make tensor x pipeline parallelism equal the GPUs per pod (times the "
    "LeaderWorkerSet group size), or request that many GPUs.",
    check=check,
    doc=__doc__ or "",
    kinds=frozenset({"Deployment", "StatefulSet", "LeaderWorkerSet"}) | workloads.LLM_KINDS,
)
