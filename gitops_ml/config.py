"""``gitops-ml.yaml`` -> ``Config``, validated by ``schemas/config.schema.json``.

The file is optional: with none, environments are inferred from the
``overlays/<env>`` directory names that discovery finds.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_ml import resources, yamlio
from gitops_ml.errors import ConfigError, YamlError
from gitops_ml.findings import Severity

if TYPE_CHECKING:
    from gitops_ml.lint.rule import Rule

CONFIG_NAMES = ("gitops-ml.yaml", "gitops-ml.yml", ".gitops-ml.yaml")
DEFAULT_KUBERNETES_VERSION = "1.33"
DEFAULT_ENVIRONMENTS = ("dev", "staging", "prod")

_PROD_NAMES = re.compile(r"^(prod|production|prd|live)([-_].*)?\Z|.*[-_](prod|production|prd)\Z")
_STAGING_NAMES = re.compile(r"^(staging|stage|stg|preprod|pre-prod|uat|qa)([-_].*)?\Z")


# Overlay names that are environments when gitops-ml.yaml lists none; other
# overlays (an operator's channels ``stable``/``v1.10``, flavours such as
# ``mig-mixed``) are variants. ``environmentNames`` in the config adds words.
ENVIRONMENT_WORDS = frozenset(
    {
        "dev", "development", "develop", "local", "sandbox", "test", "testing", "qa",
        "int", "integration", "e2e", "uat", "stage", "staging", "stg", "preprod",
        "prod", "production", "prd", "live",
    }
)  # fmt: skip


def looks_like_environment(name: str, words: frozenset[str] = ENVIRONMENT_WORDS) -> bool:
    """Whether an overlay name reads as an environment: ``prod``, ``dev2``, ``prod-eu``."""
    lowered = name.lower()
    if lowered in words:
        return True
    return any(re.sub(r"\d+\Z", "", token) in words for token in re.split(r"[-_.]", lowered))


def infer_tier(name: str) -> str:
    """dev, staging or prod: how strict rules are in an environment of this name."""
    if _PROD_NAMES.match(name):
        return "prod"
    if _STAGING_NAMES.match(name):
        return "staging"
    return "dev"


@dataclass(frozen=True)
class Environment:
    name: str
    namespace: str | None = None
    cluster: str | None = None
    tier: str = "dev"

    @property
    def prod_like(self) -> bool:
        return self.tier == "prod"


@dataclass(frozen=True)
class RuleSetting:
    """What the config says of one rule; ``None`` severity keeps the rule's default."""

    severity: Severity | None = None
    enabled: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)
    environments: Mapping[str, RuleSetting] = field(default_factory=dict)

    def for_environment(self, env: str | None) -> RuleSetting:
        override = self.environments.get(env or "")
        if override is None:
            return self
        # an override that names no severity ("options" only) keeps the rule's
        # global on/off; "off" turns it off there, a severity turns it on there
        names_severity = override.severity is not None or not override.enabled
        enabled = override.enabled if names_severity else self.enabled
        return RuleSetting(
            severity=override.severity or (self.severity if enabled else None),
            enabled=enabled,
            options={**self.options, **override.options},
        )


@dataclass(frozen=True)
class AirflowSettings:
    dags_folder: str = "dags"
    kubernetes_conn_id: str = "kubernetes_default"
    namespace: str | None = None


@dataclass(frozen=True)
class PromotionGates:
    """``promotion:``: what ``promote`` checks before it writes anything."""

    min_soak_seconds: int | None = None
    min_soak: str | None = None  # as written, for messages
    require_clean: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(
            name
            for name, on in (
                ("minSoak", self.min_soak_seconds),
                ("requireClean", self.require_clean),
            )
            if on
        )


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    """Seconds of ``24h``, ``90m``, ``3d``, ``30s``."""
    return int(text[:-1]) * _DURATION_UNITS[text[-1]]


