"""Reading a Network Canvas export into plain records, without interpreting any variable.

CSV: an ego file (`networkCanvasEgoUUID`, `networkCanvasCaseID`, session columns, then ego
variables), one attribute list per node type (`nodeID`, `networkCanvasEgoUUID`,
`networkCanvasUUID`, then node variables; a categorical variable is one `<name>_<option>`
column per option holding true or false) and one edge list per edge type (`edgeID`, `from`,
`to`, the ego's and the edge's UUID, `networkCanvasSourceUUID`, `networkCanvasTargetUUID`).
Files are recognised by their header, rows are joined on the UUID columns, never on `nodeID`.

GraphML: one `<graph>` per interview; ego variables are the graph's own `<data>`, each node
carries `networkCanvasUUID` and `networkCanvasType`, and keys are read by their `attr.name`.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CaseError

EGO = "networkCanvasEgoUUID"
UUID = "networkCanvasUUID"
CASE = "networkCanvasCaseID"
TYPE = "networkCanvasType"
SOURCE = "networkCanvasSourceUUID"
TARGET = "networkCanvasTargetUUID"
EGO_FIXED = frozenset(
    {EGO, CASE, "networkCanvasSessionID", "networkCanvasProtocolName", "sessionStart",
     "sessionFinish", "sessionExported", "APP_VERSION", "COMMIT_HASH"}
)  # fmt: skip
ALTER_FIXED = frozenset({"nodeID", EGO, UUID})
EDGE_FIXED = frozenset({"edgeID", "from", "to", EGO, UUID, SOURCE, TARGET})
MAX_EXPORT_BYTES = 64 * 1024 * 1024
_GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"
_NC = "{http://schema.networkcanvas.com/xmlns}"


@dataclass
class Alter:
    """One node of an interview: its UUID, node type, variables and where it was read."""

    uuid: str
    node_type: str
    values: dict[str, str]
    where: str


@dataclass
class Ego:
    """One interview: the ego's UUID, case id, variables, alters and alter-alter ties."""

    uuid: str
    case_id: str | None
    values: dict[str, str]
    where: str
    alters: list[Alter] = field(default_factory=list)
    edges: int = 0


@dataclass
class Export:
    """Everything read, with the rows that could not be joined and each file's columns."""

    egos: list[Ego] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (file:row, message)
    columns: dict[str, set[str]] = field(default_factory=dict)  # file -> variable columns


def _cell(text: str | None) -> str:
    """A cell as exported: the leading quote that guards against spreadsheet formulas removed."""
    text = (text or "").strip()
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@", "\t"):
        return text[1:]
    return text


def _read_text(path: Path) -> str:
    if path.stat().st_size > MAX_EXPORT_BYTES:
        raise CaseError(f"the file is larger than {MAX_EXPORT_BYTES} bytes", source=str(path))
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CaseError("the file is not UTF-8 text", source=str(path)) from None


def read_export(path: str | Path) -> Export:
    """Read a folder of Network Canvas CSV files, or a `.graphml` file (or a folder of them
    when it holds no CSV export). Raise `CaseError` when nothing there is an export."""
    root = Path(path)
    if root.is_file():
        if root.suffix.lower() == ".graphml":
            return _read_graphml([root])
        raise CaseError("expected a folder of CSV files or a .graphml file", source=str(root))
    if not root.is_dir():
        raise CaseError("no such file or folder", source=str(root))
    csvs = sorted(root.glob("*.csv"))
    if csvs:
        return _read_csv(csvs)
    graphs = sorted(root.glob("*.graphml"))
    if graphs:
        return _read_graphml(graphs)
    raise CaseError("no Network Canvas CSV or GraphML files here", source=str(root))


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(_read_text(path), newline=""))
    rows = [{k: _cell(v) for k, v in row.items() if k is not None} for row in reader]
    return list(reader.fieldnames or []), rows


