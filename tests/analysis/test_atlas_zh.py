"""--lang zh names the sink one way (注意力汇点: the course notes' 注意力汇聚 is attention pooling) and the
atlas's grid names the heads as show's grid does (头1 …), every 头h over its head's cells."""

import re
from pathlib import Path

import pytest

from conftest import SEED
from spans import field_spans

PO = Path(__file__).resolve().parents[2] / "attnviz" / "locale" / "zh" / "LC_MESSAGES" / "attnviz.po"


def test_the_sink_has_one_name_in_chinese():
    entries = re.findall(r'^msgid "(.*)"\n(?:msgid_plural ".*"\n)?msgstr(?:\[0\])? "(.*)"$', PO.read_text(encoding="utf-8"), re.M)
    sink = [zh for en, zh in entries if re.search(r"\bsink\b", en)]
    assert len(sink) >= 3 and all("汇点" in zh for zh in sink), sink
    assert not [zh for _, zh in entries if "汇聚" in zh]


@pytest.fixture(scope="module")
def minilm_atlas():
    from installed import minilm_dir

    minilm_dir()
    import attnviz

    return attnviz.atlas("minilm", SEED, probe_length=50, seed=0)


def test_the_atlas_grid_names_heads_as_show_does_in_chinese(minilm_atlas):
    """MiniLM's 12 heads: 头10 is four cells wide, so every column is one cell wider, still aligned."""
    from attnviz.views.cells import width

    lines = minilm_atlas.table(width=80, lang="zh").splitlines()
    first = next(k for k, line in enumerate(lines) if line.strip().startswith("层  头1"))
    header = lines[first]
    assert header.split() == ["层"] + [f"头{h}" for h in range(1, 13)]
    spans = field_spans(header)
    for row in lines[first + 1 : first + 7]:
        cells = field_spans(row)
        assert len(cells) == 13 and cells[0][1] == spans[0][1], f"{header}\n{row}"
        assert [a for a, _ in cells[1:]] == [a for a, _ in spans[1:]], f"{header}\n{row}"
    assert max(width(line) for line in lines) <= 80
    english = minilm_atlas.table(width=80).splitlines()
    assert next(line for line in english if line.startswith("layer")).split()[1:] == [f"h{h}" for h in range(1, 13)]