@dataclass(frozen=True)
class Config:
    environments: tuple[Environment, ...] = ()
    kubernetes_version: str = DEFAULT_KUBERNETES_VERSION
    controller: str | None = None
    repo_url: str | None = None
    rules: Mapping[str, RuleSetting] = field(default_factory=dict)
    crds: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()  # ValidatingAdmissionPolicy files, repo-relative
    ignore: tuple[str, ...] = ()
    airflow: AirflowSettings = AirflowSettings()
    promotion: PromotionGates = PromotionGates()
    path: str | None = None  # repo-relative path of the file, when there is one
    explicit_environments: bool = False
    declared_environments: tuple[str, ...] = ()  # as listed in the file, none inferred
    environment_words: frozenset[str] = ENVIRONMENT_WORDS

    def is_environment(self, name: str) -> bool:
        """A declared environment, or an overlay name that reads as one (not a variant)."""
        return name in self.declared_environments or looks_like_environment(
            name, self.environment_words
        )

    def environment(self, name: str | None) -> Environment | None:
        if name is None:
            return None
        for env in self.environments:
            if env.name == name:
                return env
        return Environment(name=name, tier=infer_tier(name))

    def rule(self, rule_id: str, env: str | None = None) -> RuleSetting:
        return self.rules.get(rule_id, RuleSetting()).for_environment(env)

    def with_environments(self, names: list[str]) -> Config:
        """The config with inferred environments added for names it does not list."""
        known = {e.name for e in self.environments}
        extra = tuple(Environment(name=n, tier=infer_tier(n)) for n in names if n not in known)
        if not extra:
            return self
        return dataclasses.replace(self, environments=self.environments + extra)


@cache
def _schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.schema_text("config.schema.json"))
    return data


def is_config_file(path: Path) -> bool:
    """Whether ``path`` holds a gitops-ml config rather than another file of that name.

    ``kind: Config`` says so; a file without ``kind`` counts when every key is a
    config key (an empty file is an empty config). A GitHub workflow or any
    other YAML named ``gitops-ml.yaml`` does not.
    """
    if not path.is_file():
        return False
    try:
        docs = [d for d in yamlio.load_fast(yamlio.read_text(path)).documents if d is not None]
    except YamlError:
        return False
    if not docs:
        return True
    doc = docs[0]
    if len(docs) > 1 or not isinstance(doc, dict):
        return False
    if "kind" in doc:
        return bool(doc.get("kind") == "Config")
    return set(map(str, doc)) <= set(_schema()["properties"])


def find_config(root: Path) -> Path | None:
    for name in CONFIG_NAMES:
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """Read the config of the repository at ``root``; a missing file is an empty config."""
    path = explicit or find_config(root)
    if path is None:
        return Config()
    if explicit is not None and not explicit.is_file():
        raise ConfigError(f"config file {explicit} does not exist")
    if _links_out(root, path):
        # never read: its text would be echoed in the errors below, into a CI log
        raise ConfigError(
            f"{path.name} is a symbolic link to a file outside the repository; "
            "gitops-ml does not read it"
        )
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = str(path)
    try:
        text = yamlio.read_text(path, rel)
        positioned = yamlio.load_positioned(text)
    except YamlError as exc:
        where = f":{exc.line}" if exc.line else ""
        raise ConfigError(f"{rel}{where}: {exc.message}") from None
    docs = [d for d in positioned.documents if d is not None]
    if not docs:
        return Config(path=rel)
    if len(docs) > 1:
        raise ConfigError(f"{rel} must hold one YAML document, not {len(docs)}")
    doc = docs[0]
    _validate(doc, rel, text)
    if doc.get("rules"):
        _check_rule_settings(doc, rel)
    return _build(json.loads(json.dumps(doc)), rel)


