"""The pre-commit hook, run for real: a model repository in a temp dir uses this checkout at HEAD.

pre-commit clones the repository at the given rev and pip-installs it into a
virtualenv of its own (``PRE_COMMIT_HOME`` is in the temp dir), so the hook
tests the committed tree; the test is skipped when HEAD does not contain
``.pre-commit-hooks.yaml`` yet, or when that install cannot reach PyPI.

To try a tree that is not committed, point the test at another repository:
``NETCHECK_HOOK_REPO=/path/to/repo NETCHECK_HOOK_REV=<sha> pytest tests/test_precommit.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import BROKEN, ROOT, SPECS

HOOKS = ROOT / ".pre-commit-hooks.yaml"
NETWORK_TROUBLE = re.compile(
    r"Could not find a version|No matching distribution|Failed to establish a new connection|"
    r"Temporary failure in name resolution|Name or service not known|ConnectionError|ReadTimeout|"
    r"Network is unreachable|ProxyError|SSLError|HTTP error \d+|Max retries exceeded"
)


def test_hook_definition() -> None:
    (hook,) = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert hook["id"] == "netcheck"
    assert hook["entry"] == "netcheck validate"
    assert hook["language"] == "python"
    assert hook["types"] == ["yaml"]
    assert hook["require_serial"] is False
    assert "files" not in hook, "where specs live is the model repository's choice (README: files: ^specs/)"


def test_hook_manifest_is_valid_for_pre_commit() -> None:
    pytest.importorskip("pre_commit", reason="pre-commit is in the test extra")
    result = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _git(*args: str, cwd: Path) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout.strip()


def _hook_source() -> tuple[str, str]:
    """The repository and rev the model repository's config points at."""
    if os.environ.get("NETCHECK_HOOK_REPO"):
        repo = os.environ["NETCHECK_HOOK_REPO"]
        return repo, os.environ.get("NETCHECK_HOOK_REV") or _git("rev-parse", "HEAD", cwd=Path(repo))
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: pre-commit needs a repository and a rev to clone")
    rev = _git("rev-parse", "HEAD", cwd=ROOT)
    listed = subprocess.run(["git", "cat-file", "-e", f"{rev}:.pre-commit-hooks.yaml"], cwd=ROOT,
                            capture_output=True, timeout=60)
    if listed.returncode != 0:
        pytest.skip(f"HEAD ({rev[:10]}) does not contain .pre-commit-hooks.yaml yet: pre-commit installs the "
                    "committed tree, so the hook can be tested once it is committed")
    return str(ROOT), rev


def _pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("GITHUB_ACTIONS", "PRE_COMMIT_COLOR", "FORCE_COLOR", "VIRTUAL_ENV")}
    env.update(PRE_COMMIT_HOME=str(home), NO_COLOR="1", GIT_CONFIG_NOSYSTEM="1", HOME=str(home.parent))
    return subprocess.run([sys.executable, "-m", "pre_commit", *args, "--color", "never"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=1200)


def _skip_if_offline(result: subprocess.CompletedProcess[str], home: Path) -> None:
    log = home / "pre-commit.log"
    text = result.stdout + result.stderr + (log.read_text(encoding="utf-8", errors="replace") if log.exists() else "")
    if "An unexpected error has occurred" in text and NETWORK_TROUBLE.search(text):
        pytest.skip(f"pre-commit could not install the hook's dependencies from PyPI: "
                    f"{NETWORK_TROUBLE.search(text).group(0)}")  # type: ignore[union-attr]


def test_pre_commit_runs_the_hook_in_a_model_repository(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit", reason="pre-commit is in the test extra")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo, rev = _hook_source()
    model = tmp_path / "model"
    home = tmp_path / "pre-commit-home"
    (model / "specs").mkdir(parents=True)
    (model / "config").mkdir()
    shutil.copy(SPECS / "quiz.yaml", model / "specs" / "good.yaml")
    shutil.copy(BROKEN / "NC101_quiz_stride3.yaml", model / "specs" / "bad.yaml")
    (model / "config" / "training.yaml").write_text("optimizer: adam\nlearning_rate: 0.001\n", encoding="utf-8")
    (model / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: netcheck\n        files: ^specs/\n",
        encoding="utf-8",
    )
    _git("init", "-q", cwd=model)
    _git("add", ".", cwd=model)

    failing = _pre_commit("run", "--all-files", cwd=model, home=home)
    _skip_if_offline(failing, home)
    output = failing.stdout + failing.stderr
    assert failing.returncode == 1, output
    assert re.search(r"^netcheck\.+Failed$", output, re.MULTILINE), output
    assert "specs/bad.yaml:8:5: NC101 error conv1: width (32 − 8 + 2·1)/3 + 1 = 9.67 is not a whole number" \
        in output, output
    assert "1 error, 0 warnings in 2 files (1 failed)" in output, output
    assert "good.yaml:" not in output and "training.yaml" not in output, output

    (model / "specs" / "bad.yaml").unlink()
    _git("add", "-A", cwd=model)
    passing = _pre_commit("run", "--all-files", cwd=model, home=home)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert re.search(r"^netcheck\.+Passed$", passing.stdout, re.MULTILINE), passing.stdout

    elsewhere = _pre_commit("run", "--files", "config/training.yaml", cwd=model, home=home)
    assert elsewhere.returncode == 0, elsewhere.stdout + elsewhere.stderr
    assert re.search(r"^netcheck\.+\(no files to check\)Skipped$", elsewhere.stdout, re.MULTILINE), elsewhere.stdout
