"""Writes tests/fixtures/python-literals.json: what real Python prints for JSON-like data.

sse-starlette sends `str(data)` when a handler yields a dict, so a client meets Python literal text.
Each case is `{"repr": repr(value), "json": value}` for seeded random nested data (dicts, lists,
tuples, strings with every kind of escape repr produces and non-ASCII text, ints, floats including
1e-07, 1e+300 and -0.0, True, False, None): a parser of that text must give back `json`. Each
rejection is `{"kind": ..., "repr": ...}`: text that str() of non-JSON data produces (datetime, inf,
nan, sets, bytes, Decimal, functions, calls...), which a strict parser must refuse.

    python3 tests/interop/backend/make_literals.py [--seed 20260104] [--count 400]
"""

from __future__ import annotations

import argparse
import collections
import datetime
import decimal
import enum
import json
import math
import pathlib
import random
import sys
import uuid
from typing import Any

OUT = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "python-literals.json"

# Characters that exercise every branch of str.__repr__: printable ASCII, the quotes and backslash,
# \n \r \t, other C0 controls and DEL (\xNN), C1 controls and NBSP (\xNN), non-printable BMP
# characters (\uNNNN: line/paragraph separators, zero-width, BOM), non-printable
# astral ones (\UNNNNNNNN), and printable non-ASCII (Latin, CJK, emoji with joiners, RTL, combining).
SPECIAL_CHARS = (
    ["'", '"', "\\", "\n", "\r", "\t", " "]
    + [chr(c) for c in (0, 1, 7, 8, 11, 12, 27, 31, 127)]
    + [chr(c) for c in (0x80, 0x85, 0x9F, 0xA0, 0xAD)]
    + ["\u2028", "\u2029", "\u200b", "\u200d", "\ufeff", "\ufffe"]
    + ["\U000f0000", "\U000e0001", "\U0010ffff"]
    + ["é", "ß", "ñ", "漢", "字", "贵州茅台", "σ", "‰", "—", "€", "😀", "🚨", "👩‍💻", "🇨🇳", "ش", "e\u0301", "\u00ff"]
)
WORDS = ["alpha", "beta", "it's", 'say "hi"', "C:\\path\\to", "l'écart", "漢字", "🚀", "", " ", "None",
         "True", "nan", "inf", "0x1F", "{'a': 1}", "[1, 2]", "a\\'b", "\\x41", "\\u0041", "\\n"]
FLOATS = [0.0, -0.0, 1.0, -1.5, 0.1, 0.2 + 0.1, 1e-7, 1e-05, 0.0001, 1e300, -1e300, 1e16, 1e15,
          123456789012345678.0, 1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 3.14159,
          0.0068, 912345678901.0, 1234.5, 1e22, 1e21, 9007199254740993.0]
INTS = [0, 1, -1, 7, 42, 255, 1000, -2147483648, 2147483647, 9007199254740991, -9007199254740991]
KEYS = ["a", "id", "alert_id", "message", "x y", "it's", 'q"uote', "é", "漢", "🚨", "", "None",
        "true", "0", "back\\slash", "new\nline", "tab\there"]


