#!/usr/bin/env python3
"""Check the YAML description of an OCPI release against the official text.

Usage:
    python3 scripts/check-spec-against-text.py SPEC_DIR TEXT_DIR [--package NAME=DIR]... [--verbose]

    SPEC_DIR  a release folder of the dialect (spec/ocpi-2.2.1), manifest `ocpi.yaml`
    TEXT_DIR  the official AsciiDoc text of that release, or of the edition of its core
              (../shared/ocpi-spec/2.2.1, ../shared/ocpi-spec/2.3.0-ed2)
    --package NAME=DIR
              the text of a package that the manifest lists under `packages:`; without it the
              checker takes the sibling folder TEXT_DIR-NAME (../shared/ocpi-spec/2.3.0-ed2-payments)

    python3 scripts/check-spec-against-text.py spec/ocpi-2.2.1 ../shared/ocpi-spec/2.2.1
    python3 scripts/check-spec-against-text.py spec/ocpi-2.3.0 ../shared/ocpi-spec/2.3.0-ed2

Only AsciiDoc text is read (2.2.1 and 2.3.0); 2.1.1's markdown text is not supported.

The core folder (the manifest's `files:`) is checked against TEXT_DIR. Each package (a folder
with `package.yaml`, its own `files:`) is checked against the package's text laid over the core
text: a package text folder holds only the chapters the package adds or changes, and its chapter
of a name replaces the core's. That pass checks only what the package says: the objects and enums
of its files, the core objects its extension files extend (`extends:` a core module, `add_fields`
placed by `after:`, the object then compared whole with the package's table), the tables of the
package text that are new or differ from the core's, and the refs and docs of its files. Listed
deviations apply to the core, or with `package=` to that package only.

Two families of checks; every problem is printed as `FILE:LINE: message`, and the last line
is `check-spec-against-text: N passed, M failed`. The exit status is 0 when nothing failed.

1. Facts. Every object/class table of the text (headings `_X_ Object`, `X _class_`,
   `X object`, 2.3.0's `_X_ object`, plus the version-details "Data" table and the transport
   chapter's response format) and every enum table (`X _enum_`; 2.3.0's `X _OpenEnum_` must be
   `open: true`) is parsed and compared with the YAML: the same
   object and enum names, each in the file of its chapter and in the text's order, the same
   kind (object or class), an existing `ref:` anchor, the same fields in the same order with
   the same type (`<<...,CiString>>(36)` is `CiString(36)`, links are read by their displayed
   name; 2.3.0's `String[50]` and `CiString[36]` are `string(50)` and `CiString(36)`, its inline
   anchors before a property name and its `a|` cell styles are dropped) and cardinality, the same enum values in the same order, and the same status codes
   and reserved ranges. Endpoints are not compared (they cannot be parsed reliably). Where the
   YAML deliberately differs from the text, the difference is listed in DEVIATIONS below with
   a reason, and the YAML item must carry a `note:`; any other difference is a failure, and so
   is a listed deviation that no longer occurs.

   Errata. When TEXT_DIR holds ERRATA_FILE (the fixes made to the text after its release, as a
   unified diff), every property-table row that the diff changes is read from both sides; where
   the fix changes the row's type or cardinality, the YAML must have the fixed value and the
   field must carry an `errata:` note saying so. Keeping the old value, or taking the new one
   without the note, is a failure. Rows of other tables (enum values, worked examples) and rows
   whose fix only rewords the description are text, not facts, and are not compared.

2. Prose. Every `doc:` of the YAML (files, objects, fields, enums, values, endpoints and
   their parameters, status codes, headers) is compared with the text's description of the
   same item (the row of the field, value, parameter, method or status code, or the prose
   under the item's heading) and, for long runs, with the whole text. A doc fails as copied
   when it shares a run of COPY_RUN or more consecutive words with the text, or when its word
   sequence has a difflib ratio of at least COPY_RATIO (docs of RATIO_MIN_WORDS words or more)
   or COPY_RATIO_LONG (docs of LONG_WORDS words or more) with the item's description, one of
   its sentences, or any sentence of the text. Shorter docs are names ("City or town.").
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from dataclasses import dataclass, field

import yaml

# --------------------------------------------------------------------------------------------
# Deviations: places where the YAML deliberately says something else than the text. Each one
# is a decision written down in the YAML item's `note:`; the checker requires that note.
#   item:   `Object`, `Object.field`, `Enum` or `Enum.VALUE`
#   aspect: `name` (an object the text leaves unnamed), `type` or `card` (the YAML differs from
#           the text), or `link` (the text's displayed type and the type it links to disagree,
#           so whichever the YAML takes is a decision)
#   text:   what the text says (`name`: the anchor of the unnamed table; `link`: both readings)
#   yaml:   what the YAML says
#   releases: the releases whose text has it (default: DEFAULT_RELEASES); only the deviations of
#           the manifest's release are applied and required to occur
#   package: the package (of the manifest's `packages:`) whose text has it; absent: the core
# --------------------------------------------------------------------------------------------
DEFAULT_RELEASES = ("2.2.1", "2.3.0")
DEVIATIONS = [
    dict(item="VersionNumber", aspect="open", text="enum", yaml="OpenEnum", releases=("2.2.1", "2.1.1"),
         reason="a versions list serves every release a party speaks, so one read on this release names later "
                "ones (2.3.0, which opened this enum); a client must take the list and pick what it knows"),
    dict(item="VersionDetails", aspect="name", text="version_information_get_details_endpoint_data",
         yaml="VersionDetails", reason="the version-details \"Data\" table has no name; it needs one"),
    dict(item="Response", aspect="name", text="transport_and_format_response_format", yaml="Response",
         reason="the \"Response format\" envelope has no name; it needs one"),
    dict(item="Response.data", aspect="type", text="Array or Object or String", yaml="any",
         reason="the real type depends on the endpoint and is stated by each endpoint's response"),
    dict(item="Response.data", aspect="card", text="* or ?", yaml="?",
         reason="the real cardinality is stated by each endpoint's response"),
    dict(item="Image.width", aspect="type", text="int(5)", yaml="int",
         reason="sized integers are not a type of the dialect; int(5) becomes int with max 99999"),
    dict(item="Image.height", aspect="type", text="int(5)", yaml="int",
         reason="sized integers are not a type of the dialect; int(5) becomes int with max 99999"),
    dict(item="RegularHours.weekday", aspect="type", text="int(1)", yaml="int",
         reason="sized integer; the range 1..7 the text gives is enforced with min/max"),
    dict(item="Image.type", aspect="link", text="shows CiString(4), links string", yaml="CiString(4)",
         reason="displayed type and link disagree; we keep the displayed CiString(4) (file types ignore case)"),
    dict(item="SignedData.url", aspect="link", text="shows string(512), links CiString", yaml="string(512)",
         reason="displayed type and link disagree; we keep the displayed string(512) (URL paths are case-sensitive)"),
    # 2.3.0 edition 2, Payments 1 package
    dict(item="FinancialAdviceConfirmation", aspect="name", text="Financial Advice Confirmation",
         yaml="FinancialAdviceConfirmation", releases=("2.3.0",), package="payments",
         reason="the heading writes the name with spaces; the chapter's body and response tables join them"),
    dict(item="FinancialAdviceConfirmation.eft_data", aspect="type", text="CiString[1..255]", yaml="CiString(255)",
         releases=("2.3.0",), package="payments",
         reason="a length range is not a type of the dialect; the lower bound 1 becomes pattern .+"),
    dict(item="FinancialAdviceConfirmation.capture_status_message", aspect="type", text="CiString[1..255]",
         yaml="CiString(255)", releases=("2.3.0",), package="payments",
         reason="a length range is not a type of the dialect; the lower bound 1 becomes pattern .+"),
]

# The fixes made to the text after its release, beside the text (see "Errata" above).
ERRATA_FILE = "ERRATA-after-d2.diff"

COPY_RUN = 8            # this many consecutive words shared with the text: copied
COPY_RATIO = 0.8        # difflib ratio on words at or above this: copied (or lightly edited) ...
RATIO_MIN_WORDS = 5     # ... for docs longer than 4 words (shorter ones are names: "City or town.")
COPY_RATIO_LONG = 0.7   # a doc of LONG_WORDS words or more this close to a sentence is a light edit
LONG_WORDS = 10         # (short name-like phrases such as "Name of the energy supplier." stay below)


def ratio_limit(n_words: int) -> float | None:
    """The difflib ratio at which a doc of n_words words counts as copied (None: not tested)."""
    if n_words >= LONG_WORDS:
        return COPY_RATIO_LONG
    if n_words >= RATIO_MIN_WORDS:
        return COPY_RATIO
    return None


PROG = "check-spec-against-text"


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------
class Report:
    def __init__(self, verbose: bool):
        self.passed = 0
        self.failed = 0
        self.verbose = verbose

    def ok(self, where: str = "", msg: str = ""):
        self.passed += 1
        if self.verbose and msg:
            print(f"{where}: ok: {msg}")

    def fail(self, where: str, msg: str):
        self.failed += 1
        print(f"{where}: {msg}")

    def check(self, cond: bool, where: str, msg: str, okmsg: str = "") -> bool:
        if cond:
            self.ok(where, okmsg)
        else:
            self.fail(where, msg)
        return cond


# --------------------------------------------------------------------------------------------
# YAML with line numbers
# --------------------------------------------------------------------------------------------
class LDict(dict):
    line = 0
    key_lines: dict = {}


class LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    d = LDict()
    d.line = node.start_mark.line + 1
    d.key_lines = {}
    for knode, vnode in node.value:
        key = loader.construct_object(knode, deep=True)
        d[key] = loader.construct_object(vnode, deep=True)
        d.key_lines[key] = knode.start_mark.line + 1
    return d


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def kline(d, key=None) -> int:
    if isinstance(d, LDict):
        if key is not None and key in d.key_lines:
            return d.key_lines[key]
        return d.line
    return 0


# --------------------------------------------------------------------------------------------
# The text
# --------------------------------------------------------------------------------------------
@dataclass
class Cell:
    text: str
    line: int


@dataclass
class Table:
    file: str
    line: int
    header: list
    rows: list  # list of list[Cell]


@dataclass
class Section:
    file: str
    line: int          # line of the heading
    level: int
    title: str
    anchor: str | None
    body_start: int    # index of the first line after the heading
    own_end: int       # index of the next heading (any level)
    end: int           # index of the next heading of the same or a higher level
    tables: list = field(default_factory=list)      # tables in the own body
    all_tables: list = field(default_factory=list)  # tables anywhere in the section


@dataclass
class TextItem:
    kind: str          # object, class, enum (an OpenEnum too: then `open` is set)
    name: str          # the YAML name (after deviation mapping for unnamed tables)
    title: str         # heading as written
    file: str
    line: int
    anchor: str | None
    section: Section
    rows: list = field(default_factory=list)   # objects: (name, type, card, desc, line, link)
    values: list = field(default_factory=list)  # enums: (value, desc, line)
    open: bool = False  # an OpenEnum (2.3.0): a party may use values of its own


HEADING = re.compile(r"^(=+)\s+(.*?)\s*$")
ANCHOR = re.compile(r"^\[\[([^\]]+)\]\]\s*$")
INLINE_ANCHOR = re.compile(r"\[\[([^\],]+)(?:,[^\]]*)?\]\]")
COLS = re.compile(r'^\[cols="([^"]*)"(.*)\]\s*$')


# an AsciiDoc cell specifier written just before a cell's `|` (`a|` AsciiDoc content, `2+|` a
# span, `.^|` an alignment): it belongs to the cell that follows, not to the text before it
CELL_SPEC = re.compile(r"(?:^|(?<=\s))(?:\d+[*+]|\d*\.\d+\+)?(?:[<^>])?(?:\.[<^>])?[adehlmsv]?$")


def split_cells(block: list[tuple[int, str]]) -> list[Cell]:
    """Split the lines of an AsciiDoc table body into cells on unescaped `|` (a cell specifier
    such as 2.3.0's `a|` is dropped)."""
    cells: list[Cell] = []
    cur: list[str] | None = None
    cur_line = 0
    for lineno, line in block:
        i = 0
        buf = []
        while i < len(line):
            ch = line[i]
            if ch == "\\" and i + 1 < len(line) and line[i + 1] == "|":
                buf.append("|")
                i += 2
                continue
            if ch == "|":
                if buf:
                    m = CELL_SPEC.search("".join(buf))
                    if m and m.group(0):
                        buf = buf[:m.start()]
                if cur is not None:
                    cur.append("".join(buf))
                    cells.append(Cell("\n".join(cur).strip(), cur_line))
                cur = []
                cur_line = lineno
                buf = []
                i += 1
                continue
            buf.append(ch)
            i += 1
        if cur is not None:
            cur.append("".join(buf))
    if cur is not None:
        cells.append(Cell("\n".join(cur).strip(), cur_line))
    return cells


def asciidoc_names(folder: str) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.endswith(".asciidoc")) if os.path.isdir(folder) else []


