"""Loading a source configuration: YAML file -> validated `SourcesConfig`, or a clear error.

`SALES_SOURCES_CONFIG` names the file; without it the shipped `default.yaml` describes the
contract's own layout. A source entry names a preset (`presets/<name>.yaml`), gives a mapping, or
both (the keys beside the preset override it; a field given there replaces the preset's field
whole). Every error names the file, the line and the key path, e.g.

    sources.yaml, line 12: sources.calls.fields.status.map: Input should be a valid dictionary
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sales_pipeline.contract import SOURCES
from sales_pipeline.sources.compile import json_path
from sales_pipeline.sources.models import IdentityMap, Mapping, SourceEntry

PACKAGE_DIR = Path(__file__).parent
DEFAULT_CONFIG = PACKAGE_DIR / "default.yaml"
PRESETS_DIR = PACKAGE_DIR / "presets"
CONTRACT_PRESET = "contract"
# Sources whose staging resolves a rep's own identifier through the identity map.
IDENTIFIED_SOURCES = ("calls", "sales_documents", "team_memberships", "sales_targets")
TOP_LEVEL_KEYS = ("version", "extends", "identity_map", "sources")
ENTRY_KEYS = ("files", "file_date", "preset")
Path_ = tuple[str | int, ...]


class SourcesConfigError(ValueError):
    """A source configuration that cannot be used; the message names file, line and key."""


@dataclass(frozen=True)
class Mark:
    file: Path
    line: int


@dataclass(frozen=True)
class SourcesConfig:
    path: Path
    sources: dict[str, SourceEntry]
    identity_map: IdentityMap | None = None
    presets_used: dict[str, str] = field(default_factory=dict)

    @property
    def is_default_layout(self) -> bool:
        return all(entry.is_contract_layout for entry in self.sources.values())


def _marks(node: yaml.Node, file: Path, path: Path_ = ()) -> dict[Path_, Mark]:
    """The line of every key and item of a composed YAML document, by key path."""
    marks = {path: Mark(file, node.start_mark.line + 1)}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            marks[child] = Mark(file, key.start_mark.line + 1)
            marks.update({k: v for k, v in _marks(value, file, child).items() if k != child})
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            marks.update(_marks(item, file, (*path, index)))
    return marks


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. YAML 1.1 also reads `No`, `yes`, `on`, `off` as
    booleans, and `No` is a real column name (an order's number in German exports)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _read_yaml(file: Path) -> tuple[Any, dict[Path_, Mark]]:
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise SourcesConfigError(
            f"{file}: cannot read the source configuration: {error}"
        ) from error
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise SourcesConfigError(f"{file}{where}: not valid YAML: {error}") from error
    return data, ({} if node is None else _marks(node, file))


def _where(marks: dict[Path_, Mark], path: Path_) -> str:
    for end in range(len(path), -1, -1):
        mark = marks.get(path[:end])
        if mark is not None:
            return f"{mark.file}, line {mark.line}"
    return "?"


def _error(marks: dict[Path_, Mark], path: Path_, message: str) -> SourcesConfigError:
    dotted = ".".join(str(part) for part in path)
    return SourcesConfigError(f"{_where(marks, path)}: {dotted}: {message}")


def _validation_error(
    marks: dict[Path_, Mark], prefix: Path_, error: ValidationError
) -> SourcesConfigError:
    lines = []
    for detail in error.errors():
        # Pydantic adds validator names to the location; only keys and indexes are the file's.
        loc = tuple(
            part
            for part in detail["loc"]
            if isinstance(part, int) or (isinstance(part, str) and "[" not in part)
        )
        loc = tuple(part.rstrip("_") if isinstance(part, str) else part for part in loc)
        message = detail["msg"].removeprefix("Value error, ")
        lines.append(str(_error(marks, (*prefix, *loc), message)))
    return SourcesConfigError("\n".join(dict.fromkeys(lines)))


def available_presets() -> list[str]:
    return sorted([CONTRACT_PRESET, *(path.stem for path in PRESETS_DIR.glob("*.yaml"))])


@cache
def _preset(name: str) -> tuple[str, dict[str, Any], dict[Path_, Mark]]:
    """(the source it is for, its mapping keys, their marks)."""
    data, marks = _read_yaml(PRESETS_DIR / f"{name}.yaml")
    if not isinstance(data, dict) or data.get("source") not in SOURCES:
        raise SourcesConfigError(f"{PRESETS_DIR / name}.yaml: a preset names its `source`")
    data = dict(data)
    source = data.pop("source")
    return source, data, marks


def _merge(preset: dict[str, Any], overrides: dict[str, Any], path: Path_ = ()) -> dict[str, Any]:
    merged = copy.deepcopy(preset)
    for key, value in overrides.items():
        replace_whole = len(path) == 1 and path[0] == "fields"
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and not replace_whole:
            merged[key] = _merge(merged[key], value, (*path, key))
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _entry(
    name: str, raw: Any, marks: dict[Path_, Mark], presets_used: dict[str, str]
) -> SourceEntry:
    path: Path_ = ("sources", name)
    if not isinstance(raw, dict):
        raise _error(marks, path, "expected a mapping with `files` and a `preset` or `fields`")
    entry = {key: raw[key] for key in ENTRY_KEYS if key in raw}
    mapping = {key: value for key, value in raw.items() if key not in ENTRY_KEYS}
    entry.setdefault("file_date", "name" if SOURCES[name].daily else "none")
    preset_name = raw.get("preset")
    mapping_marks = {p[2:]: mark for p, mark in marks.items() if p[:2] == path}
    if preset_name == CONTRACT_PRESET:
        if mapping:
            raise _error(
                marks,
                (*path, next(iter(mapping))),
                "the contract preset reads the contract's own layout and takes no mapping keys",
            )
    elif preset_name is not None:
        # Only the shipped names: a preset is never a path to some other file.
        if preset_name not in available_presets():
            raise _error(
                marks,
                (*path, "preset"),
                f"unknown preset {preset_name!r}; presets: {', '.join(available_presets())}",
            )
        preset_source, preset_mapping, preset_marks = _preset(preset_name)
        if preset_source != name:
            raise _error(
                marks,
                (*path, "preset"),
                f"preset {preset_name!r} reads {preset_source}, not {name}",
            )
        mapping = _merge(preset_mapping, mapping)
        mapping_marks = {**preset_marks, **mapping_marks}
        presets_used[name] = preset_name
    elif not mapping:
        raise _error(marks, path, "give a `preset` (e.g. contract) or a mapping with `fields`")
    try:
        entry_model = SourceEntry.model_validate({**entry, "preset": preset_name, "mapping": None})
    except ValidationError as error:
        raise _validation_error(marks, path, error) from None
    if preset_name == CONTRACT_PRESET:
        return entry_model
    try:
        mapping_model = Mapping.model_validate(mapping)
    except ValidationError as error:
        merged_marks = {**marks, **{(*path, *p): m for p, m in mapping_marks.items()}}
        raise _validation_error(merged_marks, path, error) from None
    _check_fields(
        name, mapping_model, {**marks, **{(*path, *p): m for p, m in mapping_marks.items()}}
    )
    return entry_model.model_copy(update={"mapping": mapping_model})


def _check_fields(name: str, mapping: Mapping, marks: dict[Path_, Mark]) -> None:
    path: Path_ = ("sources", name)
    contract_columns = SOURCES[name].columns
    unknown = [f for f in mapping.fields if f not in contract_columns]
    if unknown:
        raise _error(
            marks,
            (*path, "fields", unknown[0]),
            f"{unknown[0]!r} is no field of {name}; its fields: {', '.join(contract_columns)}",
        )
    missing = [c for c in contract_columns if c not in mapping.fields]
    if missing:
        raise _error(
            marks,
            (*path, "fields"),
            f"no mapping for {', '.join(missing)} (map each field; `{{constant: ''}}` leaves "
            "one empty)",
        )
    if mapping.legs is not None and name != "calls":
        raise _error(marks, (*path, "legs"), "legs group the rows of a call log: calls only")
    if mapping.rep_identity is not None and name not in IDENTIFIED_SOURCES:
        raise _error(
            marks, (*path, "rep_identity"),
            f"rep_identity is read for {', '.join(IDENTIFIED_SOURCES)} only",
        )
    if mapping.split is not None and name != "sales_documents":
        raise _error(marks, (*path, "split"), "split credits a sales document: sales_documents only")
    if mapping.format in ("json", "jsonl"):
        for column in sorted(mapping.source_columns()):
            try:
                json_path(column)
            except ValueError as error:
                raise _error(marks, (*path, "fields"), str(error)) from None
    if mapping.format == "csv" and not mapping.csv.header:
        known = set(mapping.csv.columns or ())
        for column in sorted(mapping.source_columns() - known):
            # Point at the field that reads it (an override's line), else at the column list.
            where = next(
                (
                    (*path, "fields", name)
                    for name, spec in mapping.fields.items()
                    if column in spec.source_columns()
                ),
                (*path, "csv", "columns"),
            )
            raise _error(
                marks,
                where,
                f"column {column!r} is not among csv.columns "
                f"({', '.join(mapping.csv.columns or ())})",
            )


def load_sources_config(path: Path | str | None = None) -> SourcesConfig:
    """Read and validate a source configuration (the shipped default when `path` is empty)."""
    file = Path(path) if path else DEFAULT_CONFIG
    data, marks = _read_yaml(file)
    if not isinstance(data, dict):
        raise SourcesConfigError(f"{file}: expected a mapping with `sources`")
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise _error(marks, (key,), f"unknown key; expected one of {', '.join(TOP_LEVEL_KEYS)}")
    if data.get("version", 1) != 1:
        raise _error(marks, ("version",), "only version 1 exists")
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, dict):
        raise _error(marks, ("sources",), "expected a mapping of source name to its entry")
    presets_used: dict[str, str] = {}
    entries: dict[str, SourceEntry] = {}
    for name, raw in raw_sources.items():
        if name not in SOURCES:
            raise _error(
                marks,
                ("sources", name),
                f"unknown source; the contract's sources are {', '.join(SOURCES)}",
            )
        entries[name] = _entry(name, raw, marks, presets_used)
    extends = data.get("extends")
    if extends is not None:
        if extends != "default":
            raise _error(marks, ("extends",), "only `extends: default` exists")
        base = load_sources_config(DEFAULT_CONFIG)
        entries = {**base.sources, **entries}
    missing = [name for name in SOURCES if name not in entries]
    if missing:
        raise _error(
            marks,
            ("sources",),
            f"no entry for {', '.join(missing)} (add them, or `extends: default` to read them "
            "in the contract's layout)",
        )
    identity_map = None
    if data.get("identity_map") is not None:
        try:
            identity_map = IdentityMap.model_validate(data["identity_map"])
        except ValidationError as error:
            raise _validation_error(marks, ("identity_map",), error) from None
    return SourcesConfig(
        path=file,
        sources={name: entries[name] for name in SOURCES},
        identity_map=identity_map,
        presets_used=presets_used,
    )


@cache
def _cached(path: str, mtime_ns: int) -> SourcesConfig:
    return load_sources_config(path or None)


def sources_config(path: Path | str | None) -> SourcesConfig:
    """The configuration at `path`, read again only when the file changes."""
    file = Path(path) if path else DEFAULT_CONFIG
    try:
        mtime = file.stat().st_mtime_ns
    except OSError as error:
        raise SourcesConfigError(
            f"{file}: cannot read the source configuration: {error}"
        ) from error
    return _cached(str(file), mtime)
