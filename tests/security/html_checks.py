"""What 'renders harmless' means for a page: nothing in it that a browser would run."""

from html.parser import HTMLParser

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
JS_LINK = "[click me](javascript:alert(1))"
PAYLOADS = [SCRIPT, IMG, '"><svg onload=alert(1)>', "javascript:alert(1)"]


def attribute_findings(tag: str, attrs: list[tuple[str, str | None]]) -> list[str]:
    """What a tag's attributes would run or what a strict policy blocks: event handlers, style attributes and
    javascript: URLs (also the page-wide check of tests/security/test_headers.py)."""
    found = []
    for name, value in attrs:
        if name.startswith("on"):
            found.append(f"{name}= on <{tag}>")
        if name == "style":
            found.append(f"style= on <{tag}>")
        if name in ("href", "src", "action", "formaction") and "javascript:" in (value or "").lower():
            found.append(f"javascript: URL in {name} of <{tag}>")
    return found


class ExecutableFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.found.append("inline <script>")
        if tag in ("svg", "iframe", "object", "embed", "style", "base"):
            self.found.append(f"<{tag}>")
        if tag == "img" and names.get("src") == "x":
            self.found.append("injected <img>")
        self.found += attribute_findings(tag, attrs)


def executable_parts(html: str) -> list[str]:
    finder = ExecutableFinder()
    finder.feed(html)
    return finder.found


def assert_harmless(response, *, shows: str = "") -> str:
    """The page answered, runs nothing injected, and (when given) shows the text escaped, as text."""
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert executable_parts(html) == []
    for raw in (SCRIPT, IMG, "<svg onload"):
        assert raw not in html
    if shows:
        assert shows in html, f"{shows!r} not on the page"
    return html
