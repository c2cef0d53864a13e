"""positional_encoding: `attnviz pe` from the library: the numbers, the table, the saved figure."""

import math

import numpy as np
import pytest

from attnviz.errors import UsageError


def test_the_numbers_are_the_formula_by_a_loop():
    import attnviz

    t = attnviz.positional_encoding(9, 6)
    loop = [[math.sin(p / 10000 ** (c / 6)) if c % 2 == 0 else math.cos(p / 10000 ** ((c - 1) / 6)) for c in range(6)]
            for p in range(9)]
    np.testing.assert_allclose(t.pe, loop, rtol=0, atol=1e-12)
    assert t.shape == (9, 6) and t.to_dict()["pe"] == t.pe.tolist()
    np.testing.assert_allclose(t.rows, loop, rtol=0, atol=1e-12)  # what the table prints
    assert t[4, 3] == pytest.approx(loop[4][3])
    assert attnviz.positional_encoding(1000, 8).rows.shape == (200, 8)  # the terminal's rows only


@pytest.mark.parametrize("args", [["-n", "8", "-d", "4"], ["-n", "300", "-d", "128"]])
def test_table_is_what_the_cli_prints(cli, args):
    import attnviz

    from attnviz.options import cli_reading  # the library's view as the CLI reads it: hints as --flags (#21 item 3)

    n, d = int(args[1]), int(args[3])
    with cli_reading():
        assert attnviz.positional_encoding(n, d).table(width=80) == cli("pe", *args).stdout


def test_save_draws_the_cli_s_figure_and_refuses_what_it_refuses(cli, tmp_path):
    import attnviz

    saved = []
    attnviz.positional_encoding(50, 16, save=[str(tmp_path / "pe.png")], saved=saved.append)
    assert saved == [tmp_path / "pe.png"] and (tmp_path / "pe.png").stat().st_size > 0
    assert "saved" in cli("pe", "-n", "50", "-d", "16", "--save", str(tmp_path / "cli.png")).stderr
    with pytest.raises(UsageError):
        attnviz.positional_encoding(8, 4).save(str(tmp_path / "pe.jpg"))
    for length, dim in ((0, 4), (8, 1), (8.5, 4), (True, 4)):
        with pytest.raises(UsageError):
            attnviz.positional_encoding(length, dim)


def test_out_of_memory_while_saving_is_one_error_naming_the_parameters(tmp_path, monkeypatch):
    import attnviz
    from attnviz.errors import AttnvizError
    from matplotlib.figure import Figure

    def savefig(self, name, **kwargs):
        open(name, "wb").write(b"partial")
        raise MemoryError

    monkeypatch.setattr(Figure, "savefig", savefig)
    with pytest.raises(AttnvizError, match="use a smaller `dpi`, `length` or `dim`"):
        attnviz.positional_encoding(40, 16).save(str(tmp_path / "pe.png"))
    assert list(tmp_path.iterdir()) == []
