"""An interrupt that lands the instant a temporary file is created (a SIGTERM delivered on a BLAS
thread runs its Python handler at the next bytecode, before the caller has stored the file's name)
leaves nothing behind: the name is chosen before the file exists (views.saving.temporary_name)."""

import os

import pytest

import attnviz
from attnviz.views import saving


class Landed(BaseException):
    """Stands for KeyboardInterrupt or cli.edge.Terminated, raised by a signal handler."""


def interrupt_at(monkeypatch, call: int) -> list:
    """The `call`-th file created (1: save's probe of the folder, 2: the save's temporary file) is
    interrupted as it appears; returns the names created."""
    real, made = saving.create, []

    def create_then_interrupt(tmp):
        fd = real(tmp)
        made.append(tmp.name)
        if len(made) == call:
            os.close(fd)  # the file exists ...
            raise Landed()  # ... and the signal lands before create's caller goes on
        return fd

    monkeypatch.setattr(saving, "create", create_then_interrupt)
    return made


@pytest.mark.parametrize("name", ["x.png", "x.svg", "x.html"])
def test_a_save_interrupted_as_its_file_appears_leaves_nothing(tmp_path, monkeypatch, name):
    result = attnviz.analyze("The cat sat.")
    made = interrupt_at(monkeypatch, 2)
    with pytest.raises(Landed):
        result.save(str(tmp_path / name))
    assert made[0].startswith(".attnviz-probe-") and made[1].startswith(".x.")  # the save's own file was the one hit
    assert os.listdir(tmp_path) == []


def test_the_folder_probe_interrupted_as_its_file_appears_leaves_nothing(tmp_path, monkeypatch):
    made = interrupt_at(monkeypatch, 1)
    with pytest.raises(Landed):
        saving.check_paths([str(tmp_path / "x.png")])
    assert len(made) == 1 and os.listdir(tmp_path) == []


def test_a_temporary_name_fits_where_the_target_fits(tmp_path):
    for target in ("x.png", "attention.svg", "a" * 251 + ".png"):
        for suffix in (None, ".tmp"):
            name = saving.temporary_name(tmp_path / target, suffix).name
            assert name.startswith(".") and len(name.encode()) <= max(len(target), 23), (target, name)
