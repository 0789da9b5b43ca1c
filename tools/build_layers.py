"""Build the indicative Bishan plan layers in geodata/ from the reference facts.

Nothing here is an official boundary. Every geometry is *derived* by a rule
written below from public reference facts (shared/reference/, copied into
tools/reference/ so the build does not depend on a folder outside the repo) and
from the plan document (seeds/plan.toml), and every feature says so in its
``source`` and ``accuracy`` ("indicative", 示意) properties.

Run from the repository root (after tools/derive_district.py):

    uv run python tools/build_layers.py

Construction happens in metres in CGCS2000 / 3-degree Gauss-Kruger CM 105E
(EPSG:4544); output is RFC 7946 GeoJSON in WGS84 lon/lat, 6 decimals.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point, Polygon, box, mapping, shape

from spatial.io.atomic import write_text_atomic

ROOT = Path(__file__).resolve().parents[1]
GEODATA = ROOT / "geodata"
REFERENCE = Path(__file__).resolve().parent / "reference"
PLAN = tomllib.loads((ROOT / "seeds" / "plan.toml").read_text(encoding="utf-8"))
DOC = f"《{PLAN['document']['title']}》 ({PLAN['document']['date'].split(' ')[0]})"
REF_TOWNS = "tools/reference/bishan_town_seats.csv (Vonng/adcode, CC BY 4.0, 2016 snapshot)"
REF_COURSE = (
    "tools/reference/README.md (黛山大道 course and 云巴 stations, public reports 2014-2021)"
)

GEOD = Geod(ellps="GRS80")
TO_GK = Transformer.from_crs("EPSG:4326", "EPSG:4544", always_xy=True).transform
TO_LL = Transformer.from_crs("EPSG:4544", "EPSG:4326", always_xy=True).transform
DECIMALS = 6

#: Half-width of the 科创走廊 band either side of the 黛山大道 centreline, metres.
#: The plan gives no width; 2 km is a ~25-minute walk or short cycle from the avenue
#: and its 云巴 stations, the catchment a corridor of this kind is usually drawn with.
CORRIDOR_HALF_WIDTH_M = 2000.0
#: How far inside the district outline a zone is kept, metres (no zone touches the border).
BORDER_MARGIN_M = 150.0


def _apply(func: Any, geom: Any) -> Any:
    return shapely.transform(geom, lambda xy: np.column_stack(func(xy[:, 0], xy[:, 1])))


def gk(geom: Any) -> Any:
    return _apply(TO_GK, geom)


def ll(geom: Any) -> Any:
    """To WGS84 lon/lat, 6 decimals, outer rings counter-clockwise as RFC 7946 asks."""
    rounded = shapely.set_precision(_apply(TO_LL, geom), 10**-DECIMALS)
    return shapely.orient_polygons(rounded, exterior_cw=False)


def area_km2(geom_ll: Any) -> float:
    return abs(GEOD.geometry_area_perimeter(geom_ll)[0]) / 1e6


def read_csv(name: str) -> list[dict[str, str]]:
    with open(REFERENCE / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


TOWNS = {row["name_zh"]: row for row in read_csv("bishan_town_seats.csv")}
KEY_POINTS = {row["name"]: row for row in read_csv("bishan_key_points.csv")}


def town_xy(name_zh: str) -> tuple[float, float]:
    row = TOWNS[name_zh]
    return TO_GK(float(row["lon_wgs84"]), float(row["lat_wgs84"]))


def key_xy(name: str) -> tuple[float, float]:
    row = KEY_POINTS[name]
    return TO_GK(float(row["lon_wgs84"]), float(row["lat_wgs84"]))


def feature(props: dict[str, Any], geom_ll: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": mapping(geom_ll)}


Features = list[dict[str, Any]]


def write_layer(out_dir: Path, name: str, features: Features) -> None:
    collection = {"type": "FeatureCollection", "name": name, "features": features}
    path = out_dir / f"{name}.geojson"
    write_text_atomic(path, json.dumps(collection, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {path}: {len(features)} features")


# --- 黛山大道 and the corridor -------------------------------------------------


def avenue_vertices_gk() -> list[tuple[float, float]]:
    """North→south vertices of the indicative 黛山大道 centreline (GK metres).

    North end: 8.0 km north of the Line 1 璧山站, where the north section (10 km)
    begins; then the 云巴 line's north end (Line 1 璧山站), the 璧城 and 璧泉
    seats, the 成渝高铁 璧山站 (the 云巴 line's south end), the 青杠 and 来凤
    seats (the southern extension), ending 2.5 km on toward 丁家.
    """
    line1 = key_xy("轨道1号线璧山站")
    hsr = key_xy("璧山站(成渝高铁)")
    bicheng, biquan = town_xy("璧城街道"), town_xy("璧泉街道")
    qinggang, laifeng, dingjia = town_xy("青杠街道"), town_xy("来凤街道"), town_xy("丁家街道")
    north = (line1[0] - 900.0, line1[1] + 8000.0)
    mid_north = (line1[0] - 400.0, line1[1] + 4000.0)
    between = ((biquan[0] + hsr[0]) / 2 - 300.0, (biquan[1] + hsr[1]) / 2)
    d = LineString([laifeng, dingjia])
    south = d.interpolate(2500.0).coords[0]
    return [north, mid_north, line1, bicheng, biquan, between, hsr, qinggang, laifeng, south]


def build_corridor(district_gk: Any) -> tuple[Any, Features]:
    avenue = LineString(avenue_vertices_gk())
    band = avenue.buffer(CORRIDOR_HALF_WIDTH_M, cap_style="round").intersection(district_gk)
    length_km = GEOD.geometry_length(ll(avenue)) / 1000
    common = {"accuracy": "indicative"}
    avenue_props = {
        "id": "avenue-daishan",
        "name_zh": "黛山大道",
        "name_en": "Daishan Avenue",
        "kind": "avenue",
        "direction": "north_to_south",
        "length_km": round(length_km, 2),
        "source": (
            f"{DOC}: 依托黛山大道作为发展主轴; course drawn north to south through the reference "
            f"points of {REF_COURSE} and {REF_TOWNS} (示意)"
        ),
        **common,
    }
    band_props = {
        "id": "corridor-band",
        "name_zh": "黛山大道科创走廊",
        "name_en": "Daishan Avenue Science and Innovation Corridor",
        "kind": "corridor",
        "half_width_m": CORRIDOR_HALF_WIDTH_M,
        "source": (
            f"{DOC}: 一廊即依托黛山大道形成科创走廊; derived as the avenue centreline buffered by "
            f"{CORRIDOR_HALF_WIDTH_M:.0f} m either side, clipped to the district (示意)"
        ),
        **common,
    }
    print(f"  avenue length {length_km:.2f} km")
    return avenue, [feature(avenue_props, ll(avenue)), feature(band_props, ll(band))]


# --- zones -----------------------------------------------------------------------


def grow_to_area(seed_xy: tuple[float, float], region: Any, target_km2: float, square: bool) -> Any:
    """The part of ``region`` within a growing disc/square around ``seed_xy`` with the target area.

    The size is found by bisection on the ellipsoidal area of the result, to 0.01%.
    """
    low, high = 10.0, 20000.0
    shape_at = None
    for _ in range(80):
        mid = (low + high) / 2
        cap = "square" if square else "round"
        shape_at = Point(seed_xy).buffer(mid, cap_style=cap, quad_segs=16).intersection(region)
        measured = area_km2(ll(shape_at))
        if abs(measured - target_km2) / target_km2 < 1e-4:
            break
        low, high = (mid, high) if measured < target_km2 else (low, mid)
    return shape_at


def zone_props(
    target_id: str, kind: str, rule: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    target = next(t for t in PLAN["targets"] if t["id"] == target_id)
    return {
        "id": target_id,
        "name_zh": target["name_zh"],
        "name_en": target["name_en"],
        "kind": kind,
        "source": f"{DOC}: {target['phrase']}; boundary {rule} (示意)",
        "accuracy": "indicative",
        **(extra or {}),
    }


def build_zones(district_gk: Any, avenue: Any) -> tuple[dict[str, Any], Features]:
    inner = district_gk.buffer(-BORDER_MARGIN_M)
    line1 = key_xy("轨道1号线璧山站")
    avenue_x = line1[0]
    # 科技创新小镇: west of the Line 1 璧山站 and north of the 璧城 seat (reference: the
    # 科技创新小镇组团 lies at the avenue's north end, west of the Line 1 station).
    kcxz_region = inner.intersection(
        box(avenue_x - 8000, town_xy("璧城街道")[1] + 800, avenue_x - 300, line1[1] + 6000)
    )
    kcxz = grow_to_area((avenue_x - 2600, line1[1] + 800), kcxz_region, 15.0, square=False)
    # 重庆产教融合生态区: the side facing 重庆大学城, east of the avenue up to the district edge.
    cjrh_region = inner.intersection(
        box(avenue_x + 300, line1[1] - 2500, avenue_x + 9000, line1[1] + 6000)
    )
    cjrh = grow_to_area((avenue_x + 3000, line1[1] + 1500), cjrh_region, 20.0, square=False)
    # 数字经济产业生态区: north of the 科技创新小镇, west of the avenue, not overlapping it.
    szjj_region = inner.intersection(
        box(avenue_x - 9000, line1[1] + 1000, avenue_x - 300, line1[1] + 12000)
    ).difference(kcxz.buffer(100))
    szjj = grow_to_area((avenue_x - 1800, line1[1] + 5200), szjj_region, 10.0, square=False)
    # 大学城（璧山）创新生态社区: a square block in the 产教融合生态区 nearest 大学城;
    # the first phase is a square in its south-west corner.
    community_region = cjrh.buffer(-200)
    seed = (avenue_x + 2500, line1[1] + 300)
    community = grow_to_area(seed, community_region, 0.3, square=True)
    minx, miny, _, _ = community.bounds
    # 1 m inside the community, so rounding to 6 decimals (~0.1 m) keeps it nested.
    phase1 = grow_to_area(
        (minx + 5, miny + 5), community.buffer(-1.0, join_style="mitre"), 0.1, square=True
    )
    zones = {
        "zone-kcxz": kcxz,
        "zone-szjj": szjj,
        "zone-cjrh": cjrh,
        "zone-community": community,
        "zone-community-phase1": phase1,
    }
    rules = {
        "zone-kcxz": "grown around a point 2.6 km west of 轨道1号线璧山站 within the district, north of 璧城, west of the avenue, to the target area",
        "zone-szjj": "grown north of the 科技创新小镇, west of the avenue, to the target area",
        "zone-cjrh": "grown east of the avenue toward 重庆大学城 (大学城西区), clipped 150 m inside the district edge, to the target area",
        "zone-community": "a square block inside the 产教融合生态区 sized to the target area",
        "zone-community-phase1": "a square in the community's south-west corner sized to the first-phase area",
    }
    features = []
    for zone_id, geom_gk in zones.items():
        kind = "community" if zone_id.startswith("zone-community") else "zone"
        extra = {"part_of": "zone-community"} if zone_id == "zone-community-phase1" else {}
        features.append(feature(zone_props(zone_id, kind, rules[zone_id], extra), ll(geom_gk)))
        print(f"  {zone_id}: {area_km2(ll(geom_gk)):.4f} km²")
    return zones, features


def build_functional_areas(kcxz_gk: Any) -> Features:
    """Partition the 科技创新小镇 into the six functional areas the plan lists (Voronoi of seeds)."""
    c = kcxz_gk.centroid
    minx, miny, maxx, maxy = kcxz_gk.bounds
    w, h = maxx - minx, maxy - miny
    seeds = [
        ("fa-service-centre", "综合服务中心", "Integrated Service Centre", (c.x, c.y)),
        (
            "fa-ip-exchange",
            "知识产权交易中心",
            "Intellectual Property Exchange Centre",
            (c.x + 0.12 * w, c.y - 0.18 * h),
        ),
        (
            "fa-university-research",
            "高校科研区",
            "University Research Area",
            (c.x + 0.3 * w, c.y + 0.2 * h),
        ),
        (
            "fa-enterprise-innovation",
            "企业科创区",
            "Enterprise Innovation Area",
            (c.x - 0.3 * w, c.y + 0.15 * h),
        ),
        (
            "fa-commerce",
            "商业活动配套区",
            "Commercial Activity Support Area",
            (c.x - 0.15 * w, c.y - 0.3 * h),
        ),
        (
            "fa-smart-living",
            "智慧生活配套区",
            "Smart Living Support Area",
            (c.x + 0.05 * w, c.y + 0.35 * h),
        ),
    ]
    points = shapely.MultiPoint([s[3] for s in seeds])
    cells = shapely.voronoi_polygons(points, extend_to=kcxz_gk.buffer(1000))
    features = []
    for fid, zh, en, xy in seeds:
        cell = next(g for g in cells.geoms if g.contains(Point(xy)))
        part = cell.intersection(kcxz_gk)
        props = {
            "id": fid,
            "name_zh": zh,
            "name_en": en,
            "kind": "functional_area",
            "zone_id": "zone-kcxz",
            "source": (
                f"{DOC}: 科技创新小镇布局综合服务中心、知识产权交易中心、高校科研区、企业科创区、"
                "商业活动配套区、智慧生活配套区; the zone divided among them by nearest seed point "
                "(Voronoi), seeds placed by function (示意; the plan gives no positions or areas)"
            ),
            "accuracy": "indicative",
        }
        features.append(feature(props, ll(part)))
    return features


# --- clusters ---------------------------------------------------------------------


def build_clusters(district_gk: Any, avenue: Any, zones: dict[str, Any]) -> Features:
    def along(y_north: float, y_south: float) -> Any:
        strip = box(avenue.bounds[0] - 3000, y_south, avenue.bounds[2] + 3000, y_north)
        return avenue.intersection(strip)

    hsr = key_xy("璧山站(成渝高铁)")
    qinggang, laifeng, dingjia = town_xy("青杠街道"), town_xy("来凤街道"), town_xy("丁家街道")
    kcxz_group = shapely.union_all([z.buffer(400) for z in zones.values()]).convex_hull
    south_edge_kcxz = kcxz_group.bounds[1]
    biquan_group = along(south_edge_kcxz - 300, hsr[1] + 3000).buffer(1800)
    qlf_group = shapely.union_all(
        [
            along(qinggang[1] + 3500, laifeng[1] - 1000).buffer(1800),
            Point(qinggang).buffer(2200),
            Point(laifeng).buffer(2200),
        ]
    )
    dingjia_group = shapely.union_all(
        [Point(dingjia).buffer(2600), LineString([dingjia, avenue.coords[-1]]).buffer(1200)]
    )
    clusters = [
        (
            "cluster-kcxz",
            "科技创新小镇组团",
            "Science and Technology Innovation Town Cluster",
            kcxz_group,
            "the convex hull of the 科技创新小镇, 数字经济产业生态区 and 产教融合生态区 zones widened by 400 m (a 2020 report places all three in this cluster)",
        ),
        (
            "cluster-biquan",
            "璧泉组团",
            "Biquan Cluster",
            biquan_group,
            "the avenue between the 科技创新小镇组团 and 3 km north of the 成渝高铁 璧山站, widened by 1.8 km, around the 璧泉 seat",
        ),
        (
            "cluster-qinggang-laifeng",
            "青杠—来凤组团",
            "Qinggang–Laifeng Cluster",
            qlf_group,
            "the avenue from 3.5 km north of the 青杠 seat to 1 km south of the 来凤 seat widened by 1.8 km, with 2.2 km around each seat",
        ),
        (
            "cluster-dingjia",
            "丁家组团",
            "Dingjia Cluster",
            dingjia_group,
            "2.6 km around the 丁家 seat joined to the avenue's south end by a 2.4 km-wide link",
        ),
    ]
    features = []
    taken = Polygon()  # the four 组团 are distinct: each gives way to those north of it
    for order, (cid, zh, en, geom, rule) in enumerate(clusters, start=1):
        clipped = geom.intersection(district_gk.buffer(-BORDER_MARGIN_M)).difference(taken)
        taken = taken.union(clipped.buffer(1.0, join_style="mitre"))
        props = {
            "id": cid,
            "name_zh": zh,
            "name_en": en,
            "kind": "cluster",
            "order_north_to_south": order,
            "source": f"{DOC}: 四组团即科技创新小镇组团、璧泉组团、青杠—来凤组团、丁家组团; drawn as {rule}, clipped to the district and to the clusters north of it ({REF_COURSE}) (示意)",
            "accuracy": "indicative",
        }
        features.append(feature(props, ll(clipped)))
        print(f"  {cid}: {area_km2(ll(clipped)):.1f} km²")
    return features


# --- points -----------------------------------------------------------------------

CORRIDOR_TOWNS = ("璧城街道", "璧泉街道", "青杠街道", "来凤街道", "丁家街道")


def build_towns() -> Features:
    features = []
    for row in read_csv("bishan_town_seats.csv"):
        name = row["name_zh"]
        point = Point(float(row["lon_wgs84"]), float(row["lat_wgs84"]))
        kind = "street" if name.endswith("街道") else "town"
        props = {
            "id": f"town-{row['name_en'].lower()}",
            "name_zh": name,
            "name_en": f"{row['name_en']} {'Subdistrict' if kind == 'street' else 'Town'}",
            "kind": kind,
            "corridor_town": name in CORRIDOR_TOWNS,
            "point_type": row["point"],
            "source": f"{row['source']}, via {REF_TOWNS.split(' (', maxsplit=1)[0]}; GCJ-02 converted to WGS84"
            + (
                "; corridor town: " + DOC + " 辐射串联璧城、璧泉、青杠、来凤、丁家等镇街"
                if name in CORRIDOR_TOWNS
                else ""
            )
            + (
                "; the source has no seat for this street: a community point stands in (示意)"
                if row["point"].startswith("stand-in")
                else ""
            ),
            "accuracy": "indicative" if row["point"].startswith("stand-in") else "official",
        }
        features.append(feature(props, point))
    return features


def build_platforms(zones: dict[str, Any]) -> Features:
    line1 = key_xy("轨道1号线璧山站")
    qinggang = town_xy("青杠街道")
    gov = key_xy("璧山区政府(区中心)")
    kcxz_c = zones["zone-kcxz"].representative_point()
    platforms = [
        (
            "platform-hitech-institute",
            "重庆高新技术产业研究院",
            "Chongqing High-tech Industry Research Institute",
            "科技成果产业化平台",
            "Technology commercialisation platform",
            (gov[0] + 600, gov[1] + 700),
            "cluster-kcxz",
            "housed in 璧山创业大厦, whose position was not found: placed near the district centre (示意)",
        ),
        (
            "platform-konka-optoelectronics",
            "重庆康佳光电技术研究院",
            "Chongqing Konka Optoelectronic Technology Research Institute",
            "专业技术平台",
            "Specialised technology platform",
            (line1[0] - 1200, line1[1] - 5200),
            "cluster-biquan",
            "position not found: placed indicatively in the 璧泉组团 (示意)",
        ),
        (
            "platform-byd-battery",
            "比亚迪动力电池研究院",
            "BYD Power Battery Research Institute",
            "专业技术平台",
            "Specialised technology platform",
            (qinggang[0] + 800, qinggang[1] + 600),
            "cluster-qinggang-laifeng",
            "position not found: placed beside the 重庆弗迪 battery plant at 青杠街道虎峰大道8号 (示意)",
        ),
        (
            "platform-cqu-advanced-tech",
            "重庆大学璧山先进技术研究院",
            "Chongqing University Bishan Institute for Advanced Technology",
            "政产学研融合平台",
            "Government-industry-university-research platform",
            (kcxz_c.x, kcxz_c.y),
            "zone-kcxz",
            "position not found: placed in the 科技创新小镇 (示意)",
        ),
    ]
    features = []
    for pid, zh, en, kind_zh, kind_en, xy, assigned, where in platforms:
        props = {
            "id": pid,
            "name_zh": zh,
            "name_en": en,
            "kind": "platform",
            "platform_kind_zh": kind_zh,
            "platform_kind_en": kind_en,
            "assigned_to": assigned,
            "source": f"{DOC}: 以{zh}为代表的{kind_zh}; {where}",
            "accuracy": "indicative",
        }
        features.append(feature(props, ll(Point(xy))))
    return features


def main() -> int:
    parser = argparse.ArgumentParser(description="Build the indicative layers into geodata/.")
    parser.add_argument("--out", type=Path, default=GEODATA, help="output folder")
    out_dir = parser.parse_args().out
    district_ll = shape(
        json.loads((GEODATA / "district.geojson").read_text(encoding="utf-8"))["features"][0][
            "geometry"
        ]
    )
    district_gk = gk(district_ll)
    avenue, corridor = build_corridor(district_gk)
    zones, zone_features = build_zones(district_gk, avenue)
    layers = {
        "corridor": corridor,
        "zones": zone_features,
        "functional_areas": build_functional_areas(zones["zone-kcxz"]),
        "clusters": build_clusters(district_gk, avenue, zones),
        "towns": build_towns(),
        "platforms": build_platforms(zones),
    }
    for name, features in layers.items():
        write_layer(out_dir, name, features)
    return 0


if __name__ == "__main__":
    sys.exit(main())
