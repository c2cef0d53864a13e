"""Every option once: one table (TABLE) of what each option is called, takes, defaults to, checks and
says in --help, and which commands and API functions take it; and Options, the attention options,
validated once in Options.validate() from that table.

The CLI builds every command's parameters from the table (cli/params.py), docs/options.md is
written from it (scripts/options_doc.py), and analyze() checks its keywords against it.  Library
errors speak of the quantity (`d_k`); the CLI names the flag (--d-k).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields

from . import score_names
from .errors import UsageError

MATRICES = ("both", "alpha", "alpha-prime")  # which matrices a view shows
CELLS = ("auto", "numbers", "heat")  # terminal matrix cells
LANGS = ("auto", "en", "zh")  # --lang: auto, then i18n.LANGUAGES (tests/cli/test_option_table.py binds the two)
INPUT_FORMATS = ("npy", "npz", "csv", "tsv")  # --input files
DENSE_MAX = 2000  # items; beyond this, attention is kept as top-k per query (blockwise, never n × n)
AUTO_SHARPNESS = 3.0  # identity projection: T = median α_ii / 3, so softmax sees ≈ 3·cos(a^i, a^j)

COMMANDS = ("show", "heads", "atlas", "explain", "pe", "rnn")
INPUT, ATTENTION, MASKS, OUTPUT, FIGURES = "Input", "Attention", "Masks", "Output", "Figures"
PANELS = (INPUT, ATTENTION, MASKS, OUTPUT, FIGURES)  # --help lists a command's options panel by panel, in this order


class Option:
    """One option.  name: the table's own (unique) name, saying what it means where one flag means
    different things per command (top_keys of show, top_heads of heads); param: the Python parameter
    of the commands and API functions that take it (default: name); flags: the CLI's spelling (default
    --name), a short alias after it; type: str, int, float or bool (choices: its values); many: a
    repeatable --flag (a list); argument: the positional TEXT.  min/max bound it (in the CLI too when
    cli_range: click refuses and --help shows the range; else only the library checks); metavar,
    parser: a name cli/params.py knows.  commands: the commands that take it; api: the API functions."""

    __slots__ = ("name", "type", "default", "help", "commands", "panel", "api", "flags", "param", "choices", "min", "max",
                 "cli_range", "metavar", "parser", "show_default", "many", "argument")

    def __init__(self, name: str, type: type, default, help: str, commands: tuple[str, ...], panel: str | None = None, *,
                 api: tuple[str, ...] = (), flags: tuple[str, ...] = (), param: str | None = None,
                 choices: tuple[str, ...] | None = None, min: float | None = None, max: float | None = None,
                 cli_range: bool = True, metavar: str | None = None, parser: str | None = None,
                 show_default: bool | None = None, many: bool = False, argument: bool = False):
        self.name, self.type, self.default, self.help, self.commands, self.panel = name, type, default, help, commands, panel
        self.api, self.flags, self.param = api, flags or ("--" + name.replace("_", "-"),), param or name
        self.choices, self.min, self.max, self.cli_range, self.metavar, self.parser = choices, min, max, cli_range, metavar, parser
        self.show_default = (default is not None) if show_default is None else show_default  # None: nothing to show
        self.many, self.argument = many, argument

    def __repr__(self) -> str:
        return f"Option({self.name!r})"


SER, SE, HA, EP, SRHA = ("show", "explain", "rnn"), ("show", "explain"), ("heads", "atlas"), ("explain", "pe"), ("show", "rnn", "heads", "atlas")
AN, AR, ANR = ("analyze",), ("rnn",), ("analyze", "rnn")
LANG_HELP = ("Language of the views: zh (the course notes' terms), en, or auto (zh when LC_ALL, LC_MESSAGES or LANG "
             "starts with zh).")
DPI_HELP = "Resolution of saved PNGs; a figure over about 6,000 px a side is saved at the dpi that fits, with a note."
MODEL_NAMES = "minilm, smollm2, a .gguf file, ollama:NAME[:TAG], or a model directory."

# Order: per command, the table's order sorted by panel (PANELS) is the order of its --help.
TABLE: tuple[Option, ...] = (
    Option("text", str, None, "The sentence, or '-' to read it from standard input (--input, --audio, --image for other "
           "inputs; show also reads a text file with --file).", SER, api=ANR, argument=True),
    Option("text_heads", str, None, "The sentence, or '-' to read it from standard input (or a corpus with --file).",
           ("heads",), param="text", argument=True),
    Option("text_atlas", str, None, "The text the per-token scores are measured on, or '-' for standard input (default: "
           "the seed sentence).", ("atlas",), param="text", argument=True, api=("atlas",)),
    Option("default_model", str, "minilm", MODEL_NAMES, HA, param="model", flags=("--model",), api=("atlas",)),
    Option("from", str, None, "Query token (word, or its number from 1 if it repeats); with --file, a word.", ("heads",),
           param="source"),
    Option("to", str, None, "Key token (word, or its number from 1); with --file, a word.", ("heads",), param="target"),
    Option("rank_words", bool, False, "Rank on word-level attention.", ("heads",), param="words", flags=("--words",)),
    Option("top_heads", int, 10, "How many heads to list with --from/--to.", ("heads",), param="top", flags=("--top",), min=1),
    Option("heads_json", bool, False, "Write the ranking as JSON.", ("heads",), param="json_out", flags=("--json",)),
    Option("corpus", str, None, "A corpus, one sentence per line: every head's summary averaged over the sentences, and "
           "mean α′(--from → --to) where both words occur.", ("heads",), param="file", flags=("--file",)),
    Option("probe_length", int, 50, "T: the probe is T random tokens of the model's vocabulary, then the same T again.",
           ("atlas",), min=2, api=("atlas",)),
    Option("probe_seed", int, 0, "Seed of the probe's random tokens.", ("atlas",), param="seed", flags=("--seed",), min=0,
           api=("atlas",)),
    Option("top_per_role", int, 5, "Heads listed per role.", ("atlas",), param="top", flags=("--top",), min=1),
    Option("atlas_json", bool, False, "Write the atlas as JSON (schema attnviz-atlas/1).", ("atlas",), param="json_out",
           flags=("--json",)),
    Option("atlas_save", str, None, "Also save the score heatmaps as a figure (.png, .svg, .pdf) or the page (.html: click "
           "a head to see its α′ on the text and the probe); repeatable.", ("atlas",), param="save", flags=("--save",), many=True),
    Option("length", int, 32, "Number of positions.", ("pe",), flags=("--length", "-n"), min=1, max=100_000),
    Option("dim", int, 64, "Encoding dimension d.", ("pe",), flags=("--dim", "-d"), min=2, max=4096),
    Option("pe_save", str, None, "Also save the matrix as a figure: .png, .svg or .pdf.", ("pe",), param="save",
           flags=("--save",), many=True),
    Option("plain_dpi", int, 150, DPI_HELP, ("atlas", "pe"), param="dpi", flags=("--dpi",), min=30, max=1200),
    Option("pe_accept_cost", bool, False, "Draw a figure estimated over 5 minutes instead of refusing it.", ("pe",),
           param="accept_cost", flags=("--accept-cost",)),
    # Input
    Option("file", str, None, "Read the text from a UTF-8 file (any length).", ("show",), INPUT),
    Option("lines", bool, False, "With --file and --json: each line is its own text, one JSON document per line (JSON Lines).",
           ("show",), INPUT),
    Option("model", str, None, "A pretrained transformer instead of word vectors: minilm, smollm2, a .gguf file, "
           "ollama:NAME[:TAG], or a directory with config.json, model.safetensors (or shards with their index), "
           "tokenizer.json (BERT, RoBERTa, XLM-RoBERTa, DistilBERT, ELECTRA; Llama, Mistral, Qwen2/3, GPT-2).", ("show",),
           INPUT, api=AN),
    Option("words", bool, False, "With --model: attention between words instead of subword tokens.", ("show",), INPUT, api=AN),
    Option("backend", str, "numpy", "With --model: numpy (attnviz's own forward pass) or transformers (any model directory "
           "transformers loads, eager attention; needs pip install 'attnviz[transformers]'): a text, or --image for ViT, DeiT, "
           "DINOv2, --audio for Whisper's encoder, wav2vec2, HuBERT.", ("show",), INPUT, choices=("numpy", "transformers"), api=AN),
    Option("target", str, None, "With --backend transformers and an encoder–decoder (T5, BART, Marian): the decoder's text.",
           ("show",), INPUT, api=AN),
    Option("part", str, None, "With --target: which attention — encoder (self), decoder (self, causal) or cross (rows: "
           "target tokens, columns: source tokens). Default cross.", ("show",), INPUT, choices=("encoder", "decoder", "cross"),
           api=AN),
    Option("attention", str, None, "Attention computed elsewhere: a .npz (arrays attention [layers, heads, n, n] or fewer "
           "axes, tokens; cross-attention: queries and keys), a .npy (with --tokens), or a .json attnviz show --json wrote "
           "(re-rendered).", ("show",), INPUT),
    Option("tokens", str, None, "With --attention FILE.npy: the labels, a,b,c or a file of one label per line.", ("show",), INPUT),
    Option("scores", bool, False, "With --attention: the file holds raw scores before softmax (-inf where masked), not weights.",
           ("show",), INPUT),
    Option("generate", int, 0, "With a decoder --model: first continue the text greedily by up to N tokens (marked +).",
           ("show",), INPUT, min=0, max=4096, show_default=False, api=AN),
    Option("input", str, None, "A set of vectors instead of text: .npy, .npz (arrays vectors, labels), .csv or .tsv (one row "
           "per item; optional header row and label column). Labels default to a1 … an.", SER, INPUT, api=ANR),
    Option("audio", str, None, "A sound (WAV, FLAC, OGG, …; 'demo': the seed sentence spoken): one vector per frame.", SER,
           INPUT, api=ANR),
    Option("frame_ms", float, 25.0, "Audio: frame (window) length in milliseconds.", SER, INPUT, api=ANR),
    Option("hop_ms", float, 10.0, "Audio: step between frame starts in milliseconds.", SER, INPUT, api=ANR),
    Option("features", str, "logmel", "Audio frame vectors: logmel (80 log mel bands), mfcc (13 + Δ + ΔΔ = 39), raw (the "
           "samples).", SER, INPUT, choices=("logmel", "mfcc", "raw"), api=ANR),
    Option("image", str, None, "A picture (PNG, JPEG, GIF, BMP, WebP; 'demo': Grace Hopper's portrait): one RGB vector per "
           "pixel.", SER, INPUT, api=ANR),
    Option("size", int, 32, "Image: the long side in pixels after shrinking (area average).", SER, INPUT, min=1, max=1024, api=ANR),
    Option("patch", int, None, "Image: P × P patches as items (ViT-style, P·P·3 numbers each) instead of pixels.", SER, INPUT,
           min=1, api=ANR),
    Option("vectors", str, None, "Word vectors: a word2vec .bin/.txt, GloVe .txt, fastText .bin/.vec file, or a gensim-data "
           "name (needs the internet once). Default: the embedded en_core_web_md vectors.", SER, INPUT, api=ANR),
    Option("embedding", str, "vectors", "Word vectors, or one-hot vectors over the sentence's own words.", SER, INPUT,
           choices=("vectors", "onehot"), api=ANR),
    Option("input_norm", str, None, "How vectors become a^i: standard = centered on the vocabulary mean and scaled to length "
           "√d (audio: each feature to mean 0, sd 1); center = centered only; none = raw. Default: standard (one-hot, "
           "--input: none).", SER, INPUT, choices=("standard", "center", "none"), api=ANR),
    Option("punct", bool, False, "Keep standalone punctuation as tokens.", SER, INPUT, api=ANR),
    Option("trust_pickle", bool, False, "Allow gensim's pickle-based .kv/.model files (they can run code).", SER, INPUT, api=ANR),
    # Attention
    Option("compare", str, None, "Run each value of one option side by side, e.g. score=dot,scaled-dot, "
           "normalize=softmax,relu, embedding=vectors,onehot, window=none,2, heads=1,4: α′ panels on one colour scale and "
           "what changed.", ("show",), ATTENTION, many=True, api=AN),  # a list only to refuse a second one (cli single())
    Option("conv", int, None, "With --image: a K × K convolution (K 3 or 5) computed as K² heads of self-attention "
           "(Cordonnier et al. 2020), compared with conv2d; --compare alpha=1,5,20 shows the approach.", ("show",), ATTENTION),
    Option("kernel", str, None, "With --conv: the kernel, a .npy of shape [K, K, d_in, d_out] (default: a Laplacian edge "
           "detector per channel).", ("show",), ATTENTION),
    Option("conv_alpha", float, None, "With --conv: α of the quadratic positional score −α‖δ − Δ_h‖² (default 20).",
           ("show",), ATTENTION),
    Option("accept_cost", bool, False, "Run work estimated over 5 minutes (a long --file without --window, say) instead of "
           "refusing it.", SE, ATTENTION, api=AN),
    Option("heads", int, 1, "Number of attention heads.", SE, ATTENTION, flags=("--heads", "-H"), min=1, api=AN),
    Option("pos", str, "none", "Add the sinusoidal positional encoding e^i to a^i (2-D for pictures).", SE, ATTENTION,
           choices=("none", "sinusoidal"), api=AN),
    Option("pos_scale", float, 1.0, "Weight of e^i: a^i + s·e^i.", SE, ATTENTION, api=AN),
    Option("projection", str, "identity", "W^q, W^k, W^v: identity (q = k = v = a, heads are slices) or random (--seed, "
           "--d-k).", SE, ATTENTION, choices=("identity", "random"), api=AN),
    Option("weights", str, None, "A .npz with Wq, Wk (d × heads·d_k), Wv (d × heads·d_v), optional Wo (heads·d_v × d), and "
           "W1, W2 (d_k × d_a), w (d_a) for --score additive; Q = X·Wq (rows are tokens).", SE, ATTENTION, api=AN),
    Option("d_k", int, None, "Per-head query/key/value size (random projection).", SE, ATTENTION, min=1, api=AN),
    Option("seed", int, 0, "Seed of the random projection and additive parameters.", SE, ATTENTION, min=0, cli_range=False,
           api=AN),
    Option("score", str, "scaled-dot", "α_ij: q·k/√d_k (scaled-dot), q·k (dot), wᵀtanh(W1ᵀq + W2ᵀk) (additive), "
           "q·k/(‖q‖‖k‖) (cosine), φ(q)·φ(k) with φ = elu + 1 (linear).", SE, ATTENTION,
           choices=score_names.BUILTIN_SCORES, api=AN),
    Option("d_a", int, None, "Hidden size of the additive score (random draw). Default: d_k.", SE, ATTENTION, min=1, api=AN),
    Option("normalize", str, "softmax", "α → α′ per row: softmax, relu (rows renormalized), none, or sum (α over its row sum; "
           "with --score linear).", SE, ATTENTION, choices=score_names.BUILTIN_NORMALIZATIONS, api=AN),
    Option("temperature", float, None, "softmax(α/T). Default (auto): with the identity projection, the input's median "
           "a^i·a^i/√d divided by 3, fixed before --pos and the same for every --score, --heads, --window; else 1. 1 is the "
           "textbook.", SE, ATTENTION, metavar="T|auto", parser="temperature", api=AN),
    Option("hidden", int, None, "Size of the RNN's state h^i (default 16).", ("rnn",), ATTENTION, api=AR),
    Option("bidirectional", bool, False, "A second RNN reads right to left; h^i is both states.", ("rnn",), ATTENTION, api=AR),
    Option("rnn_weights", str, None, "The RNN's weights: a .npz with W [hidden, d], U [hidden, hidden], optional c [hidden] "
           "(--bidirectional: also Wb, Ub, cb). Default: random from --seed.", ("rnn",), ATTENTION, param="weights",
           flags=("--weights",), api=AR),
    Option("rnn_seed", int, 0, "Seed of the RNN's random weights.", ("rnn",), ATTENTION, param="seed", flags=("--seed",), min=0,
           api=AR),
    # Masks
    Option("window", str, None, "Truncated attention: query i sees keys with |i − j| ≤ W positions (pictures: |Δrow|, "
           "|Δcol| ≤ W; audio also takes a time: 150ms, 0.15s).", SER, MASKS, min=0, cli_range=False, api=ANR),
    Option("causal", bool, False, "Query i sees only keys j ≤ i (left to right).", SER, MASKS, api=ANR),
    Option("edges", str, None, "Attention only along graph edges, e.g. 'restaurant-food,it-restaurant' (words, or token "
           "numbers from 1).", SE, MASKS, api=AN),
    Option("graph", str, None, "A file of edges, one per line ('a-b' or 'a b').", SE, MASKS, api=AN),
    Option("directed", bool, False, "Edges go one way (a-b: a attends to b).", SE, MASKS, api=AN),
    Option("no_self", bool, False, "Mask the diagonal: no token attends to itself.", SE, MASKS, api=AN),
    # Output
    Option("top_k", int, None, "Keep each query's K strongest keys instead of full matrices (blockwise: long texts in bounded "
           "memory); with --json: JSON Lines.", ("show",), OUTPUT, min=1, api=AN),
    Option("focus", str, None, "One query: a token (word, or its number from 1 if it repeats), a time (audio: 1.25s), or "
           "ROW,COL (pictures; repeatable). Its α′ and α as bars or a map.", ("show",), OUTPUT, many=True),
    Option("explain_focus", str, None, "The query to follow: a token (word, or its number from 1 if it repeats), a time "
           "(audio), ROW,COL (pictures).", ("explain",), OUTPUT, param="focus", flags=("--focus",), many=True),
    Option("layer", int, None, "With --model: only this layer (1-based).", ("show",), OUTPUT, min=1, api=AN),
    Option("head", int, None, "Show (and save) only this head (1-based).", ("show",), OUTPUT, min=1, api=AN),
    Option("explain_head", int, 1, "Which head to follow (1-based).", ("explain",), OUTPUT, param="head", flags=("--head",),
           min=1),
    Option("dims", int, 4, "How many leading dimensions of each vector to show.", ("explain",), OUTPUT, min=1),
    Option("matrices", bool, False, "The matrix form: I, W^q, W^k, W^v, Q, K, V, A, A′, O with their shapes.", ("explain",),
           OUTPUT),
    Option("columns", bool, False, "With --matrices: the notes' column convention (vectors as columns, A = KᵀQ, O = VA′).",
           ("explain",), OUTPUT),
    Option("all_keys", bool, False, "List every key in each step (default: all up to 40 keys, else the 20 with the largest "
           "α′ and a count of the rest).", ("explain",), OUTPUT),
    Option("recurrent", bool, False, "With --causal --score linear --normalize sum: walk linear attention as an RNN (states "
           "S_i, z_i) and print its difference from the parallel form.", ("explain",), OUTPUT),
    Option("matrix", str, None, "Which matrices: terminal default both; figures of several heads default alpha-prime.",
           ("show",), OUTPUT, choices=MATRICES),
    Option("cells", str, "auto", "Matrix cells: numbers, heat blocks, or auto (numbers when they fit).", ("show",), OUTPUT,
           choices=CELLS),
    Option("rnn_cells", str, "auto", "Matrix cells: numbers, heat blocks, or auto.", ("rnn",), OUTPUT, param="cells",
           flags=("--cells",), choices=CELLS),
    Option("top_keys", int, 3, "Top keys listed per query token.", ("show",), OUTPUT, param="top", flags=("--top",), min=1),
    Option("json", bool, False, "Write the JSON document (schema attnviz/1) to stdout.", ("show",), OUTPUT, param="json_out"),
    Option("rnn_json", bool, False, "Write the JSON document (schema attnviz-rnn/1) to stdout.", ("rnn",), OUTPUT,
           param="json_out", flags=("--json",)),
    Option("include_vectors", bool, False, "With --json: add q, k, v, b per head, input and output per layer.", ("show",),
           OUTPUT),
    Option("lang", str, "auto", LANG_HELP + " --json never changes.", SRHA, OUTPUT, choices=LANGS),
    Option("lang_no_json", str, "auto", LANG_HELP, EP, OUTPUT, param="lang", flags=("--lang",), choices=LANGS),
    # Figures
    Option("save", str, None, "Also save a figure (.png, .svg, .pdf) or an interactive page (.html); repeatable, or "
           "comma-separated.", ("show",), FIGURES, many=True),
    Option("rnn_save", str, None, "Also save the two matrices side by side as a figure (.png, .svg, .pdf).", ("rnn",), FIGURES,
           param="save", flags=("--save",), many=True),
    Option("dpi", int, 150, DPI_HELP, ("show", "rnn"), FIGURES, min=30, max=1200),
    Option("cmap", str, None, "With --save: the colormap of α′ (any matplotlib name: viridis, magma, Blues, Greys, …). α keeps "
           "a diverging map centred at 0.", ("show",), FIGURES),
    Option("vmax", float, None, "With --save: the top of α′'s colour scale (default: the largest weight shown; 1 for a fixed "
           "0…1).", ("show",), FIGURES),
    Option("title", str, None, "With --save: the figure's title instead of the default.", ("show",), FIGURES),
    Option("no_title", bool, False, "With --save: no title (for papers and slides).", ("show",), FIGURES),
    Option("view", str, None, "With --save FILE.svg/.png/.pdf: lines draws the page's lines view (queries left, keys right, "
           "opacity α′, one colour per head) instead of heatmaps.", ("show",), FIGURES, choices=("heatmap", "lines")),
)
BY_NAME = {o.name: o for o in TABLE}


def default(name: str):
    """The default of the table's option `name`."""
    return BY_NAME[name].default


