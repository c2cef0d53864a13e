"""Typer parameters from the option table (options.TABLE): a command names the options it takes in
its `def` (or gathers them in **options) and `takes(command)` gives it their typer declarations;
then the helpers that turn a command's values into the library's arguments.  The Annotated types
are built once per run, for the command being run only where app_for() picked one."""

import inspect
from enum import Enum
from typing import Annotated, Optional

import typer

from ..options import Option, entries


_ENUMS: dict[tuple[str, ...], type[Enum]] = {}


def enum_of(option: Option) -> type[Enum]:
    """One str Enum per set of choices (typer shows and checks them; takes() hands on the value)."""
    if option.choices not in _ENUMS:
        name, values = option.param.title().replace("_", ""), option.choices
        _ENUMS[values] = Enum(name, {v.replace("-", "_"): v for v in values}, type=str)
    return _ENUMS[option.choices]


def parse_temperature(value: str) -> float | str:
    """--temperature: a number, or auto (the default, as --compare temperature=auto takes it)."""
    if value.strip().lower() == "auto":
        return "auto"
    try:
        return float(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a number or auto") from None


PARSERS = {"temperature": parse_temperature}


def escaped(text: str) -> str:
    """Help text as typer's rich help prints it: a shape [n, d] or attnviz[transformers] shown, not read as a
    style tag and dropped (rich.markup.escape's rule, without importing rich on every run)."""
    import re

    return re.sub(r"(\\*)(\[[a-z#/@][^[]*?])", lambda m: f"{m[1]}{m[1]}\\{m[2]}", text)


_BUILT: dict[str, inspect.Parameter] = {}  # by option name: show, explain and rnn share 23 (typer copies what it changes)


def parameter(option: Option) -> inspect.Parameter:
    """The keyword parameter typer reads for `option`: Annotated[T, typer.Option(...)] = default."""
    if option.name in _BUILT:
        return _BUILT[option.name]
    kind = enum_of(option) if option.choices else option.type
    kind = list[kind] if option.many else kind
    default = kind(option.default) if option.choices and option.default is not None else option.default
    if option.argument:
        info = typer.Argument(help=escaped(option.help), show_default=False)
    else:
        extra = {"min": option.min, "max": option.max} if option.cli_range else {}
        extra.update({"parser": PARSERS[option.parser]} if option.parser else {})
        extra.update({"metavar": option.metavar} if option.metavar else {})
        info = typer.Option(*option.flags, help=escaped(option.help), show_default=option.show_default,
                            rich_help_panel=option.panel, **{k: v for k, v in extra.items() if v is not None})
    kind = Optional[kind] if option.default is None else kind
    built = inspect.Parameter(option.param, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[kind, info])
    return _BUILT.setdefault(option.name, built)


def takes(command: str):
    """Decorator: give the function the parameters of `command` from the table, in --help order.
    Its `def` names the ones its body reads; the others arrive in its **options (if it has one).
    It is called with plain values (a choice's value, not its Enum), the views' language set (--lang)."""
    def declare(function):
        every = entries(command)
        named = [p.name for p in inspect.signature(function).parameters.values() if p.kind != p.VAR_KEYWORD]
        gathers = any(p.kind == p.VAR_KEYWORD for p in inspect.signature(function).parameters.values())
        unknown, left = set(named) - {o.param for o in every}, {o.param for o in every} - set(named)
        if unknown or (left and not gathers):  # a parameter typer never fills, or one the function cannot take
            raise TypeError(f"{function.__name__}() names {sorted(unknown)} that `{command}` does not take, or lacks "
                            f"{sorted(left)} (options.TABLE)")

        def run(**params):
            from ..i18n import set_language

            set_language(params["lang"].value)
            return function(**plain(params))

        run.__name__, run.__signature__ = function.__name__, inspect.Signature([parameter(o) for o in every])
        return run

    return declare


def plain(params: dict) -> dict:
    """A command's parameters as the library takes them: a choice's value, not its Enum."""
    return {k: v.value if isinstance(v, Enum) else v for k, v in params.items()}


def build_options(p: dict):
    """Options from a command's (plain) parameters: its attention options; validated by the library."""
    from ..options import Options, option_names

    return Options(**{k: p[k] for k in option_names() if k in p})


def media_options(p: dict) -> dict:
    """The input options that are not attention options: inputs.load.Media's fields (--input, --audio, --image, theirs)."""
    from dataclasses import fields

    from ..inputs.load import Media

    return {f.name: p[f.name] for f in fields(Media) if f.name in p}


def has_media(p: dict) -> bool:
    """An input other than text is given (a field of inputs.kinds' entries)."""
    from ..inputs import kinds

    return any(p[field] is not None for field in kinds.fields())


def single(values: list[str] | None, flag: str, why: str) -> str | None:
    """The value of a one-value option, collected as a list so that a repeat is refused (click keeps the last)."""
    if values and len(values) > 1:
        from ..errors import UsageError

        raise UsageError(f"{flag} is given {len(values)} times ({' and '.join(values)}): {why}; give it once")
    return values[0] if values else None


def save_paths(save: list[str] | None, params: dict, *inputs: str):
    """--save values as checked paths; none of them may be one of the `inputs` (parameter names)."""
    if not save:
        return []
    from ..api.checks import check_save
    from ..views.figures import check_paths

    return check_save(check_paths(save), {name: params[name] for name in inputs})
