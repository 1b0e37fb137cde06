"""Seeding the fake: GTM container exports (exportFormatVersion 2), synthetic containers, GA4 snapshots.

GA4 snapshot format (goalkeeper's own)::

    {"property": "properties/123456789",
     "keyEvents": [...], "customDimensions": [...], "customMetrics": [...], "dataStreams": [...],
     "eventCreateRules": {"<data stream name or id>": [...]},   # or a flat list whose items carry a full
     "audiences": [...],                                         # name properties/P/dataStreams/S/eventCreateRules/R
     "enhancedMeasurementSettings": {"<data stream name or id>": {...}}}   # optional; else GA4's defaults (all on)

Each item is in the Admin API's own JSON shape (camelCase keys, enum names as strings or ints). Items
keep their ``name`` (and so their id) when given. A snapshot without ``dataStreams`` gets one web stream.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from typing import TypeAlias

from . import enums
from .ga4 import Ga4State
from .gtm import BY_VKEY, VKEYS, GtmState, Snapshot
from .wire import Json

# What seeding reads: a path to a JSON file, or the parsed JSON itself.
Source: TypeAlias = "str | os.PathLike[str] | Json"


@dataclasses.dataclass
class SeededContainer:
    account_id: str
    container_id: str
    public_id: str
    version_id: str
    workspace_id: str

    @property
    def container_path(self) -> str:
        return f"accounts/{self.account_id}/containers/{self.container_id}"

    @property
    def workspace_path(self) -> str:
        return f"{self.container_path}/workspaces/{self.workspace_id}"

    @property
    def version_path(self) -> str:
        return f"{self.container_path}/versions/{self.version_id}"


def _load(source: Source) -> Json:
    if isinstance(source, dict):
        return copy.deepcopy(source)
    with open(os.fspath(source), encoding="utf-8") as fh:
        data: Json = json.load(fh)
    return data


def seed_container_export(
    gtm: GtmState,
    source: Source,
    *,
    account_id: str | None = None,
    container_id: str | None = None,
    public_id: str | None = None,
    workspace_name: str = "Default Workspace",
    live: bool = True,
) -> SeededContainer:
    """Load an export as a container whose latest (and, if ``live``, published) version and one workspace
    hold the export's entities. Enums are converted from UPPER_SNAKE to the API's lowerCamel."""
    data = _load(source)
    cv = enums.normalize_enums(data.get("containerVersion", data))
    cinfo = cv.get("container") or {}
    account_id = str(account_id or cv.get("accountId") or cinfo.get("accountId") or "6000000001")
    container_id = str(container_id or cv.get("containerId") or cinfo.get("containerId") or "") or None
    public_id = public_id or cinfo.get("publicId")
    extra = {k: cinfo[k] for k in ("features", "tagIds", "domainName", "notes", "taggingServerUrls") if k in cinfo}
    with gtm.lock:
        ct = gtm.add_container(
            account_id,
            container_id,
            public_id,
            name=cinfo.get("name"),
            usage_context=cinfo.get("usageContext") or ["web"],
            workspace_name=None,
            **extra,
        )
        snap = Snapshot()
        max_id = 0
        for vkey in VKEYS:
            kind = BY_VKEY[vkey]
            for e in cv.get(vkey) or []:
                e = {
                    k: v
                    for k, v in e.items()
                    if k not in ("accountId", "containerId", "path", "workspaceId", "tagManagerUrl")
                }
                eid = str(e.get(kind.id_field) or ct.new_entity_id())
                e[kind.id_field] = eid
                e.setdefault("fingerprint", gtm.fingerprint())
                snap.entities[vkey][eid] = e
                if eid.isdigit():
                    max_id = max(max_id, int(eid))
        for b in cv.get("builtInVariable") or []:
            snap.builtins[b["type"]] = {"type": b["type"], "name": b.get("name") or enums.builtin_name(b["type"])}
        ct.next_entity_id = max(ct.next_entity_id, max_id + 1)
        vid = str(cv.get("containerVersionId") or "0")
        vid = vid if vid not in ("", "0") else "1"
        v = gtm.add_version(
            ct, snap, name=cv.get("name", ""), description=cv.get("description", ""), version_id=vid, live=live
        )
        ws = gtm.add_workspace(ct, workspace_name, base_version_id=v.id)
        return SeededContainer(ct.account_id, ct.id, ct.public_id, v.id, ws.id)


def synthetic_container_export(
    n_entities: int, *, public_id: str = "GTM-SYNTH01", account_id: str = "6000000001", container_id: str = "90000001"
) -> Json:
    """An export (exportFormatVersion 2, UPPER_SNAKE enums) with about ``n_entities`` tags, triggers,
    variables and folders that compiles cleanly: 40% data-layer variables, 30% custom-event triggers,
    30% GA4 event tags (one Google tag among them), one folder per 50 entities."""
    n = max(3, int(n_entities))
    n_folders = n // 50
    n_vars = max(1, (n - n_folders) * 4 // 10)
    n_trig = max(1, (n - n_folders) * 3 // 10)
    n_tags = max(1, n - n_folders - n_vars - n_trig)
    ids = iter(range(1, 10 * n + 10))
    base = {"accountId": account_id, "containerId": container_id}

    def tpl(key: str, value: str) -> Json:
        return {"type": "TEMPLATE", "key": key, "value": value}

    folders: list[Json] = [
        {**base, "folderId": str(next(ids)), "name": f"Folder {i:04d}", "fingerprint": "1700000000000"}
        for i in range(n_folders)
    ]
    fid = [f["folderId"] for f in folders]
    variables: list[Json] = [
        {
            **base,
            "variableId": str(next(ids)),
            "name": "GA4 Measurement ID",
            "type": "c",
            "parameter": [tpl("value", "G-SYNTH00001")],
            "fingerprint": "1700000000000",
            "formatValue": {},
        }
    ]
    for i in range(n_vars - 1):
        v = {
            **base,
            "variableId": str(next(ids)),
            "name": f"DLV - field_{i:04d}",
            "type": "v",
            "parameter": [
                {"type": "INTEGER", "key": "dataLayerVersion", "value": "2"},
                {"type": "BOOLEAN", "key": "setDefaultValue", "value": "false"},
                tpl("name", f"ecommerce.field_{i:04d}"),
            ],
            "fingerprint": "1700000000000",
            "formatValue": {},
        }
        if fid:
            v["parentFolderId"] = fid[i % len(fid)]
        variables.append(v)
    triggers: list[Json] = []
    for i in range(n_trig):
        tr = {
            **base,
            "triggerId": str(next(ids)),
            "name": f"CE - event_{i:04d}",
            "type": "CUSTOM_EVENT",
            "customEventFilter": [
                {"type": "EQUALS", "parameter": [tpl("arg0", "{{_event}}"), tpl("arg1", f"event_{i:04d}")]}
            ],
            "fingerprint": "1700000000000",
        }
        if fid:
            tr["parentFolderId"] = fid[i % len(fid)]
        triggers.append(tr)
    tags: list[Json] = [
        {
            **base,
            "tagId": str(next(ids)),
            "name": "Google Tag",
            "type": "googtag",
            "parameter": [tpl("tagId", "{{GA4 Measurement ID}}")],
            "firingTriggerId": ["2147479573"],
            "tagFiringOption": "ONCE_PER_EVENT",
            "fingerprint": "1700000000000",
            "consentSettings": {"consentStatus": "NOT_SET"},
            "monitoringMetadata": {"type": "MAP"},
        }
    ]
    for i in range(n_tags - 1):
        var = variables[1 + i % (len(variables) - 1)]["name"] if len(variables) > 1 else "GA4 Measurement ID"
        tag = {
            **base,
            "tagId": str(next(ids)),
            "name": f"GA4 - event_{i:04d}",
            "type": "gaawe",
            "parameter": [
                {"type": "BOOLEAN", "key": "sendEcommerceData", "value": "false"},
                tpl("eventName", f"event_{i % n_trig:04d}"),
                tpl("measurementIdOverride", "{{GA4 Measurement ID}}"),
                {
                    "type": "LIST",
                    "key": "eventSettingsTable",
                    "list": [
                        {"type": "MAP", "map": [tpl("parameter", "value"), tpl("parameterValue", "{{" + var + "}}")]}
                    ],
                },
            ],
            "firingTriggerId": [triggers[i % n_trig]["triggerId"]],
            "tagFiringOption": "ONCE_PER_EVENT",
            "fingerprint": "1700000000000",
            "consentSettings": {"consentStatus": "NOT_SET"},
            "monitoringMetadata": {"type": "MAP"},
        }
        if fid:
            tag["parentFolderId"] = fid[i % len(fid)]
        tags.append(tag)
    return {
        "exportFormatVersion": 2,
        "exportTime": "2026-01-01 00:00:00",
        "containerVersion": {
            "path": f"accounts/{account_id}/containers/{container_id}/versions/0",
            **base,
            "containerVersionId": "0",
            "container": {
                "path": f"accounts/{account_id}/containers/{container_id}",
                **base,
                "name": f"Synthetic {n}",
                "publicId": public_id,
                "usageContext": ["WEB"],
                "fingerprint": "1700000000000",
                "tagIds": [public_id],
            },
            "tag": tags,
            "trigger": triggers,
            "variable": variables,
            "folder": folders,
            "builtInVariable": [
                {**base, "type": t, "name": enums.builtin_name(enums.upper_to_camel(t))}
                for t in ("PAGE_URL", "PAGE_PATH", "EVENT", "CLICK_URL", "CLICK_TEXT")
            ],
            "fingerprint": "1700000000000",
        },
    }


def seed_ga4_snapshot(ga4: Ga4State, source: Source) -> str:
    """Load a GA4 snapshot (format in this module's docstring); returns the property name."""
    data = _load(source)
    pid = str(data.get("property") or "properties/123456789").split("/")[-1]
    prop = ga4.add_property(pid, data.get("displayName", ""), web_stream=not data.get("dataStreams"))
    if data.get("serviceLevel"):
        prop.service_level = str(data["serviceLevel"])
    for coll in ("dataStreams", "keyEvents", "customDimensions", "customMetrics", "audiences"):
        for item in data.get(coll) or []:
            ga4.seed(coll, pid, item)
    rules = data.get("eventCreateRules") or {}
    if isinstance(rules, dict):
        for stream, items in rules.items():
            sid = str(stream).split("/")[-1]
            for item in items:
                ga4.seed("eventCreateRules", pid, item, stream_id=sid)
    else:
        for item in rules:
            ga4.seed("eventCreateRules", pid, item)
    for stream, settings in (data.get("enhancedMeasurementSettings") or {}).items():
        ga4.seed_enhanced_measurement(pid, stream, settings)
    return f"properties/{pid}"
