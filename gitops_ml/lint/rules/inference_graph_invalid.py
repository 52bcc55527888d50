"""inference-graph-invalid: a KServe InferenceGraph that the KServe webhook rejects.

## What it does
Ports `validateInferenceGraph` of KServe
(`pkg/apis/serving/v1alpha1/inference_graph_validation.go`):

* the name matches `[a-z]([-a-z0-9]*[a-z0-9])?`
  (`validateInferenceGraphName`);
* `spec.nodes` has a node named `root` (`validateInferenceGraphRouterRoot`);
* step names are unique within a node
  (`validateInferenceGraphStepNameUniqueness`);
* every step names exactly one target: `nodeName`, `serviceName` or
  `serviceUrl` (`validateInferenceGraphSingleStepTargets`);
* every step of a `Splitter` node has a `weight`, and the weights sum to 100
  (`validateInferenceGraphSplitterWeight`).

## Why is this bad?
The webhook refuses the graph when it is applied: the router is never
created, and the models it should chain or split traffic between are
deployed with nothing in front of them.

## Example
```yaml
apiVersion: serving.kserve.io/v1alpha1
kind: InferenceGraph
metadata:
  name: ranker
spec:
  nodes:
    root:
      routerType: Splitter
      steps:
        - serviceName: ranker-v1
          weight: 80
        - serviceName: ranker-v2
          weight: 30
```

## Use instead
```yaml
        - serviceName: ranker-v1
          weight: 80
        - serviceName: ranker-v2
          weight: 20
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation

_NAME = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_TARGETS = ("nodeName", "serviceName", "serviceUrl")


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.name and not _NAME.fullmatch(obj.name):
        yield Violation(
            message=f"InferenceGraph name '{obj.name}' must consist of lower-case letters, "
            "digits and '-', and start with a letter",
            path=("metadata", "name"),
        )
    nodes = obj.spec.get("nodes")
    if not isinstance(nodes, dict):
        return  # schema-invalid reports a missing or malformed spec.nodes
    if "root" not in nodes:
        yield Violation(
            message="InferenceGraph has no node named 'root', the entry of the graph",
            path=("spec", "nodes"),
        )
    for name, node in nodes.items():
        if isinstance(node, dict):
            yield from _node(str(name), node)


def _node(name: str, node: Mapping[str, Any]) -> Iterator[Violation]:
    steps = node.get("steps")
    steps = steps if isinstance(steps, list) else []
    seen: set[str] = set()
    total, weighed = 0, True
    for i, step in enumerate(steps):
        if not isinstance(step, dict):
            continue
        path = ("spec", "nodes", name, "steps", i)
        step_name = step.get("name")
        if isinstance(step_name, str) and step_name:
            if step_name in seen:
                yield Violation(
                    message=f"node '{name}' has more than one step named '{step_name}'",
                    path=(*path, "name"),
                )
            seen.add(step_name)
        targets = [t for t in _TARGETS if step.get(t)]
        if len(targets) != 1:
            what = "no target" if not targets else f"more than one target ({', '.join(targets)})"
            yield Violation(
                message=f"step {i} of node '{name}' has {what}; name exactly one of "
                "nodeName, serviceName, serviceUrl",
                path=path,
            )
        weight = step.get("weight")
        if node.get("routerType") == "Splitter":
            if not isinstance(weight, int) or isinstance(weight, bool):
                weighed = False
                yield Violation(
                    message=f"step {i} of Splitter node '{name}' has no weight", path=path
                )
            else:
                total += weight
    if node.get("routerType") == "Splitter" and weighed and total != 100:
        yield Violation(
            message=f"the weights of Splitter node '{name}' sum to {total}, not 100",
            path=("spec", "nodes", name, "steps"),
        )


RULE = Rule(
    id="inference-graph-invalid",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="a KServe InferenceGraph is rejected by the KServe webhook",
    remediation="Add a 'root' node, give each step one target and a unique name, and make a "
    "Splitter's weights sum to 100.",
    check=check,
    doc=__doc__ or "",
    kinds=frozenset({"InferenceGraph"}),
)