def _links_out(root: Path, path: Path) -> bool:
    """Whether ``path``, inside ``root`` as written, leads out of it through a symbolic link.

    A config named outside the repository (``--config ~/gitops-ml.yaml``) is the
    user's own choice and is read.
    """
    written = Path(os.path.abspath(path))
    if not any(written.is_relative_to(r) for r in {Path(os.path.abspath(root)), root.resolve()}):
        return False
    return not path.resolve().is_relative_to(root.resolve())


@cache
def _fast_validator() -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(_schema())


def _validate(doc: Any, rel: str, text: str = "") -> None:
    plain = json.loads(json.dumps(doc))
    if _fast_validator().is_valid(plain):
        return
    # jsonschema (slow to import) only to explain what is wrong, with oneOf context
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(json.loads(json.dumps(doc))), key=lambda e: list(e.path))
    if not errors:
        return
    error = errors[0]
    for candidate in errors:
        if candidate.context:
            error = min(candidate.context, key=lambda e: len(list(e.path)))
            break
    path = tuple(error.absolute_path)
    pos = yamlio.position(doc, path)
    where = f"{rel}:{pos[0]}" if pos else rel
    key = ".".join(str(p) for p in path) or "(top level)"
    message = error.message
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        message = f"unknown key {', '.join(repr(x) for x in extra)}"
        if extra:
            key = ".".join(str(p) for p in (*path, extra[0]))
            pos = yamlio.position(doc, (*path, extra[0]))
            where = f"{rel}:{pos[0]}" if pos else rel
    elif _is_number_for_string(error):
        message = _quote_it(key, error.instance, text, pos[0] if pos else None)
    raise ConfigError(f"{where}: invalid configuration at {key}: {message}")


def _check_rule_settings(doc: Any, rel: str) -> None:
    """Every rule the config names exists, and every option it sets is declared and typed.

    The rule registry is imported only here, when the config has rule settings.
    """
    from gitops_ml.lint.rules import BY_ID

    for rule_id, setting in doc["rules"].items():
        rule = BY_ID.get(rule_id)
        if rule is None:
            raise ConfigError(
                f"{_where(doc, rel, ('rules', rule_id))}: unknown rule {rule_id!r}"
                + _did_you_mean(rule_id, BY_ID, "; `gitops-ml rules` lists them")
            )
        if not isinstance(setting, Mapping):
            continue
        places: list[tuple[tuple[str, ...], Mapping[str, Any]]] = [(("rules", rule_id), setting)]
        for env, override in (setting.get("environments") or {}).items():
            if isinstance(override, Mapping):
                places.append((("rules", rule_id, "environments", env), override))
        for path, place in places:
            for name, value in (place.get("options") or {}).items():
                _check_option(rule, name, value, _where(doc, rel, (*path, "options", name)))


def _check_option(rule: Rule, name: str, value: Any, where: str) -> None:
    option = rule.option(name)
    if option is None:
        names = [o.name for o in rule.options]
        known = f"; its options are {', '.join(names)}" if names else "; it has no options"
        raise ConfigError(
            f"{where}: rule {rule.id!r} has no option {name!r}" + _did_you_mean(name, names, known)
        )
    if not option.type.accepts(value):
        raise ConfigError(
            f"{where}: option {name!r} of rule {rule.id!r} must be {option.type.article}, "
            f"not {json.dumps(value)}"
        )


def check_rule_environments(config: Config, known: Iterable[str], root: Path) -> None:
    """Refuse a rule setting for an environment that is a near miss of a known one.

    ``environments: {prdo: off}`` would silently never apply. A name with no close
    match is left alone: the repository may not have that environment yet.
    """
    names = list(known)
    for rule_id, setting in config.rules.items():
        for env in setting.environments:
            close = [] if env in names else difflib.get_close_matches(env, names, n=1)
            if close:
                where = config.path or CONFIG_NAMES[0]
                line = _line_in_file(root, where, ("rules", rule_id, "environments", env))
                raise ConfigError(
                    f"{where}{line}: rule {rule_id!r} is set for environment {env!r}, which "
                    f"this repository does not have (did you mean {close[0]!r}?)"
                )


