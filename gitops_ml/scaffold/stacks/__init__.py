"""The scaffold stack registry: one module per stack, registered in two explicit tuples.

The CLI's ``--training`` and ``--serving`` choices and their help, the
validation in ``scaffold/spec.py`` and the table in ``docs/scaffolding.md`` all
come from these tuples, in this order. A test asserts every module here is
registered. Adding a stack is one module here, one line below, and its tests.
"""

from __future__ import annotations

from gitops_ml.errors import UserError
from gitops_ml.scaffold.stack import ServingStack, TrainingStack
from gitops_ml.scaffold.stacks import (
    deployment,
    job,
    jobset,
    kserve,
    kserve_serverless,
    llm,
    none,
    pytorchjob,
    tfjob,
    trainjob,
)

TRAINING_STACKS: tuple[TrainingStack, ...] = (
    pytorchjob.STACK,
    tfjob.STACK,
    trainjob.STACK,
    job.STACK,
    jobset.STACK,
    none.TRAINING,
)
SERVING_STACKS: tuple[ServingStack, ...] = (
    kserve.STACK,
    kserve_serverless.STACK,
    llm.STACK,
    deployment.STACK,
    none.SERVING,
)


# The functions read the tuples when called, so that a test can register a stack of its own.


def training_names() -> tuple[str, ...]:
    return tuple(s.name for s in TRAINING_STACKS)


def serving_names() -> tuple[str, ...]:
    return tuple(s.name for s in SERVING_STACKS)


def training_stack(name: str) -> TrainingStack:
    for stack in TRAINING_STACKS:
        if stack.name == name:
            return stack
    raise UserError(f"--training {name!r} is not one of {', '.join(training_names())}")


def serving_stack(name: str) -> ServingStack:
    for stack in SERVING_STACKS:
        if stack.name == name:
            return stack
    raise UserError(f"--serving {name!r} is not one of {', '.join(serving_names())}")
