"""The rule registry: one module per rule, registered in one explicit tuple.

A test asserts that every module in this package is registered here, and
``docs/rules.md`` is generated from the modules' docstrings.
"""

from __future__ import annotations

from gitops_ml.lint.rule import Rule
from gitops_ml.lint.rules import (
    build_failed,
    deprecated_api,
    kustomization_schema,
    missing_reference,
    path_escapes_repo,
    remote_base_unpinned,
    schema_invalid,
    unknown_kind,
    yaml_duplicate_key,
    yaml_syntax,
)

RULES: tuple[Rule, ...] = (
    yaml_syntax.RULE,
    yaml_duplicate_key.RULE,
    kustomization_schema.RULE,
    missing_reference.RULE,
    path_escapes_repo.RULE,
    remote_base_unpinned.RULE,
    build_failed.RULE,
    schema_invalid.RULE,
    unknown_kind.RULE,
    deprecated_api.RULE,
)

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
