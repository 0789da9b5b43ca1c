"""One call for the whole check: targets and rules on the plan's (or a planner's) layers."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

import geopandas as gpd
import pandas as pd

from spatial.checked.report import TARGET_COLUMNS, CheckReport
from spatial.checks.constraints import CONSTRAINT_KINDS, conflict_pieces, shared_cuts
from spatial.checks.prepare import LonLatLayers, prepare_layers
from spatial.checks.rules import _check_prepared_rules
from spatial.checks.targets import check_targets, match_by_name
from spatial.crs import WGS84
from spatial.io.layers import load_plan_layers
from spatial.plan import Rule, Target, load_rules, load_targets

__all__ = ["bundled_plan_note", "holds_plan_features", "run_checks"]


def run_checks(
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    *,
    targets: Iterable[Target] | None = None,
    rules: Iterable[Rule] | None = None,
    repair: bool = False,
    sources: Mapping[str, str] | None = None,
    class_field: str | None = None,
    validated: Collection[str] = (),
    conflicts: bool = True,
) -> CheckReport:
    """Check layers against the plan's targets and rules (the bundled plan by default).

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame, optional
        Layers by name; the bundled ones when None. Pass the bundled layers
        with one replaced (``{**load_plan_layers(), "zones": mine}``) to check
        a planner's own layer against the same targets and rules.
    targets, rules : optional
        Defaults: ``seeds/plan.toml`` targets and ``seeds/rules.toml`` rules.
    repair : bool
        Repair invalid geometries instead of refusing them.
    sources : mapping of str to str, optional
        Files to name in error messages, by layer name (a planner's ``--zones``
        file, say); each layer is validated once, in :func:`prepare_layers`.
    class_field : str, optional
        Land-use class field of the layers checked by constraint rules
        (``must_not_occupy``, ``must_lie_within``), copied to their conflict pieces.
    validated : collection of str, optional
        Layers already through the full validator as given (see :func:`prepare_layers`).
    conflicts : bool
        Make the constraint rules' conflict pieces. False when nothing reads
        them (a table of rows, a workbook: the targets and rules only): the
        rule rows are the same, each cut against the whole land, and the land
        per class of the constraint, which only the pieces are split by, is
        never made; ``conflicts`` is None then.

    Returns
    -------
    CheckReport
        With ``targets`` and ``rules`` tables; ``passed`` is True when all pass.
        With constraint rules, ``conflicts`` holds their conflict pieces (see
        :func:`spatial.checks.constraints.conflict_pieces`), None otherwise
        (and with ``conflicts`` False).
    """
    layers = load_plan_layers() if layers is None else dict(layers)
    targets = load_targets() if targets is None else tuple(targets)
    rules = load_rules() if rules is None else tuple(rules)
    constraint_layers = {r.params["constraint_layer"] for r in rules if r.kind in CONSTRAINT_KINDS}
    prepared = prepare_layers(
        layers, repair=repair, sources=sources, validated=validated, polygons=constraint_layers
    )
    own = prepared.own
    matches: list[str] = []
    for layer_name in dict.fromkeys(t.layer for t in targets):  # before the rules see the ids
        if layer_name in own:
            source = (sources or {}).get(layer_name, layer_name)
            own[layer_name], said = match_by_name(own[layer_name], targets, source)
            matches += said
    lonlat = LonLatLayers(own)  # a layer moved to lon/lat only when read: a CSV draws none
    tables = []
    for layer_name in dict.fromkeys(t.layer for t in targets):
        wanted = [t for t in targets if t.layer == layer_name]
        if layer_name not in lonlat:
            empty = gpd.GeoDataFrame({"id": []}, geometry=[], crs=WGS84)
            table = check_targets(empty, wanted).assign(reason=f"layer {layer_name} not given")
        else:
            table = check_targets(lonlat[layer_name], wanted)  # areas of record: any frame
        tables.append(table)
    target_table = (
        pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=TARGET_COLUMNS)
    )
    pieces = None
    with shared_cuts():  # a constraint rule's land cut once, for its pieces and its rows
        if conflicts and any(rule.kind in CONSTRAINT_KINDS for rule in rules):
            pieces = conflict_pieces(own, rules, class_field)
        rule_table = _check_prepared_rules(own, rules, lonlat)
    return CheckReport(target_table, rule_table, prepared.repairs, pieces, matches, lonlat)


def holds_plan_features(
    layer: pd.DataFrame,
    plan_layer: pd.DataFrame,
    targets: Iterable[Target] = (),
    id_field: str = "id",
) -> bool:
    """Whether ``layer`` holds a feature of ``plan_layer``: the test of whether a plan judges it.

    A plan's targets and rules are written for its own layers: they judge a
    planner's version of one (a revised zones file) but not another layer
    standing in for it (land-use parcels read as the zones). A version holds
    one of the plan layer's features when a feature carries one of its ids
    (in ``id_field``), or, as :func:`spatial.checks.targets.match_by_name`
    matches them, exactly one feature carries the ``name_zh`` of one of the
    ``targets``.

    Parameters
    ----------
    layer : DataFrame
        The planner's layer (a GeoDataFrame; only ``id_field`` and ``name_zh`` are read).
    plan_layer : DataFrame
        The plan's own layer of that role, ids in ``id``.
    targets : iterable of Target
        The plan's targets on that layer (their ``name_zh``).
    id_field : str
        The field holding ``layer``'s ids.

    Examples
    --------
    >>> from spatial.io.layers import load_plan_layers
    >>> from spatial.plan import load_targets
    >>> zones = load_plan_layers()["zones"]
    >>> mine = pd.DataFrame({"BSM": ["A1", "zone-kcxz"]})
    >>> holds_plan_features(mine, zones, load_targets(), "BSM")
    True
    >>> parcels = pd.DataFrame({"BSM": ["A1"], "name_zh": ["水田"]})
    >>> holds_plan_features(parcels, zones, load_targets(), "BSM")
    False
    """
    if id_field in layer.columns:
        ids = set(plan_layer["id"].dropna().astype(str)) if "id" in plan_layer else set()
        if layer[id_field].dropna().astype(str).isin(ids).any():
            return True
    names = {t.name_zh for t in targets}
    if not names or "name_zh" not in layer.columns:
        return False
    named = layer["name_zh"]
    counts = named[named.isin(names)].value_counts()
    return bool((counts == 1).any())


def _unheld(files: Sequence[str], role: str) -> str:
    """Say that none of ``files`` holds a feature of the bundled ``role`` layer."""
    if len(files) == 1:
        return f"{files[0]} holds no feature of its {role}"
    return f"neither {' nor '.join(files)} holds a feature of its {role}"


def bundled_plan_note(
    theirs: Mapping[str, Sequence[pd.DataFrame]],
    files: Mapping[str, Sequence[str]],
    judging: tuple[Sequence[Target], Sequence[Rule]],
    id_field: str = "id",
) -> str | None:
    """Return why the bundled plan does not judge a planner's layers (one line), or None.

    The one rule, and the one message, of ``check``, ``map``, ``report``, ``diff``
    and :func:`spatial.build_map`: the bundled plan (Bishan) is an example and
    judges a planner's layer standing for one of its own (``zones``) only when
    one of its versions holds a feature of that layer (:func:`holds_plan_features`:
    a revised copy of the bundled zones, by id or by a target's name).

    Parameters
    ----------
    theirs : mapping of str to sequence of DataFrame
        By bundled layer name (role), the planner's versions of it (``diff``'s OLD
        and NEW; one elsewhere), ids in ``id_field``.
    files : mapping of str to sequence of str
        By role, the files those versions were read from, as messages name them.
    judging : tuple of (targets, rules)
        The bundled plan's targets and rules.
    id_field : str
        The field holding the versions' ids.

    Returns
    -------
    str or None
        None when every role is held (or nothing would run); else the line to say.

    Examples
    --------
    >>> mine, bishan = pd.DataFrame({"id": ["A", "B1"]}), ((), load_rules())
    >>> note = bundled_plan_note({"zones": [mine]}, {"zones": ["z.gpkg"]}, bishan)
    >>> note.split(", and ")[1].split(":")[0]
    'z.gpkg holds no feature of its zones'
    >>> note = bundled_plan_note({"zones": [mine, mine]}, {"zones": ["v1.gpkg", "v2.gpkg"]}, bishan)
    >>> note.split(", and ")[1].split(":")[0]
    'neither v1.gpkg nor v2.gpkg holds a feature of its zones'
    >>> revised = load_plan_layers()["zones"]
    >>> bundled_plan_note({"zones": [mine, revised]}, {}, bishan) is None
    True
    """
    from spatial.io.bundled import LAYER_NAMES  # noqa: PLC0415
    from spatial.io.layers import bundled_layer_path, read_layer  # noqa: PLC0415

    targets, rules = judging
    if not (targets or rules):
        return None
    unheld = []
    for role, versions in theirs.items():
        mine = [t for t in targets if t.layer == role]
        own = read_layer(bundled_layer_path(role)) if role in LAYER_NAMES else None
        if own is None or not any(holds_plan_features(v, own, mine, id_field) for v in versions):
            unheld.append(_unheld(list(files.get(role, (role,))), role))
    if not unheld:
        return None
    return (
        f"the bundled plan (Bishan) judges only its own layers, and {'; '.join(unheld)}: "
        f"its {len(targets)} targets and {len(rules)} rules were not run (give your plan "
        "with --plan FILE or --rules FILE, or write a project with 'spatial init')"
    )
