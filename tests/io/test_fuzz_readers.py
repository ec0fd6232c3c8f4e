"""Fuzz the table readers (issue 19): random tables in random encodings, random cells, random
bytes. Only geo's own error may come out, and no row is lost: rows in = used + rejected.

Seeded (``derandomize``) so the suite is repeatable; ``bench/fuzz_readers.py`` runs the same
checks for longer with fresh randomness.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from _helpers.fuzz_tables import (
    check_file,
    check_lean,
    csv_tables,
    garbage,
    plain_csv_tables,
    xlsx_tables,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

#: Seeded and repeatable, no example database, no per-example deadline (files are written).
SUITE = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _write(data: bytes, suffix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="geo-fuzz-"))
    path = folder / f"table{suffix}"
    path.write_bytes(data)
    return path


@settings(SUITE, max_examples=300)
@given(table=csv_tables(), kind=st.sampled_from(["stations", "demand"]))
def test_csv_tables_in_any_encoding_lose_no_row(table, kind):
    spec, data, _encoding = table
    check_file(_write(data, ".csv"), kind, spec)


@settings(SUITE, max_examples=60)
@given(table=xlsx_tables(), kind=st.sampled_from(["stations", "demand"]))
def test_xlsx_tables_lose_no_row(table, kind):
    spec, data = table
    check_file(_write(data, ".xlsx"), kind, spec)


@settings(SUITE, max_examples=150)
@given(file=garbage(), kind=st.sampled_from(["stations", "demand"]))
def test_random_bytes_give_geos_own_error_or_a_table(file, kind):
    suffix, data = file
    check_file(_write(data, suffix), kind, None)


def test_the_checks_catch_a_lost_row(tmp_path):
    """The fuzz checks themselves: a row the reader dropped is reported."""
    from _helpers.fuzz_tables import TableSpec

    spec = TableSpec(None, ["编号", "经度", "纬度"], [["S1", "120.6", "31.28"]])
    path = tmp_path / "t.csv"
    path.write_text("编号,经度,纬度\nS1,120.6,31.28\n", encoding="utf-8")
    assert check_file(path, "stations", spec) == "read"
    spec.rows.append(["S2", "120.7", "31.29"])  # a row the file does not hold
    with pytest.raises(AssertionError, match="rows in"):
        check_file(path, "stations", spec)


@settings(SUITE, max_examples=300)
@given(case=plain_csv_tables())
def test_the_plain_reader_declines_or_reads_as_the_general_reader(case):
    """``geo check`` reads plain CSV files without pandas (geo.lean): for any file that path
    either declines, and the general path reads it, or gives the general path's numbers."""
    check_lean(_write(case.data, ".csv"), case)