def entries(command: str) -> list[Option]:
    """The options `command` takes, in its --help order: the table's, panel by panel."""
    chosen = [o for o in TABLE if command in o.commands]
    return sorted(chosen, key=lambda o: 0 if o.panel is None else 1 + PANELS.index(o.panel))


def api_names(function: str = "analyze") -> list[str]:
    """The keywords the API `function` (analyze, atlas, rnn) takes that are options."""
    return [o.param for o in TABLE if function in o.api]


def flag_names() -> set[str]:
    """Every CLI flag as a library name (--d-k -> d_k, --from -> from): what as_flags may rewrite."""
    return {o.flags[0][2:].replace("-", "_") for o in TABLE if not o.argument}


def unknown_keywords(kw: dict, accepted, function: str = "analyze") -> None:
    """One UsageError for the keywords of kw that `function` does not take (not in `accepted`),
    naming the closest name it takes: the table's for `function`, or `accepted`."""
    unknown = [k for k in kw if k not in accepted]
    if not unknown:
        return
    names = ", ".join(f"`{k}`" for k in unknown)
    close = closest(unknown[0], set(accepted) | set(api_names(function)))
    hint = f"did you mean `{close}`?" if close else f"the options are {', '.join(sorted(set(accepted) | set(api_names(function))))}"
    raise UsageError(f"{function}() has no parameter {names}; {hint}", unknown[0])