class Text:
    """The AsciiDoc files of one folder, or of several laid over each other: a package's text
    folder holds only the files the package changes or adds, and its file of a name replaces
    the core's."""

    def __init__(self, *text_dirs: str):
        self.dir = text_dirs[0]
        self.paths: dict[str, str] = {}
        self.files: dict[str, list[str]] = {}
        self.sections: list[Section] = []
        self.anchors: dict[str, tuple[str, int]] = {}
        self.tables: list[Table] = []
        self.problems: list[tuple[str, str]] = []
        for d in text_dirs:
            for name in asciidoc_names(d):
                self.paths[name] = os.path.join(d, name)
        for name in sorted(self.paths):
            with open(self.paths[name], encoding="utf-8") as f:
                self.files[name] = f.read().split("\n")
        for name, lines in self.files.items():
            self._scan(name, lines)

    def where(self, file: str, line: int) -> str:
        return f"{self.paths.get(file, os.path.join(self.dir, file))}:{line}"

    def _scan(self, name: str, lines: list[str]):
        heads = []  # (index, level, title, anchor)
        pending_anchor = None
        in_source = False
        for i, line in enumerate(lines):
            if line.strip() == "----":
                in_source = not in_source
                continue
            if in_source:
                continue
            for m in INLINE_ANCHOR.finditer(line):
                self.anchors.setdefault(m.group(1), (name, i + 1))
            m = ANCHOR.match(line)
            if m:
                pending_anchor = m.group(1)
                continue
            m = HEADING.match(line)
            if m:
                heads.append((i, len(m.group(1)), m.group(2), pending_anchor))
                pending_anchor = None
                continue
            if line.strip():
                pending_anchor = None
        # tables
        tables = []
        i = 0
        while i < len(lines):
            m = COLS.match(lines[i].strip())
            if m and i + 1 < len(lines) and lines[i + 1].strip() == "|===":
                ncols = len([c for c in m.group(1).split(",") if c.strip()])
                has_header = "header" in m.group(2)
                j = i + 2
                block = []
                while j < len(lines) and lines[j].strip() != "|===":
                    block.append((j + 1, lines[j]))
                    j += 1
                cells = split_cells(block)
                if len(cells) % ncols:
                    # a stray `|` at the end of a row opens an empty cell that shifts the rest
                    trimmed = [(n, re.sub(r"(?<!\\)\|\s*$", "", ln)) for n, ln in block]
                    cells2 = split_cells(trimmed)
                    if len(cells2) % ncols == 0:
                        cells = cells2
                if len(cells) % ncols:
                    self.problems.append((self.where(name, i + 1),
                                          f"table has {len(cells)} cells, not a multiple of {ncols} columns"))
                rows = [cells[k:k + ncols] for k in range(0, len(cells) - len(cells) % ncols, ncols)]
                header = [c.text for c in rows[0]] if has_header and rows else []
                body = rows[1:] if has_header else rows
                tables.append((i, Table(name, i + 1, header, body)))
                i = j + 1
                continue
            i += 1
        self.tables.extend(t for _, t in tables)
        # sections
        for k, (idx, level, title, anchor) in enumerate(heads):
            own_end = heads[k + 1][0] if k + 1 < len(heads) else len(lines)
            end = len(lines)
            for idx2, level2, _, _ in heads[k + 1:]:
                if level2 <= level:
                    end = idx2
                    break
            sec = Section(name, idx + 1, level, title, anchor, idx + 1, own_end, end)
            sec.tables = [t for (ti, t) in tables if idx < ti < own_end]
            sec.all_tables = [t for (ti, t) in tables if idx < ti < end]
            self.sections.append(sec)
            if anchor:
                self.anchors[anchor] = (name, idx + 1)

    def section_by_anchor(self, anchor: str) -> Section | None:
        for s in self.sections:
            if s.anchor == anchor:
                return s
        return None

    def section_at(self, file: str, line: int) -> Section | None:
        """The innermost section that contains the given line."""
        best = None
        for s in self.sections:
            if s.file == file and s.line <= line <= s.end:
                if best is None or s.line > best.line:
                    best = s
        return best

    def paragraphs(self, sec: Section, whole: bool = False) -> list[str]:
        """The prose paragraphs of a section (own body, or the whole section)."""
        lines = self.files[sec.file]
        out, cur = [], []
        in_block = False
        in_table = False
        stop = sec.end if whole else sec.own_end
        for line in lines[sec.body_start:stop]:
            s = line.strip()
            if s == "----":
                in_block = not in_block
                continue
            if s == "|===":
                in_table = not in_table
                continue
            if in_block or in_table:
                continue
            if not s or s.startswith(("[", "include::", "image::", "//")) or HEADING.match(s) \
                    or (s.startswith(".") and not s.startswith("..")):
                if cur:
                    out.append(" ".join(cur))
                    cur = []
                continue
            cur.append(s)
        if cur:
            out.append(" ".join(cur))
        return out


