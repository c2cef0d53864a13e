"""The commands' own words, as options.TABLE holds the options': the app's help, each command's --help
text (its first line is the command's line in `attnviz --help`) and its Examples.  The CLI builds its
help from here (cli/__init__.py), docs/options.md is written from it (scripts/options_doc.py)."""

from __future__ import annotations

HELP = ("See self-attention: α (scores) and α′ (weights) over a set of vectors — a sentence's word vectors, a raw matrix "
        "(show --input FILE), or a pretrained transformer's heads (show --model minilm; attnviz heads ranks them; attnviz "
        "atlas maps every head's role). Try: attnviz show \"The restaurant refused to serve me a ham sandwich, because it "
        "only cooks vegetarian food.\"")
_S = 'S="The restaurant refused to serve me a ham sandwich, because it only cooks vegetarian food."'
COMMAND_HELP: dict[str, tuple[str, tuple[str, ...]]] = {  # command -> (help, examples)
    "show": ("Embed TEXT (or read a sound, a picture, a matrix), compute self-attention, print α and α′.\n\nRows are queries "
             "i, columns are keys j: α_ij = q^i·k^j/√d_k, α′_i· = softmax(α_i·/T), b^i = Σ_j α′_ij v^j.",
             (_S, 'attnviz show "$S"', 'attnviz show "$S" --focus it --save it.png',
              'attnviz show "$S" --heads 4 --window 3 --save view.html', 'attnviz show --model minilm "$S" --layer 5 --head 3',
              "attnviz show --audio demo --window 150ms --focus 1.25s", "attnviz show --image demo --focus 12,14 --save red-box.png",
              "attnviz show --image demo --conv 3 --compare alpha=1,2,5,10,20",
              "attnviz show --file book.txt --window 64 --top-k 5 --json > links.jsonl")),
    "heads": ("Which heads link two tokens? Rank every head by α′(--from → --to).\n\nWithout --from/--to: every head with its "
              "entropy and where its attention goes ([CLS], [SEP], self, previous, next).\nWith --file: the same over a corpus "
              "(one sentence per line), with a progress bar on stderr.",
              (_S, 'attnviz heads "$S" --from it --to restaurant', 'attnviz heads "$S"',
               "attnviz heads \"$S\" --words --from it --to restaurant --json | jq '.heads[0]'",
               "attnviz heads --file corpus.txt --from it --to restaurant")),
    "atlas": ("What does each head do? Every head's role, measured: sink, previous/next token, self, broad, induction, "
              "duplicate token.\n\nScores on TEXT (where each query's α′ goes) and on a repeated random probe (induction, "
              "duplicate); a head has a role when its score passes the role's threshold (docs/models.md: \"The atlas of heads\").",
              (_S, "attnviz atlas --model minilm", 'attnviz atlas --model minilm "$S" --probe-length 100 --seed 1',
               "attnviz atlas --model minilm --json | jq '.roles'", "attnviz atlas --model minilm --save atlas.png --save atlas.html")),
    "explain": ("Walk through one query step by step: a → q, k, v → α → α′ → b (→ heads, W^o).\n\nThe same numbers as "
                "`show --json --include-vectors`, with show's input and attention options (not its models, `--file`, "
                "`--compare` or outputs: `--json`, `--save`).",
                (_S, 'attnviz explain --focus it "$S"', 'attnviz explain --focus it "$S" --heads 2 --head 2 --dims 6',
                 "attnviz explain --focus 3 --input vectors.csv --projection random --d-k 4",
                 "attnviz explain --audio demo --focus 0.80s",
                 'attnviz explain --focus it "$S" --causal --score linear --normalize sum --recurrent')),
    "pe": ("Print the sinusoidal positional encoding: PE(p, 2i) = sin(p/10000^(2i/d)), PE(p, 2i+1) = cos(…).",
           ("attnviz pe", "attnviz pe -n 50 -d 128 --save pe.png", "attnviz pe -n 8 -d 4")),
    "rnn": ("An Elman RNN over the same vectors as self-attention: how much each input a^j moves h^i.\n\nRow i of the "
            "influence matrix is ‖∂h^i/∂a^j‖ (exact Jacobians) over its sum, drawn beside α′ on one colour scale: the RNN "
            "needs n sequential steps and its reach fades with distance; α′ takes one.",
            (_S, 'attnviz rnn "$S"', 'attnviz rnn "$S" --bidirectional --hidden 32 --save rnn.png',
             "attnviz rnn --audio demo --json | jq .steps")),
}


def examples(command: str) -> str:
    """The Examples epilog of `command`'s --help: one command line a paragraph."""
    return "Examples:\n\n" + "".join(f"  {line}\n\n" for line in COMMAND_HELP[command][1])[:-1]
