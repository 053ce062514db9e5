"""``netcheck lsp`` (issue 15): the pure features, then the server end to end over real stdio with pytest-lsp.

The end-to-end tests run ``python -m netcheck lsp`` as an editor would and
talk to it with pytest-lsp's client. Nothing waits on the clock: every wait
is for a message (diagnostics of a given document version, a response), with
a generous timeout that only a hung server reaches.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")
pytest.importorskip("pytest_lsp")

import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from netcheck.checker import check_text
from netcheck.lsp import features
from netcheck.lsp.features import Lines, analyze, apply_edits
from netcheck.results import Options, Violation
from tests.conftest import BROKEN, ROOT, SPECS

#: Seconds a wait for the server may take before the test fails: only a hung server gets near it.
TIMEOUT = 120
QUIZ3 = BROKEN / "NC101_quiz_stride3.yaml"

BLOCKS = textwrap.dedent("""\
    netcheck: 1
    name: uses
    input: 32x32x8
    blocks:
      unit:
        params: {k: 3}
        layers:
          - {name: conv, type: conv2d, filters: 8, kernel: "${k}", padding: 1}
          - {name: relu, type: activation, function: relu}
    layers:
      - {name: a, type: unit}
      - {name: b, type: unit, k: 4}
      - {name: pool, type: maxpool2d, kernel: 2, stride: 2}
    """)


BIG = textwrap.dedent("""\
    netcheck: 1
    name: big
    input: 8x8x8
    blocks:
      unit:
        layers:
          - {name: relu, type: activation, function: relu}
    layers:
      - {name: u, type: unit, repeat: 50000}
    """)


def quiz3() -> str:
    return QUIZ3.read_text(encoding="utf-8")


def uri_of(path: Path) -> str:
    return path.resolve().as_uri()


# The pure features: no client.


def test_lines_convert_between_yaml_positions_and_each_encoding() -> None:
    text = "a: 1\r\nb: \U0001f600x\r# \x85c\nd: é\u2028e\n"
    lines = Lines(text, features.UTF16)
    assert lines.starts == [0, 6, 12, 17, 24]  # LSP breaks only at CR, LF and CRLF
    assert len(lines.yaml_starts) == 7  # YAML also breaks at NEL and LINE SEPARATOR
    assert lines.yaml_position(text.index("x")) == (2, 5)
    offset = lines.offset(2, 5)
    assert text[offset] == "x"
    assert lines.position(offset) == types.Position(1, 5)  # the emoji is two UTF-16 units
    assert Lines(text, features.UTF8).position(offset) == types.Position(1, 7)  # and four UTF-8 bytes
    assert Lines(text, features.UTF32).position(offset) == types.Position(1, 4)
    assert Lines(text, types.PositionEncodingKind.Utf8).position(offset) == types.Position(1, 7)  # pygls's kind
    assert lines.offset_at(types.Position(1, 5)) == offset
    assert Lines(text, features.UTF8).offset_at(types.Position(1, 7)) == offset
    assert text[lines.offset(4, 1)] == "c"  # netcheck's line 4 starts after the NEL, inside LSP line 2
    assert lines.position(lines.offset(4, 1)) == types.Position(2, 3)
    assert lines.offset_at(types.Position(99, 0)) == len(text)
    assert lines.offset(99, 1) == len(text)


def test_the_quiz_diagnostic_spans_the_key_and_its_value_with_the_rule_and_its_fixes() -> None:
    analysis = analyze(quiz3(), str(QUIZ3))
    [diagnostic] = features.diagnostics(analysis, "file:///quiz.yaml")
    assert diagnostic.range == types.Range(types.Position(7, 4), types.Position(7, 15))  # `name: conv1`
    assert diagnostic.code == "NC101"
    assert diagnostic.source == "netcheck"
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.message == ("conv1: width (32 − 8 + 2·1)/3 + 1 = 9.67 is not a whole number\n"
                                  "fix: padding 0 gives 9\nfix: padding 3 gives 11")
    assert diagnostic.data == {"explain": "netcheck explain NC101", "path": ["layers", 0], "layer": "conv1"}
    readme = ROOT / "README.md"
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href == f"{readme.as_uri()}#nc101-non-integer-output"
    assert "\n#### NC101 non-integer-output\n" in readme.read_text(encoding="utf-8")
    assert features.diagnostics(analysis, "file:///quiz.yaml", links=False)[0].code_description is None


def test_every_violation_of_the_broken_corpus_becomes_one_diagnostic_on_its_line() -> None:
    for path in sorted(BROKEN.glob("*.yaml")):
        text = path.read_bytes().decode("utf-8", "replace")
        analysis = analyze(text, str(path))
        found = features.diagnostics(analysis, path.as_uri())
        report = check_text(text, str(path))
        assert [d.code for d in found] == [v.code for v in report.violations], path.name
        for diagnostic, violation in zip(found, report.violations):
            assert diagnostic.range.start.line == max(violation.line - 1, 0), path.name
            assert diagnostic.range.start <= diagnostic.range.end


def test_a_quick_check_leaves_out_only_the_engines_fix_search() -> None:
    quick = analyze(quiz3(), None, fixes=False)
    assert not quick.complete
    [violation] = quick.report.violations
    assert (violation.code, violation.fixes) == ("NC101", ())
    assert analyze(quiz3(), None).complete
    assert analyze(quiz3().replace("stride: 3", "stride: 2"), None, fixes=False).complete  # nothing to search
    typo = (BROKEN / "NC002_typo_strides.yaml").read_text(encoding="utf-8")
    assert analyze(typo, None, fixes=False).complete  # NC002's certain fixes come with the reading


def test_hover_on_a_layer_gives_its_shapes_params_macs_field_and_jump() -> None:
    analysis = analyze(quiz3(), str(QUIZ3))
    expected = ("**conv1** (conv2d): `32x32x3 → 9x9x20`  \nparams 3,860 (trainable 3,860, non-trainable 0)  \n"
                "MACs 311,040 · receptive field 8 · jump 3")
    for line, character in [(7, 2), (7, 6), (7, 12), (8, 4), (10, 10), (12, 14)]:  # dash, name, keys, values
        hover = features.hover(analysis, types.Position(line, character))
        assert hover is not None, (line, character)
        assert isinstance(hover.contents, types.MarkupContent)
        assert hover.contents.value == expected
    plain = features.hover(analysis, types.Position(8, 4), markdown=False)
    assert plain is not None and isinstance(plain.contents, types.MarkupContent)
    assert plain.contents.kind == types.MarkupKind.PlainText
    assert plain.contents.value.startswith("conv1 (conv2d): 32x32x3 → 9x9x20\n")
    network = features.hover(analysis, types.Position(4, 3))  # input: 32x32x3
    assert network is not None and isinstance(network.contents, types.MarkupContent)
    assert network.contents.value.startswith("**udacity-quiz**: 32x32x3 → 9x9x20")
    assert network.contents.value.endswith(  # the input sizes the network accepts, as netcheck sizes says
        "width:  3k for k ≥ 2 (6, 9, 12, …); declared 32 is not valid: nearest 30 and 33  \n"
        "height: 3k for k ≥ 2 (6, 9, 12, …); declared 32 is not valid: nearest 30 and 33")
    assert features.hover(analysis, types.Position(1, 2)) is None  # netcheck: 1
    assert features.hover(analysis, types.Position(6, 2)) is None  # layers:


def test_hover_in_a_block_lists_every_use_and_a_use_folds_its_layers() -> None:
    analysis = analyze(BLOCKS, None)
    inside = features.hover(analysis, types.Position(7, 20))  # the block's conv
    assert inside is not None and isinstance(inside.contents, types.MarkupContent)
    value = inside.contents.value
    assert value.startswith("In block **unit**, used 2 times:")
    assert "**a.conv** (conv2d): `32x32x8 → 32x32x8`" in value
    assert "**b.conv** (conv2d): `32x32x8 → 31x31x8`" in value
    use = features.hover(analysis, types.Position(11, 10))  # b
    assert use is not None and isinstance(use.contents, types.MarkupContent)
    assert use.contents.value.startswith("**b** (unit): `32x32x8 → 31x31x8`  \nparams 1,032 (trainable 1,032,")
    assert features.hover(analysis, types.Position(5, 8)) is None  # the block's params


def test_inlay_hints_put_each_layers_output_at_the_end_of_its_first_line() -> None:
    text = (SPECS / "lenet5.yaml").read_text(encoding="utf-8")
    analysis = analyze(text, str(SPECS / "lenet5.yaml"))
    hints = features.inlay_hints(analysis)
    report = check_text(text)
    assert [hint.label for hint in hints] == [f"→ {row.output}" for row in report.rows]
    lines = text.splitlines()
    for hint, row in zip(hints, report.rows):
        assert hint.position.line == row.line - 1
        assert hint.position.character == len(lines[row.line - 1].rstrip())
        assert hint.kind == types.InlayHintKind.Type and hint.padding_left
    first = hints[0].position.line
    assert features.inlay_hints(analysis, types.Range(types.Position(first, 0), types.Position(first, 0))) == \
        hints[:1]
    blocks = [hint.label for hint in features.inlay_hints(analyze(BLOCKS, None))]
    assert blocks == ["→ 32x32x8, 31x31x8", "→ 32x32x8, 31x31x8", "→ 32x32x8", "→ 31x31x8", "→ 15x15x8"]


def test_a_quick_fix_changes_only_the_value_and_validates_clean() -> None:
    text = quiz3()
    analysis = analyze(text, str(QUIZ3), version=7)
    where = types.Range(types.Position(7, 6), types.Position(7, 6))
    actions = features.code_actions(analysis, "file:///quiz.yaml", where)
    assert [action.title for action in actions] == [
        "Fix NC101: padding 0 gives 9", "Fix NC101: padding 3 gives 11",
        "Ignore NC101 on this layer (# netcheck: ignore[NC101])"]
    assert [action.is_preferred for action in actions] == [True, None, None]
    assert all(action.kind == types.CodeActionKind.QuickFix for action in actions)
    assert all(action.diagnostics and action.diagnostics[0].code == "NC101" for action in actions)
    edit = actions[0].edit
    assert edit is not None and edit.document_changes is not None
    [change] = edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document == types.OptionalVersionedTextDocumentIdentifier("file:///quiz.yaml", 7)
    assert change.edits == [types.TextEdit(types.Range(types.Position(12, 13), types.Position(12, 14)), "0")]
    for action in actions:
        assert action.edit is not None and action.edit.document_changes is not None
        fixed = apply_edits(text, action.edit.document_changes[0].edits)  # type: ignore[union-attr]
        assert check_text(fixed).violations == [], action.title
    assert features.code_actions(analysis, "file:///quiz.yaml",
                                 types.Range(types.Position(2, 0), types.Position(3, 0))) == []
    unversioned = features.code_actions(analysis, "file:///quiz.yaml", where, document_changes=False)
    assert unversioned[0].edit is not None and unversioned[0].edit.changes == {"file:///quiz.yaml": change.edits}


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_other_line_ends_give_the_same_ranges_and_edits_that_keep_them(newline: str) -> None:
    text = quiz3().replace("\n", newline)
    analysis = analyze(text, None)
    [diagnostic] = features.diagnostics(analysis, "file:///q.yaml")
    assert diagnostic.range == types.Range(types.Position(7, 4), types.Position(7, 15))
    actions = features.code_actions(analysis, "file:///q.yaml", diagnostic.range)
    assert actions and actions[0].edit is not None and actions[0].edit.document_changes is not None
    fixed = apply_edits(text, actions[0].edit.document_changes[0].edits)  # type: ignore[union-attr]
    assert fixed == text.replace("padding: 1", "padding: 0")
    ignore = features.ignore_edit(analysis, analysis.report.violations[0])
    if newline == "\r":  # netcheck.suppression counts lines at LF only: a comment there would silence nothing
        assert ignore is None
        return
    assert ignore is not None
    assert apply_edits(text, [ignore]).split(newline)[7] == "  - name: conv1   # <- NC101  # netcheck: ignore[NC101]"


def test_ignore_adds_the_code_to_a_suppression_comment_already_on_the_line() -> None:
    text = quiz3().replace("# <- NC101", "# netcheck: ignore[NC203] -- on purpose")
    analysis = analyze(text, None)
    violation = next(v for v in analysis.report.violations if v.code == "NC101")
    edit = features.ignore_edit(analysis, violation)
    assert edit is not None and edit.new_text == ", NC101"
    fixed = apply_edits(text, [edit])
    assert "  - name: conv1   # netcheck: ignore[NC203, NC101] -- on purpose\n" in fixed
    assert [v.code for v in check_text(fixed).violations] == ["NC206"]  # NC203 silences nothing: said so


def test_no_ignore_edit_where_the_comment_would_not_be_a_comment() -> None:
    text = quiz3().replace("  - name: conv1   # <- NC101\n", '  - name: "conv1\n      x"\n')
    analysis = analyze(text, None)
    violation = next(v for v in analysis.report.violations if v.code == "NC101")
    assert features.ignore_edit(analysis, violation) is None  # the line ends inside a quoted scalar
    assert features.ignore_edit(analysis, Violation("NC001", "unreadable", 1, 1)) is None


def test_warnings_have_fixes_but_none_preferred() -> None:
    path = BROKEN / "NC203_maxpool_stride_gt_kernel.yaml"
    analysis = analyze(path.read_text(encoding="utf-8"), str(path))
    actions = [action for diagnostic in features.diagnostics(analysis, "file:///w.yaml")
               for action in features.code_actions(analysis, "file:///w.yaml", diagnostic.range)]
    assert actions and not any(action.is_preferred for action in actions)
    assert any(action.title.startswith("Ignore NC203") for action in actions)


def test_block_uses_are_related_information_or_named_in_the_message() -> None:
    analysis = analyze(BLOCKS.replace("padding: 1}", "padding: 1, stride: 2}"), None)
    found = features.diagnostics(analysis, "file:///b.yaml")
    inside = [d for d in found if d.related_information]
    assert inside and all(d.range.start.line == 7 for d in inside)
    assert {d.related_information[0].message for d in inside} <= {"in a", "in b"}  # type: ignore[index]
    assert {d.related_information[0].location.range.start.line for d in inside} <= {10, 11}  # type: ignore[index]
    flat = features.diagnostics(analysis, "file:///b.yaml", related=False)
    assert any("\nin a (line 11)" in d.message or "\nin b (line 12)" in d.message for d in flat)


def test_the_configuration_is_found_from_the_documents_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.netcheck]\nignore = ["NC101"]\n', encoding="utf-8")
    (tmp_path / "specs").mkdir()
    spec = tmp_path / "specs" / "quiz.yaml"
    assert features.diagnostics(analyze(quiz3(), str(spec)), spec.as_uri()) == []
    (tmp_path / "pyproject.toml").write_text('[tool.netcheck]\nignroe = ["NC101"]\n', encoding="utf-8")
    found = features.diagnostics(analyze(quiz3(), str(spec)), spec.as_uri())
    assert [d.code for d in found] == [None, "NC101"]
    assert "unknown key 'ignroe'" in found[0].message and "default settings" in found[0].message
    (tmp_path / "pyproject.toml").write_text('[tool.netcheck]\nmax-bytes = 100\n', encoding="utf-8")
    [limit] = features.diagnostics(analyze(quiz3(), str(spec)), spec.as_uri())
    assert limit.code == "NC001" and "over the limit of 100 bytes" in limit.message


def test_each_document_is_checked_on_a_thread_of_its_own() -> None:
    import threading

    from netcheck.lsp.server import OpenDocument

    async def threads() -> tuple[int, int, int]:
        first, second = OpenDocument("file:///a.yaml", "", 1, None), OpenDocument("file:///b.yaml", "", 1, None)
        try:
            one, two = await first.run(threading.get_ident), await second.run(threading.get_ident)
            again = await first.run(threading.get_ident)
        finally:
            first.close()
            second.close()
        assert again == one
        with pytest.raises(RuntimeError):
            await first.run(threading.get_ident)  # closed
        return one, two, threading.get_ident()

    one, two, loop = asyncio.run(threads())
    assert len({one, two, loop}) == 3


def test_a_document_that_breaks_the_checker_becomes_an_nc001(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RecursionError

    monkeypatch.setattr(features.checker, "check_document", broken)
    [found] = features.diagnostics(analyze(quiz3(), None, options=Options()), "file:///x.yaml")
    assert found.code == "NC001" and "too complex" in found.message


# End to end: the server over stdio.


class Client(LanguageClient):
    """pytest-lsp's client, keeping every diagnostics notification in order and waking waiters on each."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.published: list[types.PublishDiagnosticsParams] = []
        self.arrived = asyncio.Event()

    async def diagnostics_for(self, uri: str, version: int | None, nth: int = 1) -> list[types.Diagnostic]:
        """The ``nth`` diagnostics the server publishes for ``version`` of ``uri`` (waits for them).

        A text with fixable errors is published twice: first as soon as it is
        checked, then with the fixes searched (named in the messages).
        """

        async def arrival() -> list[types.Diagnostic]:
            while True:
                self.arrived.clear()
                found = [params for params in self.published if params.uri == uri and params.version == version]
                if len(found) >= nth:
                    return list(found[nth - 1].diagnostics)
                await self.arrived.wait()

        return await asyncio.wait_for(arrival(), TIMEOUT)

    def versions(self, uri: str) -> list[int | None]:
        return [params.version for params in self.published if params.uri == uri]

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri, "yaml", version, text)))

    def change(self, uri: str, text: str, version: int) -> None:
        self.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=uri),
            [types.TextDocumentContentChangeWholeDocument(text)]))

    def close(self, uri: str) -> None:
        self.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))