def plain_type(t: str) -> str:
    """`<<types.asciidoc#types_cistring_type,CiString>>(36)` -> `CiString(36)`.

    2.3.0 also writes a length in brackets and the primitive with a capital letter
    (`<<types.asciidoc#types_string_type,String>>[50]`, `CiString[36]`): that is the same
    `string(50)`, `CiString(36)`. A range (`CiString[1..255]`) is kept as written."""
    t = re.sub(r"<<([^,>]*),\s*([^>]*?)\s*>>",
               lambda m: "string" if m.group(2) == "String" and m.group(1).endswith("types_string_type")
               else m.group(2), t)
    t = re.sub(r"<<([^>]*)>>", r"\1", t)
    t = t.replace("`", "").strip()
    if not re.search(r"\s(or)\s", t):
        t = re.sub(r"\s+", "", t)
    t = re.sub(r"^(\w+)\[(\d+)\]$", r"\1(\2)", t)
    return t


def property_name(cell: str) -> str:
    """A property cell without the inline anchor 2.3.0 puts in some (`[[..._field]] parking_places`)."""
    return INLINE_ANCHOR.sub("", cell).strip()


PRIMITIVE_ANCHORS = {"cistring": "CiString", "string": "string", "url": "URL", "datetime": "DateTime",
                     "number": "number"}


def link_mismatch(t: str) -> str | None:
    """`<<types.asciidoc#types_string_type,CiString>>(4)` -> `shows CiString(4), links string`."""
    m = re.search(r"<<(?:[\w.]*#)?types_(\w+?)_type,\s*([^>]*?)\s*>>", t)
    if not m or m.group(1) not in PRIMITIVE_ANCHORS:
        return None
    linked, shown = PRIMITIVE_ANCHORS[m.group(1)], m.group(2)
    if linked.lower() == shown.lower():  # 2.3.0's `String` is the string it links to
        return None
    return f"shows {plain_type(t)}, links {linked}"


def col_index(header: list[str], *names: str) -> int | None:
    low = [re.sub(r"[^a-z]", "", h.lower()) for h in header]
    for n in names:
        n = re.sub(r"[^a-z]", "", n.lower())
        if n in low:
            return low.index(n)
    return None


def classify(sec: Section) -> tuple[str, str] | None:
    t = sec.title
    # `_Tariff_ Object`; 2.3.0 also writes `_Parking_ object` and, in Payments, a name with spaces
    # (`_Financial Advice Confirmation_ Object`: its YAML name is a `name` deviation)
    m = re.fullmatch(r"_(\w+(?: \w+)*)_\s+[Oo]bject", t)
    if m:
        return "object", m.group(1)
    m = re.fullmatch(r"(\w+)\s+object", t)
    if m:
        return "object", m.group(1)
    m = re.fullmatch(r"(\w+)\s+_class_", t)
    if m:
        return "class", m.group(1)
    m = re.fullmatch(r"(\w+)\s+_enum_", t)
    if m:
        return "enum", m.group(1)
    # 2.3.0: an enum whose values a party may extend; the YAML says `open: true`
    m = re.fullmatch(r"(\w+)\s+_OpenEnum_", t)
    if m:
        return "openenum", m.group(1)
    return None


# tables of the text that describe an object without naming it (their headings are "Data" and
# "Response format"); the YAML's names for them are `name` deviations, keyed by anchor
UNNAMED_ANCHORS = ("version_information_get_details_endpoint_data", "transport_and_format_response_format")