def closest(word: str, names) -> str | None:
    """The name fewest edits away (a typo: headz -> heads, not head), if difflib finds it close at all."""
    import difflib

    def edits(a: str, b: str) -> int:
        row = list(range(len(b) + 1))
        for i, x in enumerate(a, 1):
            row, last = [i], row
            for j, y in enumerate(b, 1):
                row.append(min(last[j] + 1, row[j - 1] + 1, last[j - 1] + (x.lower() != y.lower())))
        return row[-1]

    near = difflib.get_close_matches(word, sorted(names), n=5)
    return min(near, key=lambda n: (edits(word, n), abs(len(n) - len(word)), n)) if near else None


@dataclass(frozen=True)
class Options:
    """The attention options of every input kind; asdict() of the resolved copy is JSON `config`.
    Messages write an option as `name`; the CLI shows it as --name.  Defaults, choices and ranges
    are the table's (TABLE, by field name); only the conflicts between options are written here."""

    vectors: str | None = default("vectors")  # None: the embedded en_core_web_md vectors
    embedding: str = default("embedding")  # vectors | onehot (over the sentence's own lowercased words)
    input_norm: str | None = default("input_norm")  # None: standard for word vectors, none for one-hot and --input
    punct: bool = default("punct")
    pos: str = default("pos")  # none | sinusoidal: a^i += pos_scale · e^i before the projections
    pos_scale: float = default("pos_scale")
    projection: str = default("projection")  # identity | random (ignored when weights is given)
    weights: str | None = default("weights")
    heads: int = default("heads")
    d_k: int | None = default("d_k")  # per head; random projection only (identity: d_model/heads)
    seed: int = default("seed")
    score: str = default("score")
    normalize: str = default("normalize")
    temperature: float | str | None = default("temperature")  # None or "auto": median α_ii / 3 with the identity projection, else 1
    d_a: int | None = default("d_a")  # additive score's hidden size (random draw); default d_k
    window: int | None = default("window")  # query i sees keys with |i − j| ≤ window (along every axis of the positions)
    causal: bool = default("causal")  # query i sees keys j ≤ i
    edges: str | None = default("edges")  # "restaurant-food,it-restaurant" (words or token numbers from 1)
    graph: str | None = default("graph")  # a file, one edge per line
    directed: bool = default("directed")
    no_self: bool = default("no_self")  # mask the diagonal
    trust_pickle: bool = default("trust_pickle")

    def __post_init__(self):
        if isinstance(self.temperature, str) and self.temperature.strip().lower() == "auto":
            object.__setattr__(self, "temperature", None)  # "auto" is the default, as --compare temperature=auto

    def validate(self) -> "Options":
        """Raise UsageError for a value out of range or options that contradict each other."""
        for name, allowed in CHOICES.items():
            allowed = score_names.ALLOWED.get(name, allowed)  # with attnviz.register_score's names
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise UsageError(f"`{name}` {value!r} is not one of {', '.join(allowed)}", name)
        for name, low in WHOLE:
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < low):
                raise UsageError(f"`{name}` must be a whole number ≥ {low} (got {value!r})", name)
        for name in FINITE:
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value)):
                extra = " or auto" if name == "temperature" else ""
                raise UsageError(f"`{name}` must be a finite number{extra} (got {value!r})", name)
        if self.temperature is not None and not self.temperature > 0:
            raise UsageError(f"`temperature` must be a positive number (got {self.temperature})", "temperature")
        for bad, option, message in self._conflicts():
            if bad:
                raise UsageError(message, option)
        return self

    def _conflicts(self):
        return [
            (self.weights is not None and self.projection != "identity", "weights",
             "`weights` gives W^q, W^k, W^v itself; drop `projection`"),
            (self.directed and self.edges is None and self.graph is None, "directed", "`directed` goes with `edges` or `graph`"),
            (self.pos_scale != 1.0 and self.pos != "sinusoidal", "pos_scale", "`pos_scale` goes with `pos` sinusoidal"),
            (self.d_a is not None and self.score != "additive", "d_a", "`d_a` goes with `score` additive"),
            (self.temperature is not None and self.normalize not in score_names.TEMPERATURE, "temperature",
             f"`temperature` applies to softmax, not to `normalize` {self.normalize}"),
            (self.normalize in score_names.NEEDS_POSITIVE and self.score not in score_names.POSITIVE_SCORES, "normalize",
             f"`normalize` {self.normalize} divides by the row sum, which only the positive `score` "
             f"{' or '.join(score_names.POSITIVE_SCORES)} keeps above 0 (got `score` {self.score}); add `score` "
             f"{score_names.POSITIVE_SCORES[0]}, or use `normalize` relu"),
            (self.embedding == "onehot" and self.vectors is not None, "vectors", "`embedding` onehot makes its own vectors; drop `vectors`"),
            (self.d_k is not None and self.weights is not None, "d_k", "`d_k` is set by the shapes in `weights`; drop `d_k`"),
        ]


