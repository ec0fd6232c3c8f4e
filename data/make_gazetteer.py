"""Make ``geo/geocode/gazetteer.csv``: China's provinces, prefecture cities and counties with
the coordinates of their seats, for the geocoder's check that an answer lies in ``--city``.

Source: the ``adcodes.csv`` that the PyPI package **cpca 0.5.5** ships (MIT licence,
Copyright (c) 2018 QinYuan Du, github.com/DQinYuan/chinese_province_city_area_mapper),
extracted there from **Vonng/adcode** (github.com/Vonng/adcode, CC BY 4.0; codes of the
National Bureau of Statistics and the Ministry of Civil Affairs as of 2016-2018, seats'
coordinates from Amap, GCJ-02). cpca itself is not a dependency of geo: it was last released
in 2021 and pulls in a C extension (pyahocorasick) for its text matching, which geo does not
use; the 3,200 rows it ships are all geo needs.

What this script changes (and nothing else):

* the virtual units (市辖区, 县 and 省直辖县级行政区划 under a province, with no seat of their
  own) are left out; their counties belong to the province;
* two prefecture changes after the source's date: 莱芜市 merged into 济南市 (2019: 莱城区 →
  莱芜区 370116, 钢城区 → 370117) and 那曲地区 became 那曲市 (2018: code 540600, 那曲县 →
  色尼区 540602, the other counties renumbered 5424NN → 5406(NN-1));
* each unit gets its short name (the name without 省/市/区/县/自治州/地区/盟…) and, for
  provinces and prefecture cities, its pinyin without tones (pypinyin, with the corrections
  in :data:`PINYIN`), so that ``--city Beijing`` is understood.

Run from the repository root (needs ``pip install pypinyin``; the cpca wheel is fetched with
``pip download`` unless given): ``python data/make_gazetteer.py [--wheel cpca-0.5.5-....whl]``.
Deterministic.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "geo" / "geocode" / "gazetteer.csv"
CPCA = "cpca==0.5.5"

#: Pinyin that pypinyin reads wrongly for these place names, and common English names.
PINYIN: dict[str, tuple[str, ...]] = {
    "陕西": ("shaanxi",), "长治": ("changzhi",), "朝阳": ("chaoyang",), "漯河": ("luohe",),
    "阿勒泰": ("aletai", "altay"), "香港": ("xianggang", "hongkong"),
    "澳门": ("aomen", "macau", "macao"), "西藏": ("xizang", "tibet"),
    "内蒙古": ("neimenggu", "innermongolia"), "台湾": ("taiwan",), "昌都": ("changdu",),
    "锡林郭勒": ("xilinguole",), "克孜勒苏": ("kezilesu",), "吕梁": ("lvliang", "luliang"),
}
#: Prefecture changes after the source's date: old code → (new code, new name).
MOVED = {"371202": ("370116", "莱芜区"), "371203": ("370117", "钢城区"),
         "542400": ("540600", "那曲市"), "542421": ("540602", "色尼区")}
DROPPED = {"371200"}  # 莱芜市, merged into 济南市

_AUTONOMOUS = re.compile(r"自治(区|州|县|旗)$")
_SUFFIX = re.compile(r"(特别行政区|省|市|地区|盟|林区|特区|新区|区|县|旗)$")


def short_name(name: str, nations: list[str]) -> str:
    """The name without its kind of unit: 苏州市 → 苏州, 延边朝鲜族自治州 → 延边."""
    base = name
    if _AUTONOMOUS.search(base):
        base = _AUTONOMOUS.sub("", base)
        changed = True
        while changed:  # 黔东南苗族侗族 → 黔东南; 新疆维吾尔 → 新疆
            changed = False
            for nation in nations:
                for form in (nation, nation.removesuffix("族")):
                    if len(form) > 0 and base.endswith(form) and len(base) - len(form) >= 2:
                        base = base[: -len(form)]
                        changed = True
                        break
                if changed:
                    break
    else:
        base = _SUFFIX.sub("", base)
    return base if len(base) >= 2 else name


def read_wheel(wheel: Path) -> tuple[list[dict[str, str]], list[str]]:
    """cpca's ``adcodes.csv`` rows and its list of the 56 nations, from the wheel."""
    with zipfile.ZipFile(wheel) as z:
        rows = list(csv.DictReader(io.StringIO(
            z.read("cpca/resources/adcodes.csv").decode("utf-8"))))
        nations = [ln.strip() for ln in z.read("cpca/resources/56_nations.csv").decode(
            "utf-8").splitlines() if ln.strip()]
    nations.sort(key=len, reverse=True)  # 维吾尔族 before 回族
    return rows, nations


