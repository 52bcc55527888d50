"""The rule registry: one module per rule, registered in one explicit tuple.

A test asserts that every module in this package is registered here, and
``docs/rules.md`` is generated from the modules' docstrings.
"""

from __future__ import annotations

from gitops_ml.lint.rule import Rule
from gitops_ml.lint.rules import (
    build_failed,
    canary_traffic_invalid,
    controller_missing_path,
    controller_orphan_overlay,
    deprecated_api,
    env_missing_overlay,
    gpu_request_limit_mismatch,
    gpu_without_toleration,
    image_registry_not_allowed,
    image_tag_mutable,
    kserve_invalid,
    kustomization_schema,
    missing_reference,
    model_uri_unpinned,
    namespace_mismatch,
    path_escapes_repo,
    plaintext_secret,
    privileged_container,
    probes_missing,
    promotion_skips_staging,
    remote_base_unpinned,
    resources_missing,
    schema_invalid,
    serving_ha,
    shm_missing,
    suppression_unexplained,
    training_container_name,
    training_master_count,
    training_restart_policy,
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
    canary_traffic_invalid.RULE,
    kserve_invalid.RULE,
    gpu_request_limit_mismatch.RULE,
    gpu_without_toleration.RULE,
    image_registry_not_allowed.RULE,
    image_tag_mutable.RULE,
    model_uri_unpinned.RULE,
    namespace_mismatch.RULE,
    plaintext_secret.RULE,
    privileged_container.RULE,
    probes_missing.RULE,
    resources_missing.RULE,
    serving_ha.RULE,
    shm_missing.RULE,
    training_container_name.RULE,
    training_master_count.RULE,
    training_restart_policy.RULE,
)

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
