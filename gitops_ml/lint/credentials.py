"""What counts as a credential: names that say so, and values that only stand for one.

Shared by ``plaintext-secret`` (values of Secrets) and ``credential-outside-secret``
(ConfigMap keys and container env literals).
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(
    r"<[^<>]+>|\$\{[^}]+\}|\$\([^)]+\)|\$[A-Za-z_][A-Za-z0-9_]*|\{\{.*\}\}|x{3,}|\*{3,}|\.{3,}"
    r"|your[-_ ]?[\w-]*|[\w-]*[-_ ]here|change[-_ ]?(me|it)|replace[-_ ]?me|placeholder|todo|tbd"
    r"|redacted|dummy|(fake|example|sample)[-_ ]?[\w-]*"
    r"|(update|replace|insert|enter|fill[-_ ]?in|put)[-_ ][\w-]+",
    re.IGNORECASE,
)


def is_placeholder(value: str) -> bool:
    """A value that stands for a secret rather than being one: ``<token>``, ``${KEY}``.

    ``$(VAR)`` is Kubernetes' own reference to another env variable of the container.
    """
    return bool(_PLACEHOLDER.fullmatch(value.strip().strip("\"'")))


_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# the last word(s) of a name that holds a credential (PWD is the working directory)
_NOUNS = frozenset(
    {"password", "passwd", "passphrase", "secret", "token", "apikey", "secretkey", "privatekey"}
)
_PAIRS = frozenset({("api", "key"), ("secret", "key"), ("private", "key"), ("access", "key")})


def words(name: str) -> list[str]:
    """``secretAccessKey``, ``AWS_SECRET_ACCESS_KEY`` -> ``["secret", "access", "key"]``..."""
    return [w.lower() for part in re.split(r"[^A-Za-z0-9]+", name) for w in _WORDS.findall(part)]


def credential_noun(name: str) -> str | None:
    """What credential a key or variable name says it holds (``"password"``), or None.

    The name must end with it: ``DB_PASSWORD``, ``hfToken``, ``WANDB_API_KEY``,
    ``secretAccessKey``; not ``PASSWORD_FILE``, ``TOKENIZER``, ``max_tokens`` or
    ``AWS_ACCESS_KEY_ID`` (an access key alone is the user name half of a pair).
    """
    found = words(name)
    if len(found) >= 2 and tuple(found[-2:]) in _PAIRS:
        if found[-2:] == ["access", "key"]:
            return "secret access key" if len(found) >= 3 and found[-3] == "secret" else None
        return " ".join(found[-2:])
    if found and found[-1] in _NOUNS:
        return found[-1]
    return None
