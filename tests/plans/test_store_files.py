"""--db pointing at the wrong thing: no file created, no traceback, a message that says what to pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from livelift.cli import main
from livelift.errors import InputError
from livelift.plans import Store, init_store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("name", ["nothere.db", "::::"])
def test_commands_that_need_a_store_do_not_create_one(tmp_path, name):
    db = tmp_path / name
    with pytest.raises(InputError, match="no plan store here yet"):
        Store.open(str(db))
    for args in (("plan", "next", "--db", str(db)),
                 ("plan", "show", "--db", str(db), "--creator", "cr000001"),
                 ("plan", "record", str(EXAMPLES / "history.csv"), "--db", str(db))):
        r = _run(*args)
        assert r.exit_code == 1 and "no plan store here yet" in r.output, r.output
        assert not db.exists(), f"{args[1]} created {db}"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["csv", "binary"])
def test_a_file_that_is_not_a_store_is_named_not_a_traceback(tmp_path, kind):
    db = tmp_path / "notastore.db"
    if kind == "csv":
        db.write_bytes((EXAMPLES / "history.csv").read_bytes())
    else:
        db.write_bytes(bytes(range(256)) * 20)
    before = db.read_bytes()
    with pytest.raises(InputError, match="not a livelift plan store") as err:
        Store.open(str(db))
    assert err.value.loc == "--db" and "HISTORY" in err.value.expected
    for args in (("plan", "next", "--db", str(db)),
                 ("plan", "show", "--db", str(db), "--creator", "cr000001"),
                 ("plan", "record", str(EXAMPLES / "history.csv"), "--db", str(db)),
                 ("plan", "init", str(EXAMPLES / "history.csv"), "--db", str(db))):
        r = _run(*args)
        assert r.exit_code == 1 and "not a livelift plan store" in r.output, r.output
        assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert db.read_bytes() == before


def test_init_still_creates_the_store(tmp_path, history, recommender):
    db = tmp_path / "new.db"
    init_store(str(db), history, recommender)[0].dispose()
    assert db.exists()
    Store.open(str(db)).dispose()