def units(rows: list[dict[str, str]], nations: list[str]) -> list[list[str]]:
    """The gazetteer's rows: code, level, parent, name, short, pinyin, lon, lat."""
    from pypinyin import lazy_pinyin

    by_code: dict[str, tuple[str, str, str]] = {}
    for r in rows:
        code, name = r["adcode"][:6], r["name"].strip()
        if code in DROPPED:
            continue
        if code in MOVED:
            code, name = MOVED[code]
        elif code.startswith("5424"):  # 那曲地区's counties: 542422 嘉黎县 → 540621 ...
            code = f"5406{int(code[4:]) - 1:02d}"
        by_code[code] = (name, r["longitude"].strip(), r["latitude"].strip())
    out = []
    for code in sorted(by_code):
        name, lon, lat = by_code[code]
        if code[2:] == "0000":
            level, parent = "province", ""
        elif code[4:] == "00":
            if (code[2:4] in ("01", "02", "90") and name in ("市辖区", "县")) or "直辖" in name:
                continue  # a virtual unit: its counties belong to the province
            level, parent = "city", code[:2] + "0000"
        else:
            level = "county"
            parent = code[:4] + "00"
            if parent not in by_code or by_code[parent][0] in ("市辖区", "县") or (
                    "直辖" in by_code[parent][0]):
                parent = code[:2] + "0000"
        if not (lon and lat):
            continue  # no seat: nothing to check answers against (6 units in the source)
        short = short_name(name, nations)
        pinyin = ""
        if level != "county":
            pinyin = "|".join(PINYIN.get(short, ("".join(lazy_pinyin(short)).lower(),)))
        out.append([code, level, parent, name, short, pinyin, lon, lat])
    return out


HEADER = """\
# China's provinces, prefecture cities and counties with their seats' coordinates (GCJ-02).
# Made by data/make_gazetteer.py from the adcodes.csv of the PyPI package cpca 0.5.5, which
# extracted it from Vonng/adcode (https://github.com/Vonng/adcode), licensed CC BY 4.0
# (https://creativecommons.org/licenses/by/4.0/): codes as of 2016-2018, seats from Amap.
# Changes: virtual units left out, 莱芜 merged into 济南 and 那曲市 as now, short names and
# pinyin added. cpca's licence:
#   The MIT License (MIT) Copyright (c) 2018 QinYuan Du
#   Permission is hereby granted, free of charge, to any person obtaining a copy of this
#   software and associated documentation files (the "Software"), to deal in the Software
#   without restriction, including without limitation the rights to use, copy, modify,
#   merge, publish, distribute, sublicense, and/or sell copies of the Software, and to
#   permit persons to whom the Software is furnished to do so, subject to the following
#   conditions: The above copyright notice and this permission notice shall be included in
#   all copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS IS",
#   WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
#   WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN
#   NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR
#   OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
#   OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"the {CPCA} wheel (fetched when omitted)")
    args = parser.parse_args()
    wheel = args.wheel
    with tempfile.TemporaryDirectory() as tmp:
        if wheel is None:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d",
                            tmp, CPCA], check=True)
            wheel = next(Path(tmp).glob("cpca-*.whl"))
        rows, nations = read_wheel(wheel)
    table = units(rows, nations)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["code", "level", "parent", "name", "short", "pinyin", "lon", "lat"])
        writer.writerows(table)
    print(f"wrote {OUT}: {len(table)} units")


if __name__ == "__main__":
    main()