def _read_csv(paths: list[Path]) -> Export:
    out = Export()
    egos: dict[str, Ego] = {}
    alter_files: list[tuple[Path, list[str], list[dict[str, str]]]] = []
    edge_files: list[tuple[Path, list[str], list[dict[str, str]]]] = []
    for path in paths:
        header, rows = _rows(path)
        names = set(header)
        if EGO not in names:
            out.problems.append((path.name, "not a Network Canvas export file (no ego UUID)"))
        elif {SOURCE, TARGET} <= names:
            edge_files.append((path, header, rows))
        elif UUID in names:
            alter_files.append((path, header, rows))
        else:
            out.columns[path.name] = names - EGO_FIXED
            for number, row in enumerate(rows, start=2):
                where = f"{path.name}:{number}"
                uuid = row.get(EGO, "")
                if not uuid or uuid in egos:
                    why = "no ego UUID" if not uuid else "the same ego UUID twice"
                    out.problems.append((where, f"{why}; row skipped"))
                    continue
                values = {k: v for k, v in row.items() if k not in EGO_FIXED}
                values["sessionStart"] = row.get("sessionStart", "")
                egos[uuid] = Ego(uuid, row.get(CASE) or None, values, where)
    for path, header, rows in alter_files:
        node_type = _type_from_name(path.name, "_attributeList_")
        out.columns[path.name] = set(header) - ALTER_FIXED
        for number, row in enumerate(rows, start=2):
            where = f"{path.name}:{number}"
            ego = egos.get(row.get(EGO, ""))
            if ego is None or not row.get(UUID):
                out.problems.append((where, "the node's ego is not in the ego file; row skipped"))
                continue
            values = {k: v for k, v in row.items() if k not in ALTER_FIXED}
            ego.alters.append(Alter(row[UUID], node_type, values, where))
    for path, header, rows in edge_files:
        out.columns[path.name] = set(header) - EDGE_FIXED
        for number, row in enumerate(rows, start=2):
            where = f"{path.name}:{number}"
            ego = egos.get(row.get(EGO, ""))
            known = {a.uuid for a in ego.alters} if ego is not None else set()
            if ego is None or row.get(SOURCE) not in known or row.get(TARGET) not in known:
                out.problems.append((where, "the tie's ego or people are unknown; row skipped"))
                continue
            ego.edges += 1
    out.egos = list(egos.values())
    return out


def _type_from_name(name: str, marker: str) -> str:
    stem = name.rsplit(".", 1)[0]
    return stem.split(marker, 1)[1] if marker in stem else ""


def _read_graphml(paths: list[Path]) -> Export:
    out = Export()
    for path in paths:
        text = _read_text(path)
        if "<!DOCTYPE" in text or "<!ENTITY" in text:
            raise CaseError("GraphML with a DTD or entities is not read", source=str(path))
        try:
            root = ET.fromstring(text)
        except ET.ParseError as exc:
            line, column = exc.position
            raise CaseError(f"not well-formed XML ({line}:{column})", source=str(path)) from None
        keys: dict[str, str] = {}
        for key in root.iter(f"{_GRAPHML}key"):
            ident = key.get("id", "")
            keys[ident] = key.get("attr.name") or ident
        columns = out.columns.setdefault(path.name, set())
        for g_index, graph in enumerate(root.iter(f"{_GRAPHML}graph"), start=1):
            where = f"{path.name}:graph {g_index}"
            values = _data(graph, keys)
            uuid = values.pop(UUID, "") or graph.get(f"{_NC}sessionUUID", "")
            if not uuid:
                out.problems.append((where, "no ego UUID; graph skipped"))
                continue
            values["sessionStart"] = graph.get(f"{_NC}sessionStartTime", "")
            columns.update(k for k in values if k != "sessionStart")
            ego = Ego(uuid, graph.get(f"{_NC}caseId") or None, values, where)
            for node in graph.findall(f"{_GRAPHML}node"):
                data = _data(node, keys)
                node_where = f"{path.name}:node {node.get('id', '?')}"
                if not data.get(UUID):
                    out.problems.append((node_where, "node without a UUID; skipped"))
                    continue
                node_type = data.pop(TYPE, "")
                node_uuid = data.pop(UUID)
                if "name" in data:
                    data.pop("label", None)  # the label repeats the name
                columns.update(data)
                ego.alters.append(Alter(node_uuid, node_type, data, node_where))
            ego.edges = len(graph.findall(f"{_GRAPHML}edge"))
            out.egos.append(ego)
    return out


def _data(element: ET.Element, keys: dict[str, str]) -> dict[str, str]:
    """The element's own `<data>` children by variable name."""
    return {
        keys.get(d.get("key", ""), d.get("key", "")): _cell(d.text)
        for d in element.findall(f"{_GRAPHML}data")
    }