def _record(client: Client, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.published.append(params)
    client.arrived.set()


def make_client() -> Client:
    client = Client(converter_factory=default_converter)
    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: _record})
    return client


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "netcheck", "lsp"], client_factory=make_client)
#: The end-to-end tests share the module's event loop, where the module's server runs.
e2e = pytest.mark.asyncio(loop_scope="module")


def _initialize(capabilities: str) -> types.InitializeParams:
    return types.InitializeParams(capabilities=pytest_lsp.client_capabilities(capabilities), root_uri=ROOT.as_uri(),
                                  workspace_folders=[types.WorkspaceFolder(ROOT.as_uri(), "netcheck")])


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(lsp_client: Client) -> AsyncIterator[None]:
    """One server for the module, as Neovim 0.11 starts it (UTF-8 positions, plain workspace edits)."""
    lsp_client.initialize_result = await lsp_client.initialize_session(_initialize("neovim@v0.11.0"))
    yield
    await lsp_client.shutdown_session()


@e2e
async def test_initialize_announces_the_features(client: Client) -> None:
    result = client.initialize_result  # type: ignore[attr-defined]
    capabilities = result.capabilities
    assert result.server_info.name == "netcheck"
    assert capabilities.position_encoding == types.PositionEncodingKind.Utf8  # Neovim's first choice
    assert capabilities.text_document_sync.change == types.TextDocumentSyncKind.Full
    assert capabilities.hover_provider
    assert capabilities.inlay_hint_provider
    assert list(capabilities.code_action_provider.code_action_kinds) == [types.CodeActionKind.QuickFix]


