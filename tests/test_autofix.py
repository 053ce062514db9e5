"""``validate --fix`` and ``--diff`` (FORMAT.md §9): fixes applied to the files, nothing else touched."""

from __future__ import annotations

import difflib
import shutil
import subprocess
from pathlib import Path

import pytest

from netcheck.autofix import fix_file, fix_text
from netcheck.checker import check_path, check_text
from tests.conftest import BROKEN, ROOT, SPECS, run_cli

BROKEN_SPECS = sorted(BROKEN.glob("*.yaml"))
GOOD_SPECS = sorted(SPECS.glob("*.yaml"))


def _changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines ``before`` lost and the lines ``after`` gained."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    lost: list[str] = []
    gained: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag != "equal":
            lost.extend(old[i1:i2])
            gained.extend(new[j1:j2])
    return lost, gained


def _edited_keys(fixed_paths: list[tuple[object, ...]]) -> set[str]:
    return {str(path[-1]) for path in fixed_paths if path and isinstance(path[-1], str)}


@pytest.mark.parametrize("path", BROKEN_SPECS, ids=lambda path: path.stem)
def test_fix_changes_only_the_values_it_sets(path: Path) -> None:
    """Every line the fix changed holds a key one of its edits sets; every other byte is kept, in order."""
    fixed = fix_file(str(path))
    before = fixed.before
    if not fixed.applied:
        assert fixed.after == before
        return
    edit_paths = [edit.path for _, fix in fixed.applied for edit in fix.edits]
    keys = _edited_keys(edit_paths) | {edit.rename for _, fix in fixed.applied for edit in fix.edits if edit.rename}
    lost, gained = _changed_lines(before, fixed.after)
    for line in lost + gained:
        assert any(f"{key}:" in line for key in keys), (line, keys)
    assert len(gained) >= len(lost) and len(lost) <= len(edit_paths)
    for violation, _ in fixed.applied:
        assert violation.is_error


@pytest.mark.parametrize("path", BROKEN_SPECS, ids=lambda path: path.stem)
def test_fix_removes_what_it_fixed_and_adds_no_error(path: Path) -> None:
    fixed = fix_file(str(path))
    before = check_path(str(path))
    after = fixed.report
    fixed_codes = {(violation.code, violation.layer) for violation, _ in fixed.applied}
    errors_after = {(violation.code, violation.layer) for violation in after.violations if violation.is_error}
    assert not fixed_codes & errors_after
    errors_before = {(violation.code, violation.layer) for violation in before.violations if violation.is_error}
    # a layer skipped for its schema error is checked once the error is fixed: what that uncovers is not new
    uncovered = {layer for code, layer in fixed_codes if code == "NC002"}
    assert {(code, layer) for code, layer in errors_after - errors_before if layer not in uncovered} == set()
    if fixed.applied:
        assert after.errors == check_text(fixed.after, str(path)).errors


@pytest.mark.parametrize("path", GOOD_SPECS, ids=lambda path: path.stem)
def test_a_file_without_errors_is_left_byte_identical(path: Path, tmp_path: Path) -> None:
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    stamp = copy.stat().st_mtime_ns
    result = run_cli("validate", "--fix", str(copy))
    assert result.returncode == 0, result.stdout + result.stderr
    assert copy.read_bytes() == path.read_bytes()
    assert copy.stat().st_mtime_ns == stamp


def test_the_quiz_is_fixed_in_place_and_then_passes(tmp_path: Path) -> None:
    copy = tmp_path / "quiz.yaml"
    shutil.copyfile(BROKEN / "NC101_quiz_stride3.yaml", copy)
    result = run_cli("validate", "--fix", str(copy))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "fixed NC101 conv1: padding 0 gives 9" in result.stderr
    assert "0 errors" in result.stdout
    assert copy.read_text().endswith("    stride: 3\n    padding: 0\n")
    assert run_cli("validate", str(copy)).returncode == 0


