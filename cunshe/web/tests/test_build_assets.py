"""scripts/build_assets.py copies only what the pages load, and says what to do without npm."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "build_assets.py"


def _load():
    spec = importlib.util.spec_from_file_location("build_assets", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_missing_node_modules_fails_with_a_clear_message(tmp_path, monkeypatch, capsys):
    module = _load()
    monkeypatch.setattr(module, "NODE_MODULES", tmp_path / "node_modules")
    monkeypatch.setattr(module, "OUT", tmp_path / "out")
    with pytest.raises(SystemExit) as exc:
        module.main()
    assert exc.value.code == 1
    assert "npm ci" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_copies_the_listed_files_with_gzip_twins_and_a_sprite(tmp_path, monkeypatch):
    module = _load()
    nm = tmp_path / "node_modules"
    (nm / ".package-lock.json").parent.mkdir(parents=True)
    (nm / ".package-lock.json").write_text("{}")
    for src, _dest in module.FILES + module.FONT_FILES:
        (nm / src).parent.mkdir(parents=True, exist_ok=True)
        (nm / src).write_text("/* " + src + " */" * 50 + "\n/*# sourceMappingURL=x.map */")
    icons = nm / "bootstrap-icons" / "icons"
    icons.mkdir(parents=True)
    for name in module.SPRITE_ICONS:
        (icons / f"{name}.svg").write_text(
            f'<svg xmlns="x" viewBox="0 0 16 16"><path d="M{len(name)} 0"/></svg>'
        )
    monkeypatch.setattr(module, "NODE_MODULES", nm)
    monkeypatch.setattr(module, "OUT", tmp_path / "out")
    monkeypatch.setattr(module, "FONT_OUT", tmp_path / "fonts")
    module.main()
    for _src, dest in module.FONT_FILES:
        assert (tmp_path / "fonts" / dest).exists()
    out = tmp_path / "out"
    assert (out / "htmx" / "htmx.min.js").exists()
    assert (out / "htmx" / "htmx.min.js.gz").exists()
    # collectstatic's manifest storage would fail on a reference to a map that is not copied.
    assert "sourceMappingURL" not in (out / "bootstrap" / "bootstrap.min.css").read_text()
    assert (out / "bootstrap-icons" / "fonts" / "bootstrap-icons.woff2").exists()
    sprite = (out / "bootstrap-icons" / "sprite.svg").read_text()
    assert '<symbol id="house" viewBox="0 0 16 16">' in sprite
