"""An XSS checker independent of the code under test: public payload corpora, a static check of
sanitized HTML against the whitelist, and a headless-Chromium harness that reports any script
that would run.

The static check tokenizes with the standard library's HTML parser and reads URL schemes the
way the WHATWG URL parser does; it shares nothing with ``feedgen_miit.sanitize`` but the
whitelist sets it checks against.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from feedgen_miit.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    FORCED_ATTRIBUTES,
    GENERIC_ATTRIBUTES,
    URL_ATTRIBUTES,
    URL_SCHEMES,
)
from tests.browser import chromium_command

XSS_DATA = Path(__file__).parent / "data" / "xss"
CORPORA = ("dompurify", "html5lib", "owasp", "extra")
#: Attributes nh3 adds itself: rel on links (link_rel), and the forced ones.
ADDED_ATTRIBUTES = {"a": frozenset({"rel"})} | {
    tag: frozenset(values) for tag, values in FORCED_ATTRIBUTES.items()
}
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


@dataclass(frozen=True)
class Payload:
    """One attack string from a corpus."""

    corpus: str
    title: str
    html: str

    @property
    def id(self) -> str:
        """A short test id."""
        return f"{self.corpus}:{self.title[:50]}"


def load_payloads() -> list[Payload]:
    """Every payload of every vendored corpus, in file order."""
    payloads: list[Payload] = []
    for corpus in CORPORA:
        items = json.loads((XSS_DATA / f"{corpus}.json").read_text(encoding="utf-8"))
        payloads += [Payload(corpus, item["title"], item["payload"]) for item in items]
    return payloads


def browser_scheme(url: str) -> str | None:
    """The scheme a browser sees in ``url`` (lowercase), or None for a relative URL.

    WHATWG URL parsing: leading/trailing C0 controls and spaces are stripped, tabs and
    newlines removed anywhere, then a scheme is letters, digits, '+', '-', '.' before ':'.
    """
    cleaned = re.sub(r"[\t\n\r]", "", url.strip(_C0_AND_SPACE))
    found = _SCHEME.match(cleaned)
    return found.group(1).lower() if found else None


class _Auditor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.violations: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.violations.append(f"tag <{tag}>")
        allowed = (
            ALLOWED_ATTRIBUTES.get(tag, frozenset())
            | ADDED_ATTRIBUTES.get(tag, frozenset())
            | GENERIC_ATTRIBUTES
        )
        for name, value in attrs:
            if name not in allowed:
                self.violations.append(f"attribute {name!r} on <{tag}>")
            elif URL_ATTRIBUTES.get(tag) == name or name in {"href", "src"}:
                scheme = browser_scheme(value or "")
                if scheme is not None and scheme not in URL_SCHEMES:
                    self.violations.append(f"URL scheme {scheme!r} in {name} on <{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self.violations.append(f"comment <!--{data[:40]}-->")

    def handle_decl(self, decl: str) -> None:
        self.violations.append(f"declaration <!{decl[:40]}>")

    def handle_pi(self, data: str) -> None:
        self.violations.append(f"processing instruction <?{data[:40]}>")

    def unknown_decl(self, data: str) -> None:
        self.violations.append(f"declaration <![{data[:40]}]>")


def unsafe_parts(sanitized: str) -> list[str]:
    """Every tag, attribute, URL scheme or markup construct outside the whitelist."""
    auditor = _Auditor()
    auditor.feed(sanitized)
    auditor.close()
    return auditor.violations


# -- the browser harness -----------------------------------------------------------------------

NONCE = "feedgen-miit-harness"
#: Every script the page itself runs carries the nonce; anything else a payload brings in is
#: blocked by the policy and reported as a violation, so nothing has to actually execute.
_POLICY = f"script-src 'nonce-{NONCE}'; object-src 'none'; base-uri 'none'; form-action 'none'"
_PROBE = f"""<script nonce="{NONCE}">
(function () {{
  var id = window.frameElement ? window.frameElement.dataset.id : "top";
  function hit(kind, detail) {{ parent.hit(id, kind, String(detail).slice(0, 120)); }}
  document.addEventListener("securitypolicyviolation", function (e) {{
    hit("csp " + e.violatedDirective, e.sample || e.blockedURI);
  }});
  ["alert", "confirm", "prompt", "print", "open"].forEach(function (name) {{
    window[name] = function (arg) {{ hit("called " + name, arg); }};
  }});
}})();
</script>"""


def harness_page(fragments: Mapping[str, str]) -> str:
    """A page that loads every fragment two ways and records anything script-like.

    Each fragment is parsed as a document of its own (an ``iframe srcdoc``, as a reader
    that renders entries in frames does), and all of them are also inserted with
    ``innerHTML`` (as web readers do). The results land in ``<pre id="results">``.
    """
    frames = "\n".join(
        f'<iframe data-id="{html.escape(key)}" srcdoc="{html.escape(_PROBE + fragment)}"></iframe>'
        for key, fragment in fragments.items()
    )
    inserted = json.dumps(fragments).replace("<", "\\u003c")  # nothing the parser sees as a tag
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_POLICY}">
<script nonce="{NONCE}">
var hits = [];
function hit(id, kind, detail) {{ hits.push([id, kind, detail]); }}
document.addEventListener("securitypolicyviolation", function (e) {{
  hits.push(["innerHTML", "csp " + e.violatedDirective, e.sample || e.blockedURI]);
}});
["alert", "confirm", "prompt", "print", "open"].forEach(function (name) {{
  window[name] = function (arg) {{ hits.push(["innerHTML", "called " + name, String(arg)]); }};
}});
</script></head>
<body>
<div id="inserted"></div>
{frames}
<pre id="results">pending</pre>
<script nonce="{NONCE}">
var fragments = {inserted};
var box = document.getElementById("inserted");
Object.keys(fragments).forEach(function (key) {{
  var div = document.createElement("div");
  div.innerHTML = fragments[key];
  box.appendChild(div);
}});
window.addEventListener("load", function () {{
  setTimeout(function () {{
    document.getElementById("results").textContent = "RESULTS" + JSON.stringify(hits);
  }}, 2000);
}});
</script>
</body></html>
"""


def run_in_chromium(page: Path, profile: Path) -> list[list[str]]:
    """Load ``page`` in headless Chromium; return what the harness recorded."""
    command = chromium_command(profile, "--virtual-time-budget=30000", "--dump-dom", page.as_uri())
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    found = re.search(r"RESULTS(\[.*?\])</pre>", done.stdout, re.DOTALL)
    assert found, f"the page did not finish (exit {done.returncode}):\n{done.stderr[-2000:]}"
    results: list[list[str]] = json.loads(html.unescape(found.group(1)))
    return results