@e2e
async def test_diagnostics_on_open_and_change_with_exact_ranges_then_clear(client: Client) -> None:
    uri = "file:///virtual/e2e/quiz.yaml"
    client.open(uri, quiz3())
    [diagnostic] = await client.diagnostics_for(uri, 1)
    assert (diagnostic.code, diagnostic.source, diagnostic.severity) == ("NC101", "netcheck",
                                                                         types.DiagnosticSeverity.Error)
    assert diagnostic.range == types.Range(types.Position(7, 4), types.Position(7, 15))
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href.endswith("README.md#nc101-non-integer-output")
    assert "fix:" not in diagnostic.message  # published before the fixes are searched...
    [complete] = await client.diagnostics_for(uri, 1, nth=2)  # ...then again with them
    assert complete.message.endswith("\nfix: padding 0 gives 9\nfix: padding 3 gives 11")
    assert complete.range == diagnostic.range
    client.change(uri, quiz3().replace("stride: 3", "stride: 2"), 2)
    assert await client.diagnostics_for(uri, 2) == []
    # A non-ASCII name before the key: Neovim counts UTF-8 bytes.
    client.change(uri, quiz3().replace("name: conv1", "name: cönv😀"), 3)
    [moved] = await client.diagnostics_for(uri, 3)
    assert moved.range == types.Range(types.Position(7, 4), types.Position(7, 4 + len("name: cönv😀".encode())))
    client.close(uri)
    assert await client.diagnostics_for(uri, None) == []  # closed: cleared


