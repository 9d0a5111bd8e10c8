"""Compressed deliveries for the tests, made the way the tools that deliver them make them."""

from __future__ import annotations

import gzip
import io
import zipfile

import zstandard


def zip_of(*members: tuple[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def packed(name: str, data: bytes, how: str) -> tuple[str, bytes]:
    """`name` delivered as `how` ("gz", "zst" or "zip"): its new name and bytes."""
    if how == "gz":
        return f"{name}.gz", gzip.compress(data)
    if how == "zst":
        return f"{name}.zst", zstandard.ZstdCompressor().compress(data)
    return f"{name}.zip", zip_of((name.rsplit("/", 1)[-1], data))
