"""One notion of a credential for plaintext-secret and credential-outside-secret."""

from __future__ import annotations

import pytest

from gitops_ml.lint.credentials import credential_noun, is_placeholder

PLACEHOLDERS = [
    "<token>",
    "<REPLACE_WITH_YOUR_HF_TOKEN>",
    "${AWS_SECRET_ACCESS_KEY}",
    "$(DB_PASSWORD)",
    "$MINIO_KEY",
    "{{ .Values.token }}",
    "YOUR_ACCESS_KEY",
    "your-token-here",
    "changeme",
    "replace-me",
    "xxxxxxxx",
    "********",
    "fake_password",
    "example-secret",
    "'placeholder'",
]
REAL = [
    "hunter2",
    "wJalrXUtnFEMI/K7MDENG",
    "hf_aBcDeFgHiJkLmNoPqRsTuV",
    "minio123",
    "Zq8vT2mLr91xW",
]


@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_placeholders_are_not_secrets(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("value", REAL)
def test_real_values_are_not_placeholders(value: str) -> None:
    assert not is_placeholder(value)


@pytest.mark.parametrize(
    ("name", "noun"),
    [
        ("password", "password"),
        ("DB_PASSWORD", "password"),
        ("dbPassword", "password"),
        ("secretKey", "secret key"),
        ("minio.secretkey", "secretkey"),
        ("secretAccessKey", "secret access key"),
        ("AWS_SECRET_ACCESS_KEY", "secret access key"),
        ("token", "token"),
        ("HF_TOKEN", "token"),
        ("hfToken", "token"),
        ("WANDB_API_KEY", "api key"),
        ("CLIENT_SECRET", "secret"),
        ("PASSWORD_FILE", None),
        ("TOKENIZER", None),
        ("max_tokens", None),
        ("AWS_ACCESS_KEY_ID", None),
        ("accessKey", None),
        ("SECRET_NAME", None),
        ("PWD", None),
    ],
)
def test_names_that_hold_a_credential(name: str, noun: str | None) -> None:
    assert credential_noun(name) == noun