@e2e
async def test_a_burst_of_changes_publishes_in_order_and_ends_on_the_last_text(client: Client) -> None:
    uri = "file:///virtual/e2e/burst.yaml"
    good, bad = quiz3().replace("stride: 3", "stride: 2"), quiz3()
    client.open(uri, bad)
    await client.diagnostics_for(uri, 1)
    for version in range(2, 41):
        client.change(uri, good if version % 2 else bad, version)
    client.change(uri, good, 41)
    assert await client.diagnostics_for(uri, 41) == []
    versions = client.versions(uri)
    assert versions == sorted(versions)  # never an older text's diagnostics after a newer one's
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(8, 4)))
    assert hover is not None and "32x32x3 → 14x14x20" in hover.contents.value  # type: ignore[union-attr]
    assert client.versions(uri)[-1] == 41
    client.close(uri)


@e2e
async def test_hover_and_inlay_hints_over_the_wire(client: Client) -> None:
    path = SPECS / "resnet18-blocks.yaml"
    uri = uri_of(path)
    text = path.read_text(encoding="utf-8")
    client.open(uri, text)
    found = await client.diagnostics_for(uri, 1)
    assert found and all(d.severity == types.DiagnosticSeverity.Warning for d in found)  # ResNet's NC201s, NC203s
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(52, 12)))  # conv1: 7x7 stride 2
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.value == ("**conv1** (conv2d): `224x224x3 → 112x112x64`  \n"
                                    "params 9,408 (trainable 9,408, non-trainable 0)  \n"
                                    "MACs 118,013,952 · receptive field 7 · jump 2")
    end = len(text.splitlines())
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(uri), types.Range(types.Position(0, 0), types.Position(end, 0))))
    assert hints is not None
    labels = {hint.position.line: hint.label for hint in hints}
    report = check_text(text)
    for row in report.rows_at(1):  # every top-level layer and use
        assert labels[row.line - 1] == f"→ {row.output}"
    assert labels[23] == "→ 56x56x64, 28x28x128, 14x14x256, …"  # basic's conv1, used at four sizes
    assert len(hints) == len({spot.start for spot in analyze(text, str(path)).spots})
    client.close(uri)


