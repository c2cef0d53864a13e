"""corpus_heads: `heads --file` from the library, the same ranking, JSON and table as the CLI's."""

import json

import pytest

SENTENCES = ["The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food.",
             "It is what it is!", "", "The restaurant was closed because it was late."]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from installed import minilm_dir

    minilm_dir()
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    return str(path)


def test_ranking_json_and_table_equal_the_cli_s(cli, corpus):
    import attnviz

    result = attnviz.corpus_heads(corpus, source="it", target="restaurant")
    doc = json.loads(cli("heads", "--file", corpus, "--from", "it", "--to", "restaurant", "--json").stdout)
    assert result.ranking() == doc["heads"] and len(doc["heads"]) == 72
    ranked = [h["alpha_prime"] for h in result.ranking()]
    assert ranked == sorted(ranked, reverse=True)
    assert [(h["layer"], h["head"]) for h in result.ranking()[:3]] == [(h["layer"], h["head"]) for h in doc["heads"][:3]]
    assert result.to_json() == json.dumps(doc, ensure_ascii=False) + "\n"
    assert result.table(width=80, top=5) == cli("heads", "--file", corpus, "--from", "it", "--to", "restaurant", "--top", "5").stdout


def test_lines_instead_of_a_file_and_progress(cli, corpus):
    import attnviz

    calls = []
    result = attnviz.corpus_heads(lines=SENTENCES, progress=lambda k, total: calls.append((k, total)))
    assert sum(k for k, _ in calls) == 3 and {total for _, total in calls} == {3}
    assert result.analysis.corpus.blank == 1
    assert result.ranking() == json.loads(cli("heads", "--file", corpus, "--json").stdout)["heads"]