def random_string(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.25:
        return rng.choice(WORDS)
    length = rng.randint(0, 12)
    parts = []
    for _ in range(length):
        if rng.random() < 0.45:
            parts.append(rng.choice(SPECIAL_CHARS))
        else:
            parts.append(chr(rng.randint(0x20, 0x7E)))
    return "".join(parts)


def random_scalar(rng: random.Random) -> Any:
    kind = rng.randrange(7)
    if kind == 0:
        return rng.choice(INTS) if rng.random() < 0.5 else rng.randint(-10**6, 10**6)
    if kind == 1:
        if rng.random() < 0.5:
            return rng.choice(FLOATS)
        return rng.uniform(-1e6, 1e6) * 10 ** rng.randint(-12, 12)
    if kind == 2:
        return rng.choice([True, False])
    if kind == 3:
        return None
    return random_string(rng)


def random_value(rng: random.Random, depth: int) -> Any:
    if depth <= 0 or rng.random() < 0.35:
        return random_scalar(rng)
    kind = rng.randrange(3)
    size = rng.randint(0, 5)
    if kind == 0:
        return {rng.choice(KEYS) if rng.random() < 0.6 else random_string(rng): random_value(rng, depth - 1)
                for _ in range(size)}
    items = [random_value(rng, depth - 1) for _ in range(size)]
    return items if kind == 1 else tuple(items)


def nested(depth: int) -> Any:
    value: Any = {"leaf": [None, True, "end"]}
    for level in range(depth):
        value = {"level": level, "next": value} if level % 3 else [value, (level,)]
    return value


def fixed_cases() -> list[Any]:
    """Hand-picked shapes that random data might miss."""
    return [
        {}, [], (), (1,), ((),), [()], {"t": (1, "a", None)}, {"empty": ""},
        {"ok": True, "x": None, "name": "a'b"},
        {"both": "it's \"quoted\"", "only_double": 'say "hi"', "only_single": "it's"},
        {"backslashes": "\\", "escaped_quote": "\\'", "trailing": "ends with \\"},
        {"controls": "".join(chr(c) for c in range(32)) + "\x7f"},
        {"c1": "".join(chr(c) for c in range(0x80, 0xA1))},
        {"separators": "\u2028\u2029\x85", "bom": "\ufeff", "zw": "a\u200bb"},
        {"astral": "\U0001f600\U0001f6a8\U000f0000\U0010ffff\U000e0001"},
        {"floats": [1e-07, 1e300, -0.0, 0.1, 1e16, 1e15, 5e-324, 1.7976931348623157e308, 2.5e-05]},
        {"ints": [0, -0, 10**15, 2**53, 2**53 + 1, -(2**63)]},
        {"timestamp": "2026-01-04T10:42:51.123456+00:00", "severity": "critical"},
        {"indices": [{"symbol": "000001.SH", "name": "SSE Composite", "last": 3342.1, "change": 12.4,
                      "change_pct": 0.0037}], "session": ("09:30", "15:00")},
        nested(20), nested(40),
        "top-level string", 'it\'s "both"', 42, -0.0, 1e-07, True, False, None,
        [True, False, None, "True", "False", "None"],
        {"None": None, "True": True, "False": False},
    ]


class Color(enum.Enum):
    RED = 1


def rejections() -> list[dict[str, str]]:
    """Text that str() of non-JSON data produces, and text that is no literal a dict prints."""
    when = datetime.datetime(2026, 1, 4, 10, 42, 51, 123456, tzinfo=datetime.timezone.utc)
    samples: list[tuple[str, str]] = [
        ("datetime", repr(when)),
        ("datetime", repr({"timestamp": when, "ok": True})),
        ("datetime", repr({"day": datetime.date(2026, 1, 4)})),
        ("timedelta", repr({"eta": datetime.timedelta(seconds=930)})),
        ("inf", repr(math.inf)),
        ("inf", repr(-math.inf)),
        ("inf", repr({"value": math.inf})),
        ("inf", repr([1.0, -math.inf])),
        ("nan", repr(math.nan)),
        ("nan", repr({"loss": math.nan})),
        ("set", repr({1, 2, 3})),
        ("set", repr({"tags": {"a"}})),
        ("set", repr(set())),
        ("set", repr({"tags": frozenset({"a"})})),
        ("bytes", repr(b"abc")),
        ("bytes", repr({"raw": b"\x00\xff'"})),
        ("bytes", repr(bytearray(b"xy"))),
        ("decimal", repr(decimal.Decimal("1.5"))),
        ("decimal", repr({"price": decimal.Decimal("3342.10")})),
        ("function", repr(lambda x: x).split(" at ")[0] + " at 0x7f3a2c1e5d30>"),
        ("function", repr({"callback": print})),
        ("object", "{'handler': <object object at 0x7f3a2c1e5d30>}"),
        ("enum", repr({"color": Color.RED})),
        ("uuid", repr({"id": uuid.UUID("12345678-1234-5678-1234-567812345678")})),
        ("complex", repr({"z": 1 + 2j})),
        ("ellipsis", repr({"more": ...})),
        ("ordered-dict", repr(collections.OrderedDict(a=1))),
        ("defaultdict", repr(collections.defaultdict(list))),
        ("call", "dict(a=1)"),
        ("call", "float('inf')"),
        ("call", "{'x': float('nan')}"),
        ("call", "__import__('os').system('true')"),
        ("call", "{'x': (lambda: 1)()}"),
        ("non-string key", repr({1: "a"})),
        ("non-string key", repr({(1, 2): "a"})),
        ("non-string key", repr({None: 1})),
        ("non-string key", repr({True: 1})),
        ("name", "{'x': undefined}"),
        ("name", "{'x': null, 'y': true}"),
        ("name", "{'x': os.environ}"),
        ("syntax", "{'a': 1"),
        ("syntax", "{'a' 1}"),
        ("syntax", "{'a': 1,, 'b': 2}"),
        ("syntax", "'unterminated"),
        ("syntax", "{'a': 1} trailing"),
        ("syntax", ""),
        ("string-prefix", "{'a': b'x'}"),
        ("string-prefix", "{'a': f'x'}"),
        ("string-prefix", "{'a': r'x'}"),
        ("string-prefix", "{'a': u'x'}"),
        ("triple-quote", "{'a': '''x'''}"),
        ("expression", "{'a': 1 + 2}"),
        ("expression", "{'a': -(1)}"),
        ("number", "{'a': 0x1F}"),
        ("number", "{'a': 1_000}"),
        ("number", "{'a': 1e400}"),
        ("number", "{'a': 07}"),
        ("number", "{'a': 1j}"),
        ("escape", "{'a': '\\N{BULLET}'}"),
        ("escape", "{'a': '\\q'}"),
        ("escape", "{'a': '\\x4'}"),
        ("escape", "{'a': '\\U00110000'}"),
        ("comment", "{'a': 1}  # comment"),
    ]
    return [{"kind": kind, "repr": text} for kind, text in samples]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=20260104)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    values = fixed_cases()
    while len(values) < args.count:
        top = random_value(rng, rng.randint(1, 5))
        # Mostly dicts, as sse-starlette sends: str() of the dict a handler yields.
        if rng.random() < 0.8 and not isinstance(top, dict):
            top = {"timestamp": "2026-01-04T10:42:51+00:00", "value": top}
        values.append(top)
    cases = []
    for value in values:
        text = repr(value)
        if isinstance(value, dict):
            assert str(value) == text
        # The JSON side is the value itself: tuples become arrays, -0.0 stays -0.0.
        # Only what can be on the wire: no lone surrogates (sse-starlette encodes UTF-8).
        json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")
        cases.append({"repr": text, "json": value})
    document = {
        "generator": "tests/interop/backend/make_literals.py",
        "python": sys.version.split()[0],
        "seed": args.seed,
        "cases": cases,
        "rejections": rejections(),
    }
    # One case per line: readable diffs when the generator changes.
    def lines(items: list[dict[str, Any]]) -> str:
        return ",\n".join("  " + json.dumps(item, ensure_ascii=True, allow_nan=False) for item in items)

    head = {key: document[key] for key in ("generator", "python", "seed")}
    text = (json.dumps(head, ensure_ascii=True)[:-1] + ',\n "cases": [\n' + lines(cases)
            + '\n ],\n "rejections": [\n' + lines(document["rejections"]) + "\n ]\n}\n")
    json.loads(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="ascii")
    print(f"{args.out}: {len(cases)} cases, {len(document['rejections'])} rejections, {len(text)} bytes")


if __name__ == "__main__":
    main()