@e2e
async def test_a_code_action_applied_validates_clean(client: Client) -> None:
    uri = "file:///virtual/e2e/fix.yaml"
    text = quiz3()
    client.open(uri, text, 5)
    [diagnostic] = await client.diagnostics_for(uri, 5)
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), diagnostic.range, types.CodeActionContext([diagnostic])))
    assert actions is not None
    preferred = [action for action in actions if isinstance(action, types.CodeAction) and action.is_preferred]
    assert [action.title for action in preferred] == ["Fix NC101: padding 0 gives 9"]
    edit = preferred[0].edit
    assert edit is not None and edit.changes is not None  # Neovim takes plain changes
    fixed = apply_edits(text, edit.changes[uri], features.UTF8)
    assert fixed == text.replace("padding: 1", "padding: 0")
    client.change(uri, fixed, 6)
    assert await client.diagnostics_for(uri, 6) == []
    ignore = next(a for a in actions if isinstance(a, types.CodeAction) and a.title.startswith("Ignore NC101"))
    assert ignore.edit is not None and ignore.edit.changes is not None
    client.change(uri, apply_edits(text, ignore.edit.changes[uri], features.UTF8), 7)
    assert await client.diagnostics_for(uri, 7) == []
    only_source = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), diagnostic.range,
        types.CodeActionContext([], only=[types.CodeActionKind.Source])))
    assert not only_source
    client.close(uri)