def text_items(text: Text, rep: Report, devs: list) -> list[TextItem]:
    items: list[TextItem] = []
    name_dev = {d["text"]: d["yaml"] for d in devs if d["aspect"] == "name"}
    for sec in text.sections:
        c = classify(sec)
        if c is None and sec.anchor in UNNAMED_ANCHORS:
            # a nested type, never a module's top-level object
            c = ("class", name_dev.get(sec.anchor, f"<unnamed table {sec.anchor}>"))
        if c is None:
            continue
        kind, name = c
        if " " in name:
            name = name_dev.get(name, name)
        is_open = kind == "openenum"
        if is_open:
            kind = "enum"
        item = TextItem(kind, name, sec.title, sec.file, sec.line, sec.anchor, sec, open=is_open)
        if kind in ("object", "class"):
            tab = next((t for t in sec.tables if t.header and col_index(t.header, "Property") == 0), None)
            if tab is None:
                rep.fail(text.where(sec.file, sec.line), f"{name}: no property table found under the heading")
                continue
            ci_t, ci_c = col_index(tab.header, "Type"), col_index(tab.header, "Card.")
            ci_d = col_index(tab.header, "Description")
            for r in tab.rows:
                item.rows.append((property_name(r[0].text), plain_type(r[ci_t].text), r[ci_c].text.strip(),
                                  r[ci_d].text if ci_d is not None else "", r[0].line,
                                  link_mismatch(r[ci_t].text)))
        else:
            tab = None
            for t in sec.tables:
                if not t.header:
                    continue
                vi = col_index(t.header, "Value", name)
                if vi is not None:
                    tab = t
                    break
            if tab is None:
                rep.fail(text.where(sec.file, sec.line), f"{name}: no value table found under the heading")
                continue
            vi = col_index(tab.header, "Value", name)
            di = col_index(tab.header, "Description", "Remark")
            if di is None:
                di = len(tab.header) - 1
            for r in tab.rows:
                item.values.append((r[vi].text.strip(), r[di].text, r[vi].line))
        items.append(item)
    return items


@dataclass
class Erratum:
    file: str          # the AsciiDoc file of the text
    line: int          # the line of the row in the text as released (1-based)
    name: str          # the property
    old: tuple         # (type, card) in the text as released
    new: tuple         # (type, card) after the fix
    diff_line: int     # where the fixed row is in the errata diff


def read_errata(text: Text, rep: Report, property_rows: set) -> list[Erratum]:
    """The property-table rows (`property_rows`: (file, line) of every row of an object or class
    table) whose type or cardinality a fix after the release changes. Rows of other tables (enum
    values, worked examples) are text only."""
    path = os.path.join(text.dir, ERRATA_FILE)
    if not os.path.isfile(path):
        return []
    with open(path, encoding="utf-8") as f:
        diff = f.read().split("\n")

    def row(line: str):
        cells = split_cells([(0, line)])
        if len(cells) < 3:
            return None
        return cells[0].text.strip(), (plain_type(cells[1].text), cells[2].text.strip())

    found: list[Erratum] = []
    current = None
    removed: dict[str, tuple[str, tuple]] = {}
    for n, line in enumerate(diff, start=1):
        if line.startswith("+++ b/"):
            current = line[len("+++ b/"):].strip()
            removed = {}
        elif line.startswith("@@") or line.startswith("diff --git"):
            removed = {}
        elif line.startswith("-|") and not line.startswith("---") and current:
            r = row(line[1:])
            if r:
                removed[r[0]] = (line[1:], r[1])
        elif line.startswith("+|") and current:
            r = row(line[1:])
            if not r or r[0] not in removed:
                continue
            old_text, old = removed.pop(r[0])
            lines = text.files.get(current, [])
            at = next((i + 1 for i, ln in enumerate(lines) if ln.rstrip() == old_text.rstrip()), None)
            if not rep.check(at is not None, f"{path}:{n}",
                             f"the row this fix replaces is not in {current} as released", "erratum row found"):
                continue
            if (current, at) not in property_rows or old == r[1]:
                continue  # another kind of table, or only the description changed
            found.append(Erratum(current, at, r[0], old, r[1], n))
    return found


# --------------------------------------------------------------------------------------------
# Prose
# --------------------------------------------------------------------------------------------
def strip_markup(s: str) -> str:
    s = re.sub(r"<<[^,>]*,\s*([^>]*?)\s*>>", r"\1", s)
    s = re.sub(r"<<[^>]*>>", " ", s)
    s = re.sub(r"https?://\S+?\[([^\]]*)\]", r"\1", s)
    s = re.sub(r"https?://\S+", " ", s)
    s = s.replace("&amp;", "&").replace(" +\n", " ").replace("\\|", "|")
    s = re.sub(r"\s\+$", " ", s, flags=re.M)
    return s