def option_names() -> list[str]:
    return [f.name for f in fields(Options)]


_FIELDS = [BY_NAME[name] for name in option_names()]  # the table's entries of Options' fields (each field is one)
CHOICES: dict[str, tuple[str, ...]] = {o.name: o.choices for o in _FIELDS if o.choices}
WHOLE = [(o.name, o.min) for o in _FIELDS if o.min is not None]  # whole numbers ≥ min
FINITE = [o.name for o in _FIELDS if o.type is float]  # finite numbers (temperature: or auto)


def flag(option: str) -> str:
    """The CLI flag of an Options field: d_k -> --d-k."""
    return "--" + option.replace("_", "-")


def as_flags(message: str) -> str:
    """A library message with its `option` names written as CLI flags (`d_k` -> --d-k).
    Only names of options are rewritten: every CLI option of the library's API."""
    import re

    known = set(option_names()) | API_OPTIONS
    return re.sub(r"`(\w+)`", lambda m: flag(m.group(1)) if m.group(1) in known else m.group(0), message)


API_OPTIONS = flag_names()  # as_flags rewrites these: every flag of the table, as the library names it
READER: ContextVar[str] = ContextVar("attnviz_reader", default="library")  # who reads a view: "library" or "cli"


@contextmanager
def cli_reading():
    """While a CLI command runs (cli/edge.guarded) views write options as --flags; else as names."""
    token = READER.set("cli")
    try:
        yield
    finally:
        READER.reset(token)
