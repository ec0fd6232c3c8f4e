"""Make the demo's address list and its recorded geocoding answers (illustrative, invented).

Writes, from ``data/canglang/stations.csv``:

* ``canglang/stations_addresses.xlsx`` — the 46 stations as a street office keeps
  them: a title row, Chinese headers, addresses, no coordinates except two rows whose
  combined 经纬度 cell was copied from Amap (GCJ-02);
* ``canglang/geocode_answers.json`` — answers in Amap's documented v3 geocode format
  for those addresses, as the ``demo`` provider replays them offline. Most answers put
  the station exactly where ``stations.csv`` has it (GCJ-02); four rows are made to
  show the review loop: a road-only address (道路 precision), a sound-alike city
  (宿州 for 苏州), an address the provider cannot find, and a blank address.

Run from the repository root: ``python data/make_geocode_demo.py``. Deterministic.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent / "canglang"
TITLE = "沧浪街道新就业形态劳动者服务阵地名录（示意数据，地址为虚构）"
HEADERS = ["编号", "名称", "类型", "层级", "地址", "经纬度", "坐标系", "设施", "开放时间"]
GIVEN = {"CL01", "CL02"}  # coordinates already copied from Amap (GCJ-02)
ROAD_ONLY = {"CL07": "苏州市姑苏区柳岸路"}  # house number missing → 道路 precision
SOUNDALIKE = "CL19"  # answered in 宿州市 (Anhui), not 苏州市
NOT_FOUND = {"CL23": "姑苏区桂香路新村旁（门牌待补）"}
BLANK = "CL45"


def amap_answer(address: str, lon: str, lat: str, level: str, *, city: str = "苏州市",
                province: str = "江苏省", district: str = "姑苏区") -> dict[str, object]:
    """One answer in Amap's v3 format (``location`` is GCJ-02 ``lng,lat``)."""
    return {
        "status": "1", "info": "OK", "infocode": "10000", "count": "1",
        "geocodes": [{
            "formatted_address": f"{province}{city}{district}{address.removeprefix('苏州市')}",
            "country": "中国", "province": province, "citycode": "0512", "city": city,
            "district": district, "township": [], "street": [], "number": [],
            "adcode": "320508", "location": f"{lon},{lat}", "level": level,
        }],
    }


def main() -> None:
    with (HERE / "stations.csv").open(encoding="utf-8-sig", newline="") as f:
        stations = list(csv.DictReader(f))
    wb = Workbook()
    ws = wb.active
    ws.title = "服务阵地"
    ws.append([TITLE])
    ws.append(HEADERS)
    answers: dict[str, object] = {}
    for s in stations:
        sid, address = s["编号"], s["地址"]
        lnglat, system = "", ""
        if sid in GIVEN:
            lnglat, system = f"{s['经度']},{s['纬度']}", "gcj02"
        elif sid in ROAD_ONLY:
            address = ROAD_ONLY[sid]
            # Amap puts a road-level answer at a point on the road, here 0.004° away
            lon = f"{float(s['经度']) + 0.004:.6f}"
            answers[address] = amap_answer(address, lon, s["纬度"], "道路")
        elif sid == SOUNDALIKE:
            answers[address] = amap_answer(address, "116.984084", "33.633890", "门牌号",
                                           city="宿州市", province="安徽省", district="埇桥区")
        elif sid in NOT_FOUND:
            address = NOT_FOUND[sid]  # no answer recorded: Amap's empty answer
        elif sid == BLANK:
            address = ""
        else:
            level = "兴趣点" if int(sid[2:]) % 3 == 0 else "门牌号"
            answers[address] = amap_answer(address, s["经度"], s["纬度"], level)
        ws.append([sid, s["名称"], s["类型"], s["层级"], address, lnglat, system,
                   s["设施"], s["开放时间"]])
    for col, width in zip("ABCDEFGHI", (8, 30, 12, 18, 34, 24, 8, 36, 14), strict=True):
        ws.column_dimensions[col].width = width
    wb.properties.creator = "geo demo (illustrative)"
    wb.save(HERE / "stations_addresses.xlsx")
    doc = {
        "_about": ("Invented, illustrative answers in Amap's documented v3 geocode format "
                   "(lbs.amap.com webservice georegeo) for data/canglang/stations_addresses.xlsx; "
                   "NOT recorded from the service. Made by data/make_geocode_demo.py."),
        "format": "amap-v3",
        "city": "苏州市",
        "answers": answers,
    }
    (HERE / "geocode_answers.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