@e2e
async def test_configuration_comes_from_the_documents_folder(client: Client, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.netcheck]\nignore = ["NC101"]\n', encoding="utf-8")
    uri = uri_of(tmp_path / "quiz.yaml")
    client.open(uri, quiz3())
    assert await client.diagnostics_for(uri, 1) == []
    client.close(uri)


@e2e
async def test_hostile_documents_never_stop_the_server(client: Client, tmp_path: Path) -> None:
    corpus = sorted((ROOT / "tests" / "hostile").iterdir())
    generated = {
        "deep.yaml": "a: " + "[" * 5000 + "]" * 5000 + "\n",
        "cr-only.yaml": quiz3().replace("\n", "\r"),
        "nel.yaml": quiz3().replace("# <- NC101", "# a\x85b \u2028c"),
        "nul.yaml": "netcheck: 1\x00\n",
        "surrogate.yaml": "name: \udce9\n",
        "workflow.yaml": "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
        "huge-repeat.yaml": BLOCKS.replace("{name: a, type: unit}", "{name: a, type: unit, repeat: 100000000}"),
        "empty.yaml": "",
    }
    documents = [(uri_of(path), path.read_bytes().decode("utf-8", "replace")) for path in corpus if path.is_file()]
    documents += [(uri_of(tmp_path / name), text) for name, text in generated.items()]
    for uri, text in documents:
        client.open(uri, text)
        found = await client.diagnostics_for(uri, 1)
        assert all(d.source == "netcheck" for d in found), uri
        hover = await client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(uri), types.Position(3, 3)))
        assert hover is None or isinstance(hover.contents, types.MarkupContent)
        client.close(uri)
    uri = "file:///virtual/e2e/after.yaml"
    client.open(uri, quiz3())
    assert [d.code for d in await client.diagnostics_for(uri, 1)] == ["NC101"]
    client.close(uri)


