"""The rule registry: one module per rule, registered in one explicit tuple.

A test asserts that every module in this package is registered here, and
``docs/rules.md`` is generated from the modules' docstrings.
"""

from __future__ import annotations

from gitops_ml.lint.rule import Rule
from gitops_ml.lint.rules import (
    build_failed,
    controller_missing_path,
    controller_orphan_overlay,
    deprecated_api,
    env_missing_overlay,
    kustomization_schema,
    missing_reference,
    path_escapes_repo,
    promotion_skips_staging,
    remote_base_unpinned,
    schema_invalid,
    suppression_unexplained,
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
    controller_missing_path.RULE,
    controller_orphan_overlay.RULE,
    env_missing_overlay.RULE,
    promotion_skips_staging.RULE,
    suppression_unexplained.RULE,
)

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