def _line_in_file(root: Path, rel: str, path: tuple[str | int, ...]) -> str:
    try:
        doc = yamlio.load_positioned(yamlio.read_text(root / rel, rel)).documents[0]
    except (YamlError, IndexError):
        return ""
    pos = yamlio.position(doc, path)
    return f":{pos[0]}" if pos else ""


def _did_you_mean(name: str, known: Iterable[str], otherwise: str) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else otherwise


def _where(doc: Any, rel: str, path: tuple[str | int, ...]) -> str:
    pos = yamlio.position(doc, path)
    return f"{rel}:{pos[0]}" if pos else rel


def _is_number_for_string(error: Any) -> bool:
    number = isinstance(error.instance, (int, float)) and not isinstance(error.instance, bool)
    return bool(error.validator == "type" and error.validator_value == "string" and number)


def _quote_it(key: str, value: Any, text: str, line: int | None) -> str:
    """YAML reads ``1.30`` as the number 1.3: say so, with the text as written."""
    written = str(value)
    lines = text.splitlines()
    if line is not None and 0 < line <= len(lines):
        found = re.search(r":\s*([-+0-9.eE_]+)\s*(#.*)?\Z", lines[line - 1])
        if found:
            written = found.group(1)
    name = key.rsplit(".", 1)[-1]
    return (
        f"{written} is a number to YAML (read as {value!r}), not a string; "
        f'quote it: {name}: "{written}"'
    )


def _severity(value: str) -> tuple[Severity | None, bool]:
    if value == "off":
        return None, False
    return Severity.parse(value), True


def _rule_setting(value: Any) -> RuleSetting:
    if isinstance(value, str):
        severity, enabled = _severity(value)
        return RuleSetting(severity=severity, enabled=enabled)
    severity, enabled = _severity(value["severity"]) if "severity" in value else (None, True)
    envs = {
        name: _rule_setting(setting) for name, setting in (value.get("environments") or {}).items()
    }
    return RuleSetting(
        severity=severity, enabled=enabled, options=value.get("options") or {}, environments=envs
    )


def _promotion(section: dict[str, Any]) -> PromotionGates:
    soak = section.get("minSoak")
    return PromotionGates(
        min_soak_seconds=parse_duration(soak) if soak else None,
        min_soak=soak,
        require_clean=bool(section.get("requireClean")),
    )


def _build(doc: dict[str, Any], rel: str) -> Config:
    envs = tuple(
        Environment(
            name=e["name"],
            namespace=e.get("namespace"),
            cluster=e.get("cluster"),
            tier=e.get("tier") or infer_tier(e["name"]),
        )
        for e in doc.get("environments") or ()
    )
    names = [e.name for e in envs]
    if len(set(names)) != len(names):
        raise ConfigError(f"{rel}: environment names must be unique")
    airflow = doc.get("airflow") or {}
    version = str(doc.get("kubernetesVersion", DEFAULT_KUBERNETES_VERSION)).lstrip("v")
    return Config(
        environments=envs,
        kubernetes_version=".".join(version.split(".")[:2]),
        controller=doc.get("controller"),
        repo_url=doc.get("repoURL"),
        rules={rule: _rule_setting(v) for rule, v in (doc.get("rules") or {}).items()},
        crds=tuple(doc.get("crds") or ()),
        policies=tuple(doc.get("policies") or ()),
        ignore=tuple(doc.get("ignore") or ()),
        airflow=AirflowSettings(
            dags_folder=airflow.get("dagsFolder", "dags"),
            kubernetes_conn_id=airflow.get("kubernetesConnId", "kubernetes_default"),
            namespace=airflow.get("namespace"),
        ),
        promotion=_promotion(doc.get("promotion") or {}),
        path=rel,
        explicit_environments=bool(envs),
        declared_environments=tuple(names),
        environment_words=ENVIRONMENT_WORDS
        | {w.lower() for w in doc.get("environmentNames") or ()},
    )