@e2e
async def test_a_50000_layer_network_is_checked_while_other_documents_are_answered(client: Client) -> None:
    big, small = "file:///virtual/e2e/big.yaml", "file:///virtual/e2e/small.yaml"
    client.open(big, BIG)
    client.open(small, quiz3())
    assert [d.code for d in await client.diagnostics_for(small, 1)] == ["NC101"]
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(small), types.Position(8, 4)))
    assert hover is not None
    assert await client.diagnostics_for(big, 1) == []
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(big), types.Position(6, 12)))  # the block's one layer, used 50,000 times
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.value.startswith("In block **unit**, used 50,000 times:")
    assert hover.contents.value.endswith(f"… and {50_000 - features.MAX_HOVER_ROWS:,} more uses")
    client.close(big)
    client.close(small)


@e2e
@pytest.mark.parametrize(("capabilities", "encoding", "versioned", "related"), [
    ("visual-studio-code", types.PositionEncodingKind.Utf16, True, True),
    ("emacs", types.PositionEncodingKind.Utf32, True, False),
])
async def test_other_clients_get_their_encoding_edits_and_related_information(
        capabilities: str, encoding: str, versioned: bool, related: bool) -> None:
    lsp_client = await SERVER.start()
    assert isinstance(lsp_client, Client)
    try:
        result = await lsp_client.initialize_session(_initialize(capabilities))
        assert (result.capabilities.position_encoding or types.PositionEncodingKind.Utf16) == encoding
        uri = "file:///virtual/e2e/uses.yaml"
        text = BLOCKS.replace("padding: 1}", "padding: 1, stride: 2}").replace("name: a,", "name: ä😀,")
        lsp_client.open(uri, text)
        found = await lsp_client.diagnostics_for(uri, 1)
        inside = [d for d in found if d.range.start.line == 7]
        assert inside
        if related:
            assert all(d.related_information for d in inside)
        else:
            assert all(d.related_information is None and "\nin " in d.message for d in inside)
        actions = await lsp_client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(uri), inside[0].range, types.CodeActionContext(inside[:1])))
        assert actions
        edit = actions[0].edit  # type: ignore[union-attr]
        assert edit is not None and (edit.document_changes is not None) == versioned
        await lsp_client.shutdown_session()
        assert lsp_client._server is not None and lsp_client._server.returncode == 0
    finally:
        await lsp_client.stop()


@e2e
async def test_a_clean_shutdown_exits_0_and_exit_without_shutdown_exits_1() -> None:
    lsp_client = await SERVER.start()
    assert isinstance(lsp_client, Client)
    try:
        await lsp_client.initialize_session(_initialize("neovim@v0.11.0"))
        lsp_client.exit(None)
        assert lsp_client._server is not None
        assert await asyncio.wait_for(lsp_client._server.wait(), TIMEOUT) == 1
    finally:
        await lsp_client.stop()


def test_without_pygls_the_command_says_how_to_install_it() -> None:
    code = ("import sys; sys.modules['pygls'] = None; sys.argv[0] = 'netcheck'; "
            "from netcheck.entry import main; main(['lsp'])")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 2
    assert "pip install 'cnn-netcheck[lsp]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_other_commands_do_not_import_pygls() -> None:
    code = "import sys; from netcheck import cli; print('pygls' in sys.modules, 'lsprotocol' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert result.stdout.split() == ["False", "False"]


def test_the_readme_section_says_what_the_server_does() -> None:
    from netcheck.lsp.server import DEBOUNCE, FIX_DELAY

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Language server (`netcheck lsp`)\n", 1)[1].split("\n### ", 1)[0]
    assert f"({DEBOUNCE * 1000:.0f} ms after the typing pauses)" in section
    assert f"after {FIX_DELAY:g} s without typing" in section
    assert f"over {features.MAX_EXTENTS_TEXT:,} characters" in section
    assert "pip install 'cnn-netcheck[lsp]'" in section
    for editor in ("**VS Code**", "**Neovim**", "**Helix**", "**Emacs**"):
        configuration = section.split(editor, 1)[1].split("```", 2)[1]
        assert "netcheck" in configuration and "lsp" in configuration and "specs/" in configuration, editor