def test_diff_writes_nothing_and_git_applies_it(tmp_path: Path) -> None:
    """``--diff`` is a real unified diff: ``git apply`` turns the original into what ``--fix`` writes."""
    names = ["NC101_quiz_stride3.yaml", "NC101_alexnet_strict.yaml", "NC104_groups3_on_32_channels.yaml"]
    for name in names:
        shutil.copyfile(BROKEN / name, tmp_path / name)
    result = run_cli("validate", "--fix", "--diff", *names, cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # the files as they stand still have the errors
    clean = run_cli("validate", "--fix", "--diff", "specs/quiz.yaml")
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "", "would fix 0 errors in 0 files\n")
    assert all((tmp_path / name).read_bytes() == (BROKEN / name).read_bytes() for name in names)
    assert result.stdout.count("--- a/") == 3 and "+++ b/NC101_quiz_stride3.yaml" in result.stdout
    assert "would fix 3 errors in 3 files" in result.stderr
    patch = tmp_path / "fix.patch"
    patch.write_text(result.stdout)
    subprocess.run(["git", "apply", "--unsafe-paths", str(patch)], cwd=tmp_path, check=True, capture_output=True)
    patched = {name: (tmp_path / name).read_bytes() for name in names}
    for name in names:
        shutil.copyfile(BROKEN / name, tmp_path / name)
    assert run_cli("validate", "--fix", *names, cwd=tmp_path).returncode == 0
    assert patched == {name: (tmp_path / name).read_bytes() for name in names}


def test_diff_needs_fix() -> None:
    result = run_cli("validate", "--diff", "specs/quiz.yaml")
    assert result.returncode == 2 and "--diff goes with --fix" in result.stderr


def test_crlf_and_byte_order_mark_are_kept(tmp_path: Path) -> None:
    original = (BROKEN / "NC101_quiz_stride3.yaml").read_text().replace("\n", "\r\n").encode()
    copy = tmp_path / "quiz.yaml"
    copy.write_bytes(b"\xef\xbb\xbf" + original)
    assert run_cli("validate", "--fix", str(copy)).returncode == 0
    written = copy.read_bytes()
    assert written.startswith(b"\xef\xbb\xbf")
    assert written.replace(b"padding: 0", b"padding: 1") == b"\xef\xbb\xbf" + original


def test_comments_and_quoting_outside_the_fix_are_kept() -> None:
    text = ('name: "quoted name"   # a comment\ninput: {width: 32, height: 32, depth: 3}\nlayers:\n'
            '  # the one layer\n  - {name: conv1, type: conv2d, filters: 20, kernel: 7, stride: 3}  # trailing\n')
    fixed = fix_text(text)
    assert [fix.message for _, fix in fixed.applied] == ["padding 1 gives 10"]
    lost, gained = _changed_lines(text, fixed.after)
    assert lost == [text.splitlines(keepends=True)[4]]
    assert gained == ["  - {name: conv1, type: conv2d, filters: 20, kernel: 7, stride: 3, padding: 1}  # trailing\n"]
    assert fixed.report.ok


def test_a_stale_fix_is_not_applied() -> None:
    """Two layers whose errors one fix of the first resolves: the second's fix is not applied on top."""
    text = ("name: chain\ninput: 32x32x3\nlayers:\n"
            "  - {name: a, type: conv2d, filters: 4, kernel: 8, stride: 3, padding: 1}\n"
            "  - {name: b, type: maxpool2d, kernel: 2, stride: 2}\n")
    fixed = fix_text(text)
    assert fixed.report.ok
    assert check_text(fixed.after).ok
    assert len(fixed.applied) <= 2


def test_standard_input_fixed_text_goes_to_stdout() -> None:
    text = (BROKEN / "NC101_quiz_stride3.yaml").read_text()
    result = subprocess.run(["python3", "-m", "netcheck", "validate", "--fix", "-"], input=text, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == text.replace("padding: 1", "padding: 0")
    assert "fixed NC101" in result.stderr


def test_an_unwritable_file_is_said_not_a_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    copy = folder / "quiz.yaml"
    shutil.copyfile(BROKEN / "NC101_quiz_stride3.yaml", copy)
    folder.chmod(0o500)
    try:
        result = run_cli("validate", "--fix", str(copy))
    finally:
        folder.chmod(0o700)
    if result.returncode == 0:
        pytest.skip("running as a user that can write anywhere (root)")
    assert result.returncode == 1 and "cannot write" in result.stderr and "Traceback" not in result.stderr


def test_diff_says_what_it_cannot_fix_and_refuses_other_formats(tmp_path: Path) -> None:
    shutil.copyfile(BROKEN / "NC103_dense_after_conv.yaml", tmp_path / "dense.yaml")
    result = run_cli("validate", "--fix", "--diff", "dense.yaml", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert "would fix 0 errors in 0 files" in result.stderr and "NC103 error fc1" in result.stderr
    refused = run_cli("validate", "--fix", "--diff", "--format", "json", "dense.yaml", cwd=tmp_path)
    assert refused.returncode == 2 and "does not combine with --format json" in refused.stderr
