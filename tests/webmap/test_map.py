"""Map building without a browser: safe text, compact GeoJSON, checks, base maps, the CLI."""

from __future__ import annotations

import html
import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import _unavailable
from map_fixtures import HOSTILE_FIELD, HOSTILE_NAME, HOSTILE_VALUE, enlarged_zones, hostile_zones

from spatial.checks.snapshot import take_snapshot
from spatial.cli import main
from spatial.crs import gk_zone_epsg
from spatial.errors import CRSError, LayerError
from spatial.io.layers import load_plan_layers
from spatial.measure.gcj02 import wgs84_to_gcj02
from spatial.publish.escape import escape_text, script_json
from spatial.webmap import BasemapError, LayerOptions, MapOptions, build_map, render_map
from spatial.webmap.assets import plugins
from spatial.webmap.basemap import display_shift, resolve_basemap
from spatial.webmap.content import popup_html
from spatial.webmap.geojson import feature_collection_json, to_display_crs
from spatial.webmap.layer import styled_layer
from spatial.webmap.legend import legend_html
from spatial.webmap.planfacts import with_area_checks
from spatial.webmap.styles import LayerStyle, LegendEntry, style_for
from spatial.webmap.styles.planner import planner_style

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "`${alert(1)}`",
    "</script><script>alert(1)</script>",
    "\" onmouseover='alert(1)'",
    "<!-- -->",
    "a & b",
]
MAX_OFFLINE_BYTES = 2_000_000