def words(s: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", strip_markup(s).lower())


def sentences(s: str) -> list[str]:
    s = strip_markup(s)
    parts = re.split(r"(?<=[.!?:;])\s+|\s\+\s|\n", s)
    return [p for p in parts if len(p.split()) >= 2]


def longest_common_run(a: list[str], b: list[str]) -> int:
    if not a or not b:
        return 0
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return max((blk.size for blk in m.get_matching_blocks()), default=0)


class Corpus:
    """All prose of the text (paragraphs and table cells), for the whole-text tests."""

    def __init__(self, text: Text):
        self.shingles: dict[tuple, tuple[str, int]] = {}
        self.sents: list[tuple[list[str], str, int]] = []
        for name, lines in text.files.items():
            if name in ("copyright.asciidoc", "pdf_layout.asciidoc"):
                continue
            stream: list[tuple[str, int]] = []
            paras: list[tuple[int, list[str]]] = []
            cur: list[str] = []
            start = 0
            in_block = False
            for i, line in enumerate(lines):
                if line.strip() == "----":
                    in_block = not in_block
                    continue
                if in_block:
                    continue
                for w in words(line):
                    stream.append((w, i + 1))
                # a blank line or a table cell separator ends a paragraph
                pieces = re.split(r"(?<!\\)\|", line) if line.lstrip().startswith("|") else [line]
                for k, piece in enumerate(pieces):
                    if k > 0 or not piece.strip():
                        if cur:
                            paras.append((start, cur))
                        cur = []
                    if piece.strip():
                        if not cur:
                            start = i + 1
                        cur.append(piece.strip())
            if cur:
                paras.append((start, cur))
            for ln, para in paras:
                for snt in sentences(" ".join(para)):
                    ws = words(snt)
                    if len(ws) >= 3:
                        self.sents.append((ws, name, ln))
            for k in range(len(stream) - COPY_RUN + 1):
                key = tuple(w for w, _ in stream[k:k + COPY_RUN])
                self.shingles.setdefault(key, (name, stream[k][1]))

    def shared_run(self, ws: list[str]):
        for k in range(len(ws) - COPY_RUN + 1):
            hit = self.shingles.get(tuple(ws[k:k + COPY_RUN]))
            if hit:
                return " ".join(ws[k:k + COPY_RUN]), hit
        return None

    def closest(self, ws: list[str], limit: float):
        """The sentence of the text most like ws, if its ratio reaches limit."""
        best = (0.0, None)
        m = difflib.SequenceMatcher(None, autojunk=False)
        m.set_seq2(ws)
        n = len(ws)
        for sw, f, ln in self.sents:
            if 2 * min(n, len(sw)) / (n + len(sw)) < limit:
                continue
            m.set_seq1(sw)
            if m.quick_ratio() < limit:
                continue
            r = m.ratio()
            if r > best[0]:
                best = (r, (sw, f, ln))
        return best if best[0] >= limit else (best[0], None)


def check_doc(rep: Report, corpus: Corpus, where: str, label: str, doc, refs: list[str]):
    """One check: the doc is not copied from its counterparts nor from the text at large."""
    if not isinstance(doc, str) or not doc.strip():
        return
    dw = words(doc)
    problems = []
    cands = []
    for r in refs:
        if not r:
            continue
        cands.append(r)
        cands.extend(sentences(r))
    for c in cands:
        cw = words(c)
        run = longest_common_run(dw, cw)
        if run >= COPY_RUN:
            problems.append(f"shares {run} consecutive words with the text's description")
            break
    limit = ratio_limit(len(dw))
    if limit is not None:
        best = 0.0
        bestc = ""
        for c in cands:
            cw = words(c)
            if not cw:
                continue
            r = difflib.SequenceMatcher(None, dw, cw, autojunk=False).ratio()
            if r > best:
                best, bestc = r, c
        if best >= limit:
            problems.append(f"is {best:.2f} similar to the text's \"{short(bestc)}\"")
    if not problems:
        hit = corpus.shared_run(dw)
        if hit:
            run, (f, ln) = hit
            problems.append(f"shares the run \"{run}\" with {f}:{ln}")
    if not problems and limit is not None:
        r, hit = corpus.closest(dw, limit)
        if hit:
            sw, f, ln = hit
            problems.append(f"is {r:.2f} similar to {f}:{ln} \"{short(' '.join(sw))}\"")
    if problems:
        rep.fail(where, f"doc of {label} copies the text: " + "; ".join(problems) + f" (doc: \"{short(doc)}\")")
    else:
        rep.ok(where, f"doc of {label}")


def short(s: str, n: int = 90) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 3] + "..."


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------
@dataclass
class Package:
    """An optional package of modules on top of the core (2.3.0's Payments)."""
    name: str
    dir: str                   # its YAML folder
    manifest_path: str         # its package.yaml
    manifest: LDict
    paths: list                # its YAML files
    text_dir: str              # the package's text folder: only the files it changes or adds
    core_text: Text            # the core text, to tell what the package changes


def load_yaml(path: str, rep: Report):
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.load(f, Loader=LineLoader)
    except (OSError, yaml.YAMLError) as e:
        rep.fail(f"{path}:1", f"cannot read: {e}")
        return None


def same_item(a: TextItem, b: TextItem) -> bool:
    """The package text leaves this table as the core text has it."""
    return (a.kind == b.kind and a.open == b.open and [r[:3] for r in a.rows] == [r[:3] for r in b.rows]
            and [v[0] for v in a.values] == [v[0] for v in b.values])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("spec_dir")
    ap.add_argument("text_dir")
    ap.add_argument("--package", action="append", default=[], metavar="NAME=DIR",
                    help="the text folder of a package the manifest lists (default: TEXT_DIR-NAME)")
    ap.add_argument("-v", "--verbose", action="store_true", help="also print the checks that pass")
    args = ap.parse_args()
    rep = Report(args.verbose)
    package_dirs = {}
    for spec in args.package:
        name, _, folder = spec.partition("=")
        if not folder:
            ap.error(f"--package wants NAME=DIR, not {spec!r}")
        package_dirs[name] = folder

    # ---- load the YAML
    manifest_path = os.path.join(args.spec_dir, "ocpi.yaml")
    try:
        with open(manifest_path, encoding="utf-8") as f:
            manifest = yaml.load(f, Loader=LineLoader)
    except (OSError, yaml.YAMLError) as e:
        print(f"{manifest_path}:1: cannot read the manifest: {e}")
        print(f"{PROG}: 0 passed, 1 failed")
        return 1
    release = str(manifest.get("ocpi", ""))
    DEVIATIONS[:] = [d for d in DEVIATIONS if release in d.get("releases", DEFAULT_RELEASES)]
    files: dict[str, LDict] = {}
    for fn in manifest.get("files", []):
        p = os.path.join(args.spec_dir, fn)
        doc = load_yaml(p, rep)
        if doc is not None:
            files[p] = doc
    if not asciidoc_names(args.text_dir):
        print(f"{args.text_dir}:1: no AsciiDoc text found")
        print(f"{PROG}: 0 passed, 1 failed")
        return 1
    text = Text(args.text_dir)
    for where, msg in text.problems:
        rep.fail(where, msg)
    check_spec(rep, text, files, manifest_path, manifest, None)

    # ---- packages: each against the package's text laid over the core's
    for i, pk in enumerate(manifest.get("packages") or []):
        pdir = os.path.join(args.spec_dir, str(pk))
        ppath = os.path.join(pdir, "package.yaml")
        pman = load_yaml(ppath, rep)
        if not isinstance(pman, dict):
            continue
        name = str(pman.get("package", ""))
        tdir = package_dirs.pop(name, args.text_dir.rstrip("/") + "-" + name)
        if not rep.check(bool(asciidoc_names(tdir)), f"{manifest_path}:{kline(manifest, 'packages')}",
                         f"package {name}: no AsciiDoc text found in {tdir} (give it with --package {name}=DIR)",
                         f"package {name} text"):
            continue
        pfiles = dict(files)
        paths = []
        for fn in pman.get("files") or []:
            p = os.path.join(pdir, fn)
            doc = load_yaml(p, rep)
            if doc is not None:
                pfiles[p] = doc
                paths.append(p)
        ptext = Text(args.text_dir, tdir)
        for where, msg in ptext.problems:
            if where.startswith(tdir):
                rep.fail(where, msg)
        pkg = Package(name, pdir, ppath, pman, paths, tdir, text)
        check_spec(rep, ptext, pfiles, ppath, pman, pkg)
    for name in package_dirs:
        rep.fail(f"{manifest_path}:{kline(manifest, 'packages')}",
                 f"--package {name}: the manifest lists no package of that name")

    print(f"{PROG}: {rep.passed} passed, {rep.failed} failed")
    return 0 if rep.failed == 0 else 1


