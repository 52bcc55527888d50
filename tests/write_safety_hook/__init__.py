"""Failure injection for the write-safety tests; see ``launch.py``."""

from __future__ import annotations

from pathlib import Path

LAUNCHER = Path(__file__).with_name("launch.py")
ACTIONS = ("raise", "sigint", "sigterm", "sigkill", "enospc")