def checked_zones(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Zones with their area check, as the map draws them from a snapshot of the bundled plan."""
    snapshot = take_snapshot({**load_plan_layers(), "zones": zones})
    return with_area_checks(zones, snapshot.zone_checks)


def html_of(layers=None, **options) -> str:
    return build_map(layers, MapOptions(**options)).get_root().render()


def layer_data(layer) -> dict:
    return json.loads(layer.data)


# ---------------------------------------------------------------- safe text


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_has_no_markup_or_template_syntax(text):
    safe = escape_text(text)
    for unsafe in ("<", ">", '"', "'", "`", "${"):
        assert unsafe not in safe
    assert html.unescape(safe) == text  # the text itself survives, as text


@pytest.mark.parametrize("text", HOSTILE)
def test_script_json_cannot_close_the_script_element(text):
    out = script_json({text: text})
    assert "<" not in out and ">" not in out
    assert json.loads(out) == {text: text}


def test_hostile_zone_text_never_reaches_the_page_raw():
    page = html_of({"zones": hostile_zones()}, offline=True)
    for raw in (HOSTILE_NAME, HOSTILE_FIELD, HOSTILE_VALUE, "<script>alert(3)", "${alert(2)}"):
        assert raw not in page
    # The escaped name is there, inside a script-safe JSON string.
    assert escape_text(HOSTILE_NAME).replace("&", "\\u0026") in page


def test_layer_control_names_are_escaped():
    page = html_of(
        {"zones": load_plan_layers()["zones"]},
        offline=True,
        layer_sources={"zones": "<b onclick=x>.geojson"},
    )
    assert "<b onclick" not in page
    assert "\\u0026lt;b onclick=x\\u0026gt;.geojson" in page


def test_legend_escapes_every_label():
    style = LayerStyle(
        name="x",
        title_zh="<i>",
        title_en="`${1}`",
        paths={"k": {"color": '#000"><script>'}},
        classify=lambda row: "k",
        legend=(LegendEntry("k", "polygon", "<b>", "<u>"),),
        z_index=400,
    )
    page = legend_html([(style, {"k"})], [{"label_zh": "<s>", "label_en": "x", "value": 1}])
    for raw in ("<i>", "<b>", "<u>", "<s>", "<script>", "`", "${"):
        assert raw not in page


# ---------------------------------------------------------------- compact GeoJSON


def test_embedded_geojson_has_no_ids_or_bboxes_and_rounded_coordinates():
    zones = load_plan_layers()["zones"]
    data = layer_data(styled_layer(zones, style_for("zones")))
    assert len(data["features"]) == len(zones)
    for feature in data["features"]:
        assert set(feature) == {"type", "geometry", "properties"}
        assert set(feature["properties"]) == {"s", "t", "p", "l"}  # every zone labelled
    numbers = re.findall(r"-?\d+\.\d+", json.dumps([f["geometry"] for f in data["features"]]))
    assert max(len(n.split(".")[1]) for n in numbers) == 4  # indicative: 4 places (~11 m)


def test_official_district_keeps_five_decimals():
    district = load_plan_layers()["district"]
    text = styled_layer(district, style_for("district")).data
    decimals = {len(n.split(".")[1]) for n in re.findall(r"\d+\.\d+", text)}
    assert max(decimals) == 5


def test_simplify_in_metres_drops_vertices_but_keeps_the_outline():
    district = load_plan_layers()["district"]
    full = to_display_crs(district)
    simple = to_display_crs(district, simplify_m=100)
    assert (
        shapely.get_num_coordinates(simple.values).sum()
        < 0.5 * shapely.get_num_coordinates(full.values).sum()
    )
    # Hausdorff distance in metres (Gauss-Krüger) stays within the tolerance.
    a, b = full.to_crs(4544).iloc[0], simple.to_crs(4544).iloc[0]
    assert shapely.hausdorff_distance(a, b) <= 100.0 + 1e-6


def test_naive_layer_is_refused():
    naive = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(106.2, 29.6)])
    with pytest.raises(Exception, match="no CRS"):
        to_display_crs(naive)


def test_feature_collection_drops_nothing_else():
    gs = gpd.GeoSeries([shapely.Point(106.123456, 29.654321)], crs=4326)
    out = json.loads(feature_collection_json(gs, [{"s": "a"}], 3))
    assert out["features"][0]["geometry"]["coordinates"] == [106.123, 29.654]


def test_large_layer_goes_to_canvas_without_popups():
    points = gpd.GeoDataFrame(
        {"id": [f"p{i}" for i in range(30)], "name_zh": ["地块"] * 30},
        geometry=gpd.points_from_xy(np.linspace(106.1, 106.3, 30), np.full(30, 29.6)),
        crs=4326,
    )
    small = styled_layer(points, style_for("parcels"))
    large = styled_layer(
        points, style_for("parcels"), LayerOptions(detail_limit=10, canvas_from=10)
    )
    assert not small.canvas and "p" in layer_data(small)["features"][0]["properties"]
    assert large.canvas and set(layer_data(large)["features"][0]["properties"]) == {"s", "t"}
    layer_options = LayerOptions(canvas_from=10)
    assert "L.canvas(" in html_of({"parcels": points}, offline=True, layer=layer_options)
    assert "L.canvas(" not in html_of({"parcels": points}, offline=True)


# ---------------------------------------------------------------- area-check colours


def test_enlarged_zone_fails_and_is_drawn_red():
    checked = checked_zones(enlarged_zones()).set_index("id")
    assert checked.loc["zone-szjj", "status"] == "FAIL"
    assert checked.loc["zone-szjj", "diff_pct"] == pytest.approx(10.0, abs=0.05)
    assert (checked.drop(index="zone-szjj")["status"] == "PASS").all()
    layer = styled_layer(checked_zones(enlarged_zones()), style_for("zones"))
    classes = [f["properties"]["s"] for f in layer_data(layer)["features"]]
    assert classes == ["PASS", "FAIL", "PASS", "PASS", "PASS"]
    assert style_for("zones").paths["FAIL"]["fillColor"] == "#d73027"


def test_zone_without_target_is_grey():
    zones = load_plan_layers()["zones"].copy()
    zones.loc[0, "id"] = "zone-new"
    checked = checked_zones(zones).set_index("id")
    assert checked.loc["zone-new", "status"] == "NO TARGET"


def test_zone_popup_reports_measured_and_target_area():
    layer = styled_layer(checked_zones(load_plan_layers()["zones"]), style_for("zones"))
    popup = layer_data(layer)["features"][2]["properties"]["p"]  # zone-cjrh, 20 km²
    assert "实测面积 Measured area</th><td>19.9998 km²" in popup  # 4 decimals, as check: not 20.000
    assert "规划目标 Target area</th><td>20 km²" in popup  # as the plan gives it


# ---------------------------------------------------------------- base maps


def test_amap_shifts_overlays_for_display_only():
    towns = load_plan_layers()["towns"]
    before = towns.geometry.copy()
    html_of({"towns": towns}, basemap="amap")
    assert towns.geometry.equals(before)  # the analysis layer is untouched
    layer = styled_layer(towns, style_for("towns"), display=display_shift(resolve_basemap("amap")))
    x, y = layer_data(layer)["features"][0]["geometry"]["coordinates"]
    lon, lat = wgs84_to_gcj02(before.x.iloc[0], before.y.iloc[0])
    assert (x, y) == pytest.approx((float(lon), float(lat)), abs=1e-5)


def test_amap_map_says_overlays_are_gcj02():
    page = html_of(basemap="amap")
    assert "叠加图层已转换为GCJ-02以对齐高德底图" in page
    assert "overlays shifted to GCJ-02 to line up with AMap tiles" in page


def test_tianditu_without_key_is_one_line_exit_2(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    out = tmp_path / "m.html"
    assert main(["map", "--basemap", "tianditu", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "TIANDITU_KEY" in err
    assert not out.exists()


def test_tianditu_key_is_put_in_the_tile_url():
    page = html_of(basemap="tianditu", tianditu_key="k&y")
    assert "tk=k%26y" in page and "tianditu.gov.cn/vec_w" in page and "cva_w" in page


def test_offline_refuses_network_tiles_without_a_folder():
    with pytest.raises(BasemapError, match="offline"):
        build_map(options=MapOptions(offline=True, basemap="osm"))


def test_unknown_basemap_lists_the_choices():
    with pytest.raises(BasemapError, match="osm, amap, tianditu, none"):
        build_map(options=MapOptions(basemap="google"))


# ---------------------------------------------------------------- whole maps and CLI


def test_default_offline_map_is_self_contained_and_small(tmp_path):
    path = render_map(tmp_path / "m.html", options=MapOptions(offline=True))
    page = path.read_text(encoding="utf-8")
    assert path.stat().st_size < MAX_OFFLINE_BYTES
    assert "<script src=" not in page and "<link " not in page
    for plugin in plugins():  # vendored code reaches the page byte for byte, with its licence
        inlined = f"{plugin.banner}\n{plugin.script.read_text(encoding='utf-8')}" in page
        assert inlined == (plugin.maps == "all"), plugin.name  # the swipe: compare map only
    assert not re.search(r"url\((?!['\"]?(?:data:|#default))", page)  # CSS pulls nothing in
    assert "{z}" not in page  # no tile layer at all
    # The only addresses left are names, not requests: Leaflet's attribution link,
    # comments in its code and in the fullscreen plugin's (its licence banner), and
    # the SVG namespace.
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls <= {
        "https://leafletjs.com",
        "https://bugzilla.mozilla.org/show_bug.cgi?id=888319",
        "https://github.com/brunob/leaflet.fullscreen",
        "https://caniuse.com/mdn-css_selectors_fullscreen",
        "http://www.w3.org/2000/svg",
    }


def test_cli_writes_the_map_and_prints_the_area_check(tmp_path, capsys):
    out = tmp_path / "maps" / "bishan.html"
    assert main(["map", "--offline", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert out.exists() and f"wrote {out}" in printed
    assert "zone-kcxz" in printed and "PASS" in printed


def test_cli_maps_a_planner_layer_as_parcels(tmp_path):
    parcels = tmp_path / "p.geojson"
    gpd.GeoDataFrame(
        {"id": ["a"], "name_zh": ["地块A"]},
        geometry=[shapely.box(106.2, 29.6, 106.201, 29.601)],
        crs=4326,
    ).to_file(parcels)
    out = tmp_path / "m.html"
    assert main(["map", "--offline", "--layer", f"parcels={parcels}", "--out", str(out)]) == 0
    assert "地块A" in out.read_text(encoding="utf-8")


def test_cli_bad_layer_is_exit_2(tmp_path, capsys):
    assert main(["map", "--zones", str(tmp_path / "missing.geojson")]) == 2
    assert "missing.geojson" in capsys.readouterr().err


def test_missing_chromium_fails_in_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        _unavailable("no Chromium found")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no Chromium found"):
        _unavailable("no Chromium found")


# ---------------------------------------------------------------- planner layers are validated


def _bowtie_layer(path):
    bowtie = shapely.Polygon([(106.2, 29.5), (106.3, 29.6), (106.3, 29.5), (106.2, 29.6)])
    gpd.GeoDataFrame({"id": ["bow"]}, geometry=[bowtie], crs=4326).to_file(path)
    return path


def _swapped_zones(path):
    zones = load_plan_layers()["zones"]
    zones = zones.set_geometry(shapely.transform(zones.geometry.values, lambda xy: xy[:, ::-1]))
    zones.to_file(path)
    return path


def _metres_as_degrees(path):
    gk = load_plan_layers()["zones"].to_crs(4544)
    gk.set_crs(4326, allow_override=True).to_file(path)
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (_swapped_zones, "feature zone-kcxz: latitude and longitude appear swapped"),
        (_metres_as_degrees, "feature zone-kcxz:"),
        (_bowtie_layer, "feature bow: invalid geometry: Self-intersection"),
    ],
)
@pytest.mark.parametrize("flag", ["--zones", "--layer"])
def test_cli_validates_every_planner_layer(tmp_path, capsys, make, expected, flag):
    path = make(tmp_path / "bad.geojson")
    out = tmp_path / "m.html"
    arg = str(path) if flag == "--zones" else f"bad={path}"
    assert main(["map", "--offline", flag, arg, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}: {expected}" in err
    assert "np.float64" not in err and "Traceback" not in err
    assert not out.exists()


def test_cli_refuses_a_layer_named_like_a_plan_layer(tmp_path, capsys):
    path = _bowtie_layer(tmp_path / "z.geojson")
    out = str(tmp_path / "m.html")
    assert main(["map", "--offline", "--layer", f"zones={path}", "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "use --zones" in err


def test_gk_zone_message_formats_the_longitude_plainly():
    with pytest.raises(CRSError, match=r"^longitude 29\.625600 is outside"):
        gk_zone_epsg(np.float64(29.6256))


# ---------------------------------------------------------------- area check and exit status


def test_zone_without_target_still_shows_its_measured_area():
    zones = load_plan_layers()["zones"].copy()
    zones.loc[zones["id"] == "zone-community-phase1", "id"] = "zone-mine"
    layer = styled_layer(checked_zones(zones), style_for("zones"))
    popups = {
        " ".join(html.unescape(re.sub("<[^>]+>", " ", f["properties"]["p"])).split())
        for f in layer_data(layer)["features"]
    }
    mine = next(p for p in popups if "zone-mine" in p)
    assert "Measured area 0.1000 km² (10.00 公顷 ha)" in mine  # km² as check prints it
    assert "Target area" not in mine and "—" not in mine
    cjrh = next(p for p in popups if "zone-cjrh" in p)
    assert "Target area 20 km²" in cjrh  # the plan's figure, as it gives it


def test_cli_lists_every_zone_and_targets_without_a_feature(tmp_path, capsys):
    zones = load_plan_layers()["zones"].copy()
    zones.loc[zones["id"] == "zone-szjj", ["id", "name_zh"]] = ["zone-mine", "我的分区"]
    path = tmp_path / "mine.geojson"
    zones.to_file(path)
    code = main(["map", "--offline", "--zones", str(path), "--out", str(tmp_path / "m.html")])
    printed = capsys.readouterr().out
    row = next(line for line in printed.splitlines() if line.startswith("zone-mine "))
    assert "10.0004" in row and "NO TARGET" in row
    assert "zone-szjj: no feature with this id in the zones layer" in printed
    assert code == 1 and (tmp_path / "m.html").exists()


def test_cli_finds_a_target_by_name_when_the_file_has_other_ids(tmp_path, capsys):
    zones = load_plan_layers()["zones"].copy()
    zones.loc[zones["id"] == "zone-szjj", "id"] = "Z-02"  # the planner's id, the plan's name
    path = tmp_path / "mine.geojson"
    zones.to_file(path)
    code = main(["map", "--offline", "--zones", str(path), "--out", str(tmp_path / "m.html")])
    captured = capsys.readouterr()
    assert "target zone-szjj (西部（国际）数字经济产业生态区) matched by name: feature Z-02" in (
        captured.err
    )
    row = next(line for line in captured.out.splitlines() if line.startswith("zone-szjj "))
    assert "PASS" in row and code == 0


def test_cli_exit_1_when_a_zone_fails_but_the_map_is_written(tmp_path, capsys):
    path = tmp_path / "enlarged.geojson"
    enlarged_zones().to_file(path)
    out = tmp_path / "m.html"
    assert main(["map", "--offline", "--zones", str(path), "--out", str(out)]) == 1
    assert out.exists() and "FAIL" in capsys.readouterr().out


def test_cli_help_states_the_exit_status(capsys):
    with pytest.raises(SystemExit):
        main(["map", "--help"])
    assert "1 map written but something fails" in " ".join(capsys.readouterr().out.split())


# ---------------------------------------------------------------- curated popups


def _popup_texts(name: str, gdf=None) -> dict[str, str]:
    gdf = load_plan_layers()[name] if gdf is None else gdf
    layer = styled_layer(checked_zones(gdf) if name == "zones" else gdf, style_for(name))
    # features are drawn polygons first, then lines, then points: find each one's id in its popup
    popups = [f["properties"]["p"] for f in layer_data(layer)["features"]]
    return {i: next(p for p in popups if f"编号 ID</th><td>{i}</td>" in p) for i in gdf["id"]}


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("towns", ["corridor_town", "point_type", "<th>kind"]),
        ("platforms", ["platform_kind_zh", "platform_kind_en", "assigned_to", "<th>kind"]),
        ("clusters", ["order_north_to_south", "<th>kind"]),
        ("zones", ["part_of", "measured_km2", "status", "<th>kind"]),
        ("corridor", ["half_width_m", "length_km", "direction", "<th>kind"]),
        ("district", ["adcode", "<th>kind"]),
        ("functional_areas", ["zone_id", "<th>kind"]),
    ],
)
def test_plan_popups_show_no_raw_internal_fields(name, raw):
    popups = _popup_texts(name)
    assert len(popups) == len(load_plan_layers()[name]) > 0  # one popup per feature
    for feature_id, popup in popups.items():
        assert f"编号 ID</th><td>{feature_id}</td>" in popup  # a real popup, of that feature
        for field in raw:
            assert field not in popup
        assert "其他属性" not in popup


def test_town_and_cluster_popups_translate_their_fields():
    towns = load_plan_layers()["towns"]
    corridor_id = towns.loc[towns["corridor_town"] == True, "id"].iloc[0]  # noqa: E712
    assert "走廊沿线镇街 Corridor town</th><td>是 yes" in _popup_texts("towns")[corridor_id]
    clusters = _popup_texts("clusters")
    assert "自北向南 Order north to south</th><td>1 / 4" in clusters["cluster-kcxz"]


def test_planner_fields_show_under_other_properties():
    zones = load_plan_layers()["zones"].copy()
    zones["owner"] = "规划院"
    popup = _popup_texts("zones", zones)["zone-kcxz"]
    assert "其他属性 Other properties</th></tr><tr><th>owner</th><td>规划院" in popup
    parcels = gpd.GeoDataFrame(
        {"id": ["a"], "kind": ["residential"]},
        geometry=[shapely.box(106.2, 29.6, 106.201, 29.601)],
        crs=4326,
    )
    parcel = layer_data(styled_layer(parcels, style_for("parcels")))["features"][0]
    assert "<th>kind</th><td>residential" in parcel["properties"]["p"]


def test_osm_basemap_is_not_named_twice():
    assert resolve_basemap("osm").label == "底图 OpenStreetMap basemap"


# ---------------------------------------------------------------- labels


def test_every_zone_carries_a_permanent_escaped_label():
    zones = hostile_zones()
    layer = styled_layer(checked_zones(zones), style_for("zones"))
    features = layer_data(layer)["features"]
    labelled = [zones["id"].iloc[i] for i, f in enumerate(features) if f["properties"].get("l")]
    assert labelled == list(zones["id"])  # the 0.3 and 0.1 km² community zones too
    assert HOSTILE_NAME not in features[0]["properties"]["t"]
    assert escape_text(HOSTILE_NAME) in features[0]["properties"]["t"]
    assert json.loads(layer.label_options) == {
        "permanent": True,
        "direction": "center",
        "className": "sp-label sp-label-zones",
    }
    page = html_of()
    assert page.count("f.properties.l ?") == 2  # zones and towns label their features
    assert re.search(r'labelZoom\(map_\w+, "zones",\s+11\.5, 99\)', page)


def test_build_map_refuses_swapped_zones_before_measuring(tmp_path):
    swapped = gpd.read_file(_swapped_zones(tmp_path / "s.geojson"))
    with pytest.raises(LayerError, match=r"^zones: feature zone-kcxz: latitude and"):
        build_map({"zones": swapped}, MapOptions(offline=True))


def test_popup_of_a_planner_feature_has_no_empty_accuracy_or_source_rows():
    row = pd.Series({"用地性质": "R2", "地块编号": "A-01"})
    html = popup_html(row, planner_style("地块", 0, gpd.GeoDataFrame(geometry=[], crs=4326)))
    assert "精度" not in html and "来源" not in html and "编号 ID" not in html
    assert "<th>用地性质</th><td>R2</td>" in html
