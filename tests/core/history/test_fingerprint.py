"""Content fingerprints: cheap, stable across renames, sensitive to the sampled blocks."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from core.history import fingerprint as fingerprint_module
from core.history.fingerprint import BLOCK_SIZE, file_fingerprint, fingerprint_size


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_same_content_same_fingerprint_whatever_the_name(tmp_path: Path) -> None:
    data = os.urandom(3 * BLOCK_SIZE + 123)
    a = _write(tmp_path / "a.mkv", data)
    b = _write(tmp_path / "renamed (2).mkv", data)
    assert file_fingerprint(a) == file_fingerprint(b)
    assert fingerprint_size(file_fingerprint(a)) == len(data)


def test_changes_in_sampled_blocks_or_size_change_it(tmp_path: Path) -> None:
    data = bytearray(os.urandom(5 * BLOCK_SIZE))
    base = file_fingerprint(_write(tmp_path / "x", bytes(data)))
    for offset in (0, len(data) // 2, len(data) - 1):
        changed = bytearray(data)
        changed[offset] ^= 0xFF
        assert file_fingerprint(_write(tmp_path / "y", bytes(changed))) != base
    assert file_fingerprint(_write(tmp_path / "z", bytes(data) + b"\0")) != base


def test_small_and_empty_files(tmp_path: Path) -> None:
    assert file_fingerprint(_write(tmp_path / "e", b"")).startswith("0:")
    assert file_fingerprint(_write(tmp_path / "s", b"abc")) != file_fingerprint(
        _write(tmp_path / "t", b"abd")
    )


def test_reads_at_most_three_blocks_whatever_the_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_sizes: list[int] = []

    class CountingFile(io.FileIO):
        def read(self, size: int = -1) -> bytes:
            data = super().read(size)
            read_sizes.append(len(data))
            return data

    monkeypatch.setattr(
        fingerprint_module, "open", lambda p, mode: CountingFile(p, "r"), raising=False
    )
    big = tmp_path / "sparse.mkv"
    with open(big, "wb") as handle:
        handle.truncate(20 * 1024**3)  # 20 GiB, sparse
    fingerprint = file_fingerprint(big)
    assert fingerprint_size(fingerprint) == 20 * 1024**3
    assert len(read_sizes) == 3
    assert sum(read_sizes) == 3 * BLOCK_SIZE
    assert fingerprint_size("garbage") is None
