"""``netcheck lsp``: a Language Server Protocol server on stdio (needs the ``lsp`` extra, pygls 2).

``netcheck.lsp.features`` computes everything a client is shown (diagnostics,
hover, inlay hints, code actions) from a document's text, as pure functions
that tests call without a client; ``netcheck.lsp.server`` is the thin pygls
layer: it keeps the open documents, debounces the checks, runs them off the
event loop and answers the requests. Only the server imports pygls.
"""

from __future__ import annotations
