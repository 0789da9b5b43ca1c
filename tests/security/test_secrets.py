"""A PostGIS password is never shown (issue 23, "What to build" 5).

The URL is parsed once (:func:`spatial.io.postgis.postgis_table`); every
malformed part is one line, exit 2, and no message on any path (a bad port, an
unclosed IPv6 bracket, a table named twice, no table, an unreachable server, an
unknown ``LAYER=`` key, a database that is not PostgreSQL) shows the password
or a piece of it, whichever of ``/``, ``#``, ``@``, ``%``, ``?`` or ``:`` it holds.
Most cases need no server; the ``wrote`` lines of a real write use the test
server (``tests/postgis_server.py``).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from spatial.cli import main
from spatial.errors import LayerError
from spatial.io.layers import bundled_layer_path
from spatial.io.postgis import database_label, postgis_table

#: The two halves of every password: distinctive, so neither can appear by chance.
LEFT, RIGHT = "Kq7Zr", "Wm9Tx"
SEPARATORS = ["/", "#", "@", "%", "%2F", "/#@%?:"]
PASSWORDS = [f"{LEFT}{sep}{RIGHT}" for sep in SEPARATORS]
ZONES = str(bundled_layer_path("zones"))


def _url(password: str, rest: str = "127.0.0.1:9/plan?table=zones") -> str:
    return f"postgresql://planner:{password}@{rest}"


def _no_secret(text: str) -> None:
    assert LEFT not in text and RIGHT not in text, text


def _one_line_exit_2(status: int, err: str) -> None:
    assert status == 2, err
    assert err.count("\n") == 1 and "internal error" not in err and "Traceback" not in err, err
    _no_secret(err)


@pytest.mark.parametrize("password", PASSWORDS)
def test_the_password_is_taken_whole_and_the_host_and_database_kept(password: str) -> None:
    table = postgis_table(_url(password, "[::1]:5433/plan?table=zones&sslmode=disable"))
    expected = password if "%2F" not in password else password.replace("%2F", "/")
    assert table.password == expected
    assert (table.user, table.host, table.port, table.database) == ("planner", "::1", 5433, "plan")
    assert table.options == (("sslmode", "disable"),)
    assert table.label == "postgresql://planner@[::1]:5433/plan?table=zones"
    _no_secret(repr(table))
    _no_secret(table.label)
    # the driver's URL holds the password, escaped, and SQLAlchemy reads it back whole
    import sqlalchemy  # noqa: PLC0415

    assert sqlalchemy.engine.make_url(table.url).password == expected


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize(
    ("rest", "words"),
    [
        ("127.0.0.1:abc/plan?table=zones", "port 'abc'"),
        ("127.0.0.1:70000/plan?table=zones", "port '70000'"),
        ("[::1:5432/plan?table=zones", "no closing ']'"),
        ("127.0.0.1:5432/plan", "name the table"),
        ("127.0.0.1:5432/plan?table=a&table=b", "table= is given twice"),
    ],
)
def test_a_malformed_layer_url_is_one_line_without_the_password(
    password: str, rest: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["validate", _url(password, rest)])
    err = capsys.readouterr().err
    assert status == 2, err
    assert words in err, err
    _no_secret(err)
    with pytest.raises(LayerError) as refused:
        postgis_table(_url(password, rest))
    _no_secret(str(refused.value))


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize(
    "call",
    [
        ["check", "--db", "URL", "--table", "other"],  # the URL names zones: twice
        ["check", "--out", "BAD_PORT"],
        ["check", "--db", "BAD_PORT", "--table", "t"],
        ["overlay", ZONES, "--op", "overlaps", "--db", "URL", "--table", "other"],
        ["check", "--db", "MYSQL"],
        ["check", "--zones", "URL", "--crs", "nothere=EPSG:4544"],
    ],
)
def test_every_call_error_is_one_line_without_the_password(
    password: str, call: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    urls = {
        "URL": _url(password),
        "BAD_PORT": _url(password, "127.0.0.1:abc/plan?table=zones"),
        "MYSQL": f"mysql://planner:{password}@127.0.0.1/plan",
    }
    status = main([urls.get(word, word) for word in call])
    _one_line_exit_2(status, capsys.readouterr().err)


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize(
    "call",
    [
        ["validate", "URL"],
        ["check", "--zones", "URL"],
        ["overlay", "URL", ZONES, "--op", "intersection"],
        ["check", "--out", "URL"],
        ["map", "--zones", "URL", "--out", "OUT"],
    ],
)
def test_an_unreachable_server_is_one_line_without_the_password(
    password: str, call: list[str], tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    words = {"URL": _url(password), "OUT": str(tmp_path / "m.html")}
    status = main([words.get(word, word) for word in call])
    out, err = capsys.readouterr()
    assert status == 2, err
    assert "internal error" not in err and "Traceback" not in err, err
    _no_secret(out + err)


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_label_never_shows_the_password_even_for_a_url_it_cannot_parse(password: str) -> None:
    for url in (
        _url(password),
        _url(password, "[::1/plan?table=t"),
        _url(password, "h:abc/p?table=t"),
        f"mysql://planner:{password}@host/db",
        _url(quote(password, safe="")),
    ):
        _no_secret(database_label(url))


def test_writing_to_a_real_server_names_the_tables_without_the_password(
    postgis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # the test server trusts every login, so any password connects; it must not be shown
    secret = f"{LEFT}/#@%{RIGHT}"
    url = postgis_url.replace("planner@", f"planner:{quote(secret, safe='')}@", 1)
    assert url != postgis_url
    status = main(["check", "--db", url, "--table", "secret_check"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "wrote postgresql://planner@127.0.0.1" in err
    _no_secret(out + err)
    status = main(["validate", f"{url}?table=nothere"])
    out, err = capsys.readouterr()
    assert status == 2 and "no table public.nothere" in err, err
    _no_secret(out + err)


def test_a_problem_in_a_postgis_layer_names_it_without_the_password(
    postgis_url: str, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Validation problems, repairs and refusals name the table by its label (all commands)."""
    import geopandas as gpd  # noqa: PLC0415
    import sqlalchemy  # noqa: PLC0415
    from shapely.geometry import Polygon  # noqa: PLC0415

    bowtie = Polygon([(106.2, 29.6), (106.21, 29.61), (106.21, 29.6), (106.2, 29.61)])
    zones = gpd.GeoDataFrame({"id": ["zone-kcxz"]}, geometry=[bowtie], crs=4326)
    square = zones.set_geometry([bowtie.convex_hull], crs=4326)
    engine = sqlalchemy.create_engine(postgis_table(postgis_url, "bowtie").url)
    with engine.begin() as connection:
        zones.to_postgis("bowtie", connection, if_exists="replace", index=False)
        square.to_postgis("square", connection, if_exists="replace", index=False)
    engine.dispose()
    secret = f"{LEFT}/#@%{RIGHT}"
    url = postgis_url.replace("planner@", f"planner:{quote(secret, safe='')}@", 1)
    for call in (
        ["check", "--zones", f"{url}?table=bowtie"],
        ["check", "--zones", f"{url}?table=bowtie", "--repair", "--format", "json"],
        ["overlay", f"{url}?table=bowtie", "--op", "matrix"],
        ["validate", f"{url}?table=bowtie"],
        ["diff", f"{url}?table=bowtie", f"{url}?table=bowtie", "--no-checks"],
        ["balance", f"{url}?table=bowtie"],
        ["map", "--zones", f"{url}?table=bowtie", "--out", str(tmp_path / "m.html")],
        ["report", "--zones", f"{url}?table=bowtie", "--out", str(tmp_path / "r.html")],
    ):
        status = main(call)
        out, err = capsys.readouterr()
        assert status in (1, 2), err
        assert "table=bowtie" in out + err, (call, out, err)
        _no_secret(out + err)
    # the compare map names both versions on the page: without the password
    page = tmp_path / "compare.html"
    old = f"{url}?table=square"
    status = main(["diff", old, old, "--no-checks", "--map", str(page)])
    out, err = capsys.readouterr()
    assert status == 0, (status, err)
    text = page.read_text(encoding="utf-8")
    assert "table=square" in text  # the page names both versions
    _no_secret(out + err + text)
