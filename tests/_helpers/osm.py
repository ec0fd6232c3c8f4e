"""Small OSM files written with pyosmium from hand-written nodes, ways and relations, what a
file holds read back with pyosmium, and a local Overpass API answering a recorded reply."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import osmium
from osmium.osm.mutable import Node, Relation, Way

from _helpers import ROOT

#: A real Overpass answer recorded in 2018 (Conegliano, Italy): see tests/data/overpass/README.md.
OVERPASS_REPLY = ROOT / "tests" / "data" / "overpass" / "conegliano.json"

NodeSpec = dict[int, tuple[float, float, dict[str, str]]]
WaySpec = dict[int, tuple[list[int], dict[str, str]]]
RelationSpec = dict[int, tuple[list[tuple[str, int, str]], dict[str, str]]]


def write_osm(path: Path, nodes: NodeSpec, ways: WaySpec, relations: RelationSpec) -> Path:
    """Write nodes ``{id: (lon, lat, tags)}``, ways ``{id: (node ids, tags)}`` and relations
    ``{id: ([(type 'n'/'w'/'r', id, role)], tags)}`` sorted as OSM files are."""
    with osmium.SimpleWriter(str(path), overwrite=True) as writer:
        for nid, (lon, lat, tags) in sorted(nodes.items()):
            writer.add_node(Node(id=nid, location=(lon, lat), tags=tags, version=1))
        for wid, (refs, tags) in sorted(ways.items()):
            writer.add_way(Way(id=wid, nodes=refs, tags=tags, version=1))
        for rid, (members, tags) in sorted(relations.items()):
            writer.add_relation(Relation(id=rid, members=members, tags=tags, version=1))
    return path


def read_osm(path: Path) -> dict[str, dict[int, dict]]:
    """What a file holds: per type (``node``, ``way``, ``relation``) id → tags and
    references (``refs`` of a way, ``members`` of a relation, ``lon``/``lat`` of a node)."""
    out: dict[str, dict[int, dict]] = {"node": {}, "way": {}, "relation": {}}
    for obj in osmium.FileProcessor(str(path)):
        entry: dict = {"tags": dict(obj.tags)}
        if obj.is_node():
            entry["lon"], entry["lat"] = obj.location.lon, obj.location.lat
            out["node"][obj.id] = entry
        elif obj.is_way():
            entry["refs"] = [n.ref for n in obj.nodes]
            out["way"][obj.id] = entry
        elif obj.is_relation():
            entry["members"] = [(m.type, m.ref, m.role) for m in obj.members]
            out["relation"][obj.id] = entry
    return out


def overpass_reply(nodes: NodeSpec, ways: WaySpec) -> bytes:
    """Nodes ``{id: (lon, lat, tags)}`` and ways ``{id: (node ids, tags)}`` as the Overpass
    API answers them (``out`` in JSON: one element per node and way)."""
    import json

    elements = [{"type": "node", "id": nid, "lat": lat, "lon": lon, **({"tags": t} if t else {})}
                for nid, (lon, lat, t) in sorted(nodes.items())]
    elements += [{"type": "way", "id": wid, "nodes": refs, "tags": tags}
                 for wid, (refs, tags) in sorted(ways.items())]
    return json.dumps({"version": 0.6, "generator": "Overpass API (test)",
                       "elements": elements}, ensure_ascii=False).encode("utf-8")


@contextlib.contextmanager
def overpass_server(body: bytes, status: int = 200,
                    content_type: str = "application/json") -> Iterator[tuple[str, list[str]]]:
    """A local Overpass API on 127.0.0.1 answering every request with ``body``: yields its
    base URL (``http://127.0.0.1:PORT/api``) and the list of request bodies received."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            size = int(self.headers.get("Content-Length") or 0)
            received.append(self.rfile.read(size).decode("utf-8", "replace"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET = _answer  # noqa: N815 - http.server's names

        def log_message(self, *args) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/api", received
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (a port just released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"
