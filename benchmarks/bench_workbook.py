"""Writing a client workbook: cxkit.present.excel.write_workbook against plain xlsxwriter.

cxkit writes the cells through ``pd.ExcelWriter`` (xlsxwriter engine, text kept as text)
and adds the layout: headers, widths, number formats, filters, band colours. The
baseline, in the same run, writes the same table cell by cell with xlsxwriter alone, no
layout. Prints both times and the ratio; timings are printed, never asserted.

    python benchmarks/bench_workbook.py [--rows 20000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import io
import tempfile
import timeit
from pathlib import Path

import numpy as np
import pandas as pd

from cxkit.present.excel import write_workbook


def table(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"account_id": [f"A{i:05d}" for i in range(rows)],
                         "chi": rng.uniform(0, 100, rows),
                         "responses": rng.integers(0, 50, rows),
                         "comment": rng.choice(["slow support", "=great", "late shipments"],
                                               rows),
                         "since": pd.Timestamp("2020-01-01")
                         + pd.to_timedelta(rng.integers(0, 2000, rows), unit="D")})


def plain(df: pd.DataFrame) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet("Table")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for c, col in enumerate(df.columns):
        ws.write_string(0, c, col)
    for r, row in enumerate(df.itertuples(index=False), start=1):
        ws.write_string(r, 0, row[0])
        ws.write_number(r, 1, row[1])
        ws.write_number(r, 2, row[2])
        ws.write_string(r, 3, row[3])
        ws.write_datetime(r, 4, row[4].to_pydatetime(), date)
    wb.close()
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    df = table(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "book.xlsx"
        t_plain = min(timeit.repeat(lambda: plain(df), number=1, repeat=args.repeat))
        t_cx = min(timeit.repeat(
            lambda: write_workbook(out, {"Table": df, "Summary": ["one", "two"]},
                                   bands={"Table": (["chi"], 50, 75)}),
            number=1, repeat=args.repeat))
    cells = args.rows * len(df.columns)
    print(f"{args.rows:,} rows x {len(df.columns)} columns ({cells:,} cells), best of "
          f"{args.repeat}")
    print(f"plain xlsxwriter, cell by cell, no layout: {t_plain:6.2f} s")
    print(f"cxkit write_workbook (pd.ExcelWriter):     {t_cx:6.2f} s  "
          f"({t_cx / t_plain:.2f}x the baseline; {1e6 * t_cx / cells:.1f} us per cell)")


if __name__ == "__main__":
    main()