def check_spec(rep: Report, text: Text, files: dict, manifest_path: str, manifest, pkg: Package | None):
    """Check the core (pkg None: every YAML file against the whole text) or one package (only
    what the package's files declare or extend, against the tables its text changes or adds)."""
    verbose = rep.verbose
    pname = pkg.name if pkg else None
    devs = [d for d in DEVIATIONS if d.get("package") == pname]
    own = set(pkg.paths) if pkg else set(files)   # the YAML files this pass answers for
    node_path: dict[int, str] = {}               # nodes shown in another file than their object's

    def yw(path, d, key=None):
        return f"{node_path.get(id(d), path)}:{kline(d, key)}"

    # ---- a package's extensions of core objects (`extends:` file, `add_fields`)
    merged: dict[str, LDict] = {}
    extended: set[str] = set()
    for p in (pkg.paths if pkg else []):
        doc = files[p]
        if not isinstance(doc, dict) or "extends" not in doc:
            continue
        target = next((q for q, d in files.items() if q not in own and isinstance(d, dict)
                       and doc["extends"] in (d.get("module"), d.get("shared"))), None)
        if not rep.check(target is not None, yw(p, doc, "extends"),
                         f"extends {doc['extends']!r}: no core file has that module: or shared: name",
                         "extends a core file"):
            continue
        for ext in doc.get("objects") or []:
            base = next((o for o in files[target].get("objects") or [] if o.get("name") == ext.get("name")), None)
            if not rep.check(base is not None, yw(p, ext), f"{ext.get('name')} is not an object of "
                             f"{target}", f"{ext.get('name')} extended"):
                continue
            m = LDict(base)
            m.line, m.key_lines = base.line, base.key_lines
            fields = list(base.get("fields") or [])
            for f_ in ext.get("add_fields") or []:
                node_path[id(f_)] = p
                after = f_.get("after")
                at = len(fields)
                if after is not None:
                    at = next((k + 1 for k, g in enumerate(fields) if g.get("name") == after), None)
                    if not rep.check(at is not None, yw(p, f_, "after"),
                                     f"{ext.get('name')}.{f_.get('name')}: after {after!r} names no field",
                                     "after names a field"):
                        at = len(fields)
                fields.insert(at, f_)
            m["fields"] = fields
            merged[m.get("name")] = m
            extended.add(m.get("name"))
            node_path[id(m)] = target

    # ---- index the YAML
    yobjs: dict[str, tuple[str, LDict]] = {}
    yenums: dict[str, tuple[str, LDict]] = {}
    file_of_chapter: dict[str, str] = {}
    for p, doc in files.items():
        if not isinstance(doc, dict):
            continue
        ref = doc.get("ref")
        if ref in text.anchors:
            file_of_chapter.setdefault(text.anchors[ref][0], p)
        for o in doc.get("objects", []) or []:
            if "extends" in doc:
                continue
            yobjs.setdefault(o.get("name"), (p, merged.get(o.get("name"), o)))
        for e in doc.get("enums", []) or []:
            yenums.setdefault(e.get("name"), (p, e))

    def answers_for(name: str, ydict) -> bool:
        """Whether this pass reports a YAML object or enum that the text does not have."""
        return name in ydict and (ydict[name][0] in own or name in extended)

    used_devs: set[int] = set()

    def deviation(item: str, aspect: str, tval, yval, ypath, ynode) -> bool:
        """True when the difference is a listed deviation (then checks the note)."""
        for i, d in enumerate(devs):
            if d["item"] == item and d["aspect"] == aspect and d["text"] == tval and d["yaml"] == yval:
                used_devs.add(i)
                if aspect == "name":
                    what = f"the text names or leaves unnamed this table as {tval!r} and we call it {yval}"
                elif aspect == "link":
                    what = f"the text {tval}, and we take {yval!r}"
                else:
                    what = f"{aspect} {yval!r} differs from the text's {tval!r}"
                rep.check(bool(ynode.get("note")), yw(ypath, ynode),
                          f"{item}: {what}, a listed deviation ({d['reason']}), but the YAML item has "
                          f"no note: saying so", f"{item}: listed deviation of {aspect}, with a note")
                return True
        return False

    # ---- 1. facts: objects and enums
    titems = text_items(text, rep, devs)
    if pkg:
        # only the tables the package's text adds or changes; a table it drops cannot be said
        core_items = {t.name: t for t in text_items(pkg.core_text, Report(False), devs)}
        changed = set(asciidoc_names(pkg.text_dir))
        kept = []
        for t in titems:
            if t.file not in changed:
                continue
            c = core_items.get(t.name)
            if c is None or not same_item(t, c):
                kept.append(t)
        names = {t.name for t in titems}
        for c in core_items.values():
            if c.file in changed and c.name not in names:
                rep.fail(text.where(c.file, 1), f"package {pname}: its text drops {c.kind} {c.name}, "
                         f"which a package cannot express")
        titems = kept
    property_rows = {(t.file, r[4]) for t in titems if t.kind in ("object", "class") for r in t.rows}
    errata = {} if pkg else {(e.file, e.line): e for e in read_errata(text, rep, property_rows)}
    used_errata: set[tuple[str, int]] = set()
    tobjs = [t for t in titems if t.kind in ("object", "class")]
    tenums = [t for t in titems if t.kind == "enum"]
    if verbose:
        print(f"{PROG}: {'package ' + pname + ': ' if pkg else ''}the text has {len(tobjs)} objects/classes with {sum(len(t.rows) for t in tobjs)} "
              f"fields, {len(tenums)} enums with {sum(len(t.values) for t in tenums)} values")

    def check_order(kind, tlist, ydict, key):
        by_file: dict[str, list[str]] = {}
        for t in tlist:
            if t.name in ydict:
                by_file.setdefault(ydict[t.name][0], []).append(t.name)
        for p, tnames in by_file.items():
            if p not in own:
                continue
            ynames = [o.get("name") for o in (files[p].get(key) or []) if o.get("name") in tnames]
            rep.check(ynames == tnames, f"{p}:{kline(files[p], key)}",
                      f"{key} are not in the text's order: expected {tnames}, found {ynames}",
                      f"order of {key}")

    for t in tobjs:
        tw = text.where(t.file, t.line)
        if not rep.check(t.name in yobjs, tw, f"{t.kind} {t.name} of the text is missing from the YAML",
                         f"{t.name} exists"):
            continue
        p, o = yobjs[t.name]
        if t.anchor in UNNAMED_ANCHORS:
            deviation(t.name, "name", t.anchor, t.name, p, o)
        written = classify(t.section)
        if written and written[1] != t.name:
            deviation(t.name, "name", written[1], t.name, p, o)
        want_file = file_of_chapter.get(t.file)
        rep.check(want_file is None or want_file == p, yw(p, o),
                  f"{t.name} belongs in {want_file} (its chapter is {t.file})", f"{t.name} file")
        rep.check(o.get("kind") == t.kind, yw(p, o, "kind"),
                  f"{t.name}: kind is {o.get('kind')!r}, the text's heading says {t.kind!r}", f"{t.name} kind")
        if t.anchor:
            rep.check(o.get("ref") == t.anchor, yw(p, o, "ref"),
                      f"{t.name}: ref is {o.get('ref')!r}, the text's anchor is {t.anchor!r}", f"{t.name} ref")
        yfields = o.get("fields") or []
        yf = {f_.get("name"): f_ for f_ in yfields}
        tnames = [r[0] for r in t.rows]
        ynames = [f_.get("name") for f_ in yfields]
        for n, ttype, tcard, _, tline, _ in t.rows:
            rep.check(n in yf, yw(p, o, "fields"), f"{t.name}.{n} ({ttype}, card {tcard}) is in the text "
                      f"({text.where(t.file, tline)}) but not in the YAML", f"{t.name}.{n} exists")
        for n in ynames:
            if n not in tnames:
                rep.fail(yw(p, yf[n]), f"{t.name}.{n} is not a field of {t.name} in the text")
        common_t = [n for n in tnames if n in yf]
        common_y = [n for n in ynames if n in tnames]
        rep.check(common_t == common_y, yw(p, o, "fields"),
                  f"{t.name}: fields are not in the text's order: expected {common_t}, found {common_y}",
                  f"{t.name} field order")
        for n, ttype, tcard, tdesc, tline, tlink in t.rows:
            if n not in yf:
                continue
            f_ = yf[n]
            item = f"{t.name}.{n}"
            ytype, ycard = str(f_.get("type")), str(f_.get("card"))
            er = errata.get((t.file, tline))
            if er is not None:
                used_errata.add((t.file, tline))
                erw = f"{os.path.join(text.dir, ERRATA_FILE)}:{er.diff_line}"
                for aspect, tval, newval, yval in (("type", ttype, er.new[0], ytype), ("card", tcard, er.new[1], ycard)):
                    if tval == newval:
                        continue
                    if rep.check(yval == newval, yw(p, f_, aspect),
                                 f"{item}: {aspect} is {yval!r}; a fix after the release ({erw}) changes the "
                                 f"text's {tval!r} to {newval!r}: apply it and say so in an errata: note",
                                 f"{item}: erratum on {aspect} applied"):
                        rep.check(bool(f_.get("errata")), yw(p, f_),
                                  f"{item}: {aspect} {yval!r} follows a fix after the release ({erw}), "
                                  f"but the YAML item has no errata: note saying so",
                                  f"{item}: erratum on {aspect} noted")
                        # compare the rest with the fixed row
                        if aspect == "type":
                            ttype = newval
                        else:
                            tcard = newval
            if tlink and not deviation(item, "link", tlink, ytype, p, f_):
                rep.fail(yw(p, f_, "type"), f"{item}: the text {tlink} ({text.where(t.file, tline)}); "
                         f"list the YAML's choice ({ytype!r}) in DEVIATIONS and explain it in a note:")
            if ytype == ttype:
                rep.ok(yw(p, f_, "type"), f"{item} type")
            elif not deviation(item, "type", ttype, ytype, p, f_):
                rep.fail(yw(p, f_, "type"), f"{item}: type is {ytype!r}, the text says {ttype!r} "
                         f"({text.where(t.file, tline)})")
            m = re.search(r"Regex:\s*`([^`]+)`", tdesc)
            if m:
                tpat = m.group(1)
                rep.check(f_.get("pattern") == tpat, yw(p, f_, "pattern" if "pattern" in f_ else None),
                          f"{item}: pattern is {f_.get('pattern')!r}, the text's regex is {tpat!r} "
                          f"({text.where(t.file, tline)})", f"{item} pattern")
            if ycard == tcard:
                rep.ok(yw(p, f_, "card"), f"{item} card")
            elif not deviation(item, "card", tcard, ycard, p, f_):
                rep.fail(yw(p, f_, "card"), f"{item}: card is {ycard!r}, the text says {tcard!r} "
                         f"({text.where(t.file, tline)})")
    tnameset = {t.name for t in tobjs}
    for n, (p, o) in yobjs.items():
        if n not in tnameset and answers_for(n, yobjs):
            rep.fail(yw(p, o), f"object {n} is not an object or class of the text")
    check_order("objects", tobjs, yobjs, "objects")

    for t in tenums:
        tw = text.where(t.file, t.line)
        if not rep.check(t.name in yenums, tw, f"enum {t.name} of the text is missing from the YAML",
                         f"{t.name} exists"):
            continue
        p, e = yenums[t.name]
        want_file = file_of_chapter.get(t.file)
        rep.check(want_file is None or want_file == p, yw(p, e),
                  f"{t.name} belongs in {want_file} (its chapter is {t.file})", f"{t.name} file")
        if t.anchor:
            rep.check(e.get("ref") == t.anchor, yw(p, e, "ref"),
                      f"{t.name}: ref is {e.get('ref')!r}, the text's anchor is {t.anchor!r}", f"{t.name} ref")
        if bool(e.get("open")) != t.open and deviation(
                t.name, "open", "OpenEnum" if t.open else "enum", "OpenEnum" if e.get("open") else "enum", p, e):
            pass
        else:
            rep.check(bool(e.get("open")) == t.open, yw(p, e),
                      f"{t.name}: the text's heading says {'OpenEnum' if t.open else 'enum'}, the YAML "
                      f"{'has' if e.get('open') else 'lacks'} open: true", f"{t.name} open or closed")
        yvals = [str(v.get("value")) for v in (e.get("values") or [])]
        tvals = [v[0] for v in t.values]
        for v, _, vline in t.values:
            rep.check(v in yvals, yw(p, e, "values"), f"{t.name}.{v} is in the text "
                      f"({text.where(t.file, vline)}) but not in the YAML", f"{t.name}.{v} exists")
        for v in yvals:
            if v not in tvals:
                node = next(x for x in e["values"] if str(x.get("value")) == v)
                rep.fail(yw(p, node), f"{t.name}.{v} is not a value of {t.name} in the text")
        common_t = [v for v in tvals if v in yvals]
        common_y = [v for v in yvals if v in tvals]
        rep.check(common_t == common_y, yw(p, e, "values"),
                  f"{t.name}: values are not in the text's order: expected {common_t}, found {common_y}",
                  f"{t.name} value order")
    tenumset = {t.name for t in tenums}
    for n, (p, e) in yenums.items():
        if n not in tenumset and answers_for(n, yenums):
            rep.fail(yw(p, e), f"enum {n} is not an enum of the text")
    check_order("enums", tenums, yenums, "enums")

    # ---- 1b. status codes and reserved ranges
    tcodes: dict[str, tuple[str, str, int]] = {}
    for sec in text.sections:
        if sec.file != "status_codes.asciidoc":
            continue
        for tab in sec.tables:
            if tab.header and col_index(tab.header, "Code") == 0:
                for r in tab.rows:
                    tcodes[r[0].text.strip()] = (r[1].text, sec.anchor, r[0].line)
    transport = next(((p, d) for p, d in files.items() if p in own and isinstance(d, dict) and "status_codes" in d),
                     None)
    if tcodes and transport:
        p, d = transport
        ycodes = {str(c.get("code")): c for c in d.get("status_codes") or []}
        yranges = {f"{str(r.get('from'))[:2]}xx": r for r in d.get("status_ranges") or []}
        for code, (desc, anchor, ln) in tcodes.items():
            if code.endswith("xx"):
                r = yranges.get(code)
                lo = int(code[:2]) * 100
                ok = r is not None and r.get("from") == lo and r.get("to") == lo + 99
                rep.check(ok, text.where("status_codes.asciidoc", ln),
                          f"reserved range {code} ({lo}-{lo + 99}) is missing or wrong in {p}", f"range {code}")
                if r is not None and anchor:
                    rep.check(r.get("ref") == anchor, yw(p, r, "ref"),
                              f"range {code}: ref is {r.get('ref')!r}, the text's anchor is {anchor!r}")
            else:
                c = ycodes.get(code)
                rep.check(c is not None, text.where("status_codes.asciidoc", ln),
                          f"status code {code} is missing from {p}", f"status code {code}")
                if c is not None and anchor:
                    rep.check(c.get("ref") == anchor, yw(p, c, "ref"),
                              f"status code {code}: ref is {c.get('ref')!r}, the text's anchor is {anchor!r}")
        for code, c in ycodes.items():
            if code not in tcodes:
                rep.fail(yw(p, c), f"status code {code} is not in the text")

    # ---- 1c. refs point at anchors of the text
    def walk(node, path):
        if isinstance(node, dict):
            yield node, path
            for v in node.values():
                yield from walk(v, path)
        elif isinstance(node, list):
            for v in node:
                yield from walk(v, path)

    for p, doc in files.items():
        if p not in own:
            continue
        for node, _ in walk(doc, p):
            ref = node.get("ref")
            if isinstance(ref, str):
                rep.check(ref in text.anchors, yw(p, node, "ref"),
                          f"ref {ref!r} is not an anchor of the text", "ref exists")

    for key, er in errata.items():
        rep.check(key in used_errata, f"{os.path.join(text.dir, ERRATA_FILE)}:{er.diff_line}",
                  f"the fix of {er.name} ({er.file}:{er.line}) changes a property the YAML does not have",
                  "erratum matched")

    # ---- deviations that no longer occur
    with open(__file__, encoding="utf-8") as f:
        me = f.read().split("\n")
    for i, d in enumerate(devs):
        if i not in used_devs:
            at = next((n + 1 for n, ln in enumerate(me)
                       if f'item="{d["item"]}", aspect="{d["aspect"]}"' in ln), 1)
            rep.fail(f"{os.path.relpath(__file__)}:{at}",
                     f"listed deviation {d['item']} {d['aspect']} ({d['text']!r} -> {d['yaml']!r}) "
                     f"does not occur in the YAML any more; remove it from DEVIATIONS")

    # ---- 2. prose
    corpus = Corpus(text)
    tobj_by_name = {t.name: t for t in tobjs}
    tenum_by_name = {t.name: t for t in tenums}

    # method rows (`<<anchor,GET>> |Description`) and parameter tables, by anchor
    method_desc: dict[str, str] = {}
    for tab in text.tables:
        if tab.header and col_index(tab.header, "Method") == 0:
            for r in tab.rows:
                m = re.search(r"<<([^,>]+),", r[0].text)
                if m and len(r) > 1:
                    method_desc[m.group(1)] = r[-1].text

    def section_prose(anchor, whole=False) -> list[str]:
        sec = text.section_by_anchor(anchor) if anchor else None
        if sec is None and anchor in text.anchors:
            f, ln = text.anchors[anchor]
            sec = text.section_at(f, ln)
        return text.paragraphs(sec, whole) if sec else []

    def param_descs(anchor) -> dict[str, str]:
        sec = text.section_by_anchor(anchor) if anchor else None
        out: dict[str, str] = {}
        if sec is None:
            return out
        for tab in sec.all_tables:
            if tab.header and col_index(tab.header, "Parameter") == 0:
                di = col_index(tab.header, "Description")
                for r in tab.rows:
                    out.setdefault(r[0].text.strip(), r[di if di is not None else -1].text)
        return out

    check_doc(rep, corpus, yw(manifest_path, manifest, "doc"), f"package {pname}" if pkg else "the manifest",
              manifest.get("doc"), section_prose("introduction_ocpi", whole=True))
    for p, doc in files.items():
        if p not in own or not isinstance(doc, dict):
            continue
        check_doc(rep, corpus, yw(p, doc, "doc"), f"file {os.path.basename(p)}", doc.get("doc"),
                  section_prose(doc.get("ref")))
        for o in doc.get("objects") or []:
            t = tobj_by_name.get(o.get("name"))
            refs = text.paragraphs(t.section) if t else section_prose(o.get("ref"))
            check_doc(rep, corpus, yw(p, o, "doc"), f"object {o.get('name')}", o.get("doc"), refs)
            rows = {r[0]: r[3] for r in t.rows} if t else {}
            for f_ in (o.get("fields") or []) + (o.get("add_fields") or []):
                check_doc(rep, corpus, yw(p, f_, "doc"), f"field {o.get('name')}.{f_.get('name')}",
                          f_.get("doc"), [rows.get(f_.get("name"), "")])
        for e in doc.get("enums") or []:
            t = tenum_by_name.get(e.get("name"))
            refs = text.paragraphs(t.section) if t else section_prose(e.get("ref"))
            check_doc(rep, corpus, yw(p, e, "doc"), f"enum {e.get('name')}", e.get("doc"), refs)
            vals = {v[0]: v[1] for v in t.values} if t else {}
            for v in e.get("values") or []:
                check_doc(rep, corpus, yw(p, v, "doc"), f"value {e.get('name')}.{v.get('value')}",
                          v.get("doc"), [vals.get(str(v.get("value")), "")])
        for ep in doc.get("endpoints") or []:
            ref = ep.get("ref")
            label = f"endpoint {ep.get('method')} {ep.get('path')} ({ep.get('role')})"
            check_doc(rep, corpus, yw(p, ep, "doc"), label, ep.get("doc"),
                      [method_desc.get(ref, "")] + section_prose(ref))
            pdesc = param_descs(ref)
            for key in ("params", "query"):
                for q in ep.get(key) or []:
                    check_doc(rep, corpus, yw(p, q, "doc"), f"parameter {q.get('name')} of {label}",
                              q.get("doc"), [pdesc.get(q.get("name"), "")])
            for op in ep.get("operations") or []:
                if op.get("doc"):
                    check_doc(rep, corpus, yw(p, op, "doc"), f"operation {op.get('name')}", op.get("doc"),
                              [method_desc.get(ref, "")] + section_prose(ref))
        for c in doc.get("status_codes") or []:
            tc = tcodes.get(str(c.get("code")))
            check_doc(rep, corpus, yw(p, c, "doc"), f"status code {c.get('code')}", c.get("doc"),
                      [tc[0] if tc else ""])
        for r in doc.get("status_ranges") or []:
            tc = tcodes.get(f"{str(r.get('from'))[:2]}xx")
            check_doc(rep, corpus, yw(p, r, "doc"), f"status range {r.get('from')}", r.get("doc"),
                      [tc[0] if tc else ""])
        for h in doc.get("headers") or []:
            check_doc(rep, corpus, yw(p, h, "doc"), f"header {h.get('name')}", h.get("doc"),
                      section_prose(h.get("ref"), whole=True))
        # any other doc somewhere else in the file
        seen = set()
        for key in ("objects", "enums", "endpoints", "status_codes", "status_ranges", "headers"):
            for node, _ in walk(doc.get(key), p):
                seen.add(id(node))
        seen.add(id(doc))
        for node, _ in walk(doc, p):
            if id(node) not in seen and isinstance(node.get("doc"), str):
                check_doc(rep, corpus, yw(p, node, "doc"), "item", node.get("doc"), [])



if __name__ == "__main__":
    sys.exit(main())
