"""The ``cxkit`` command line.

    cxkit run NOTEBOOK [-f PARAMS.yaml] [-p NAME VALUE]... [--out DIR]
    cxkit batch NOTEBOOK --accounts all|ID,ID,... [--segment SEGMENT] [-f PARAMS.yaml]
                [-p NAME VALUE]... [--out DIR] [--workers N] [--scheduler ADDRESS] [--resume]
    cxkit demo [--out DIR]
    cxkit init DATA_DIR
    cxkit validate DATA_DIR [-f PARAMS.yaml] [-p columns MAPPING] [-p date_format FORMAT]
    cxkit sample [--out DIR] [--accounts N] [--seed N] [--format csv|parquet]

Problems a user can fix are printed as ``cxkit: error: ...``, one line each,
with exit status 1 and no Python traceback (``--debug`` shows it).
"""
from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .errors import CxkitError, visible


def _here(path: str) -> str:
    """A path typed on the command line is relative to the working folder.

    Defaults (``None`` in the parser, filled in by the commands) stay relative to the
    project root, as do paths inside parameter files; ``-p data_dir`` is typed on the
    command line, so it is relative to the working folder too.
    """
    return os.path.abspath(os.path.expanduser(path))


def _data_dir_here(values: dict) -> dict:
    """``-p data_dir DIR`` read from the working folder, as ``cxkit validate DIR`` is."""
    if isinstance(values.get("data_dir"), str) and values["data_dir"]:
        values["data_dir"] = _here(values["data_dir"])
    return values


def _notebook_options(cmd: argparse.ArgumentParser, out_default: str) -> None:
    """The options every command that runs a notebook takes: -f, -p and --out."""
    cmd.add_argument("-f", "--file", dest="params_file", type=_here, metavar="PARAMS.yaml",
                     help="parameters file (default: params/<notebook>.yaml)")
    cmd.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                     metavar=("NAME", "VALUE"), help="set a parameter (value read as YAML)")
    cmd.add_argument("--out", type=_here, default=None, metavar="DIR",
                     help=f"output folder (default: {out_default} in the project on the sample "
                     "data; on other data, a folder in reports/ named for the data folder)")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cxkit", description=(
        "B2B customer-experience analysis notebooks: run them, validate data, make sample data."))
    p.add_argument("--version", action="version", version=f"cxkit {__version__}")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run one notebook and write its report")
    run.add_argument("notebook", help="notebook name (data_overview) or path")
    _notebook_options(run, "reports/")

    bat = sub.add_parser("batch", help="run a notebook once per account, in parallel",
                         description="Run a notebook that takes account_id once per account, "
                         "in parallel worker processes; a failed account does not stop the "
                         "others, and the exit status is 1 if any failed.")
    bat.add_argument("notebook", help="notebook name (key_account_plan) or path")
    bat.add_argument("--accounts", required=True, metavar="all|ID,ID,...",
                     help="'all', or account ids separated by commas")
    bat.add_argument("--segment", default=None, help="only accounts of this segment (key)")
    _notebook_options(bat, "reports/<notebook>/")
    bat.add_argument("--workers", type=int, default=None, metavar="N",
                     help="worker processes (default: every core)")
    bat.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run on a dask.distributed scheduler, e.g. tcp://host:8786 "
                     "(pip install \"cxkit[dask]\")")
    bat.add_argument("--resume", action="store_true",
                     help="run only the accounts an earlier (stopped) batch in the same "
                     "output folder did not finish")

    demo = sub.add_parser("demo", help="run every notebook on the bundled sample data")
    demo.add_argument("--out", type=_here, default=None, metavar="DIR",
                      help="output folder (default: reports/ in the project)")

    ini = sub.add_parser("init", help="write a starter cxkit.yaml for a folder of exports",
                         description="Guess from the files' headers and values which file is "
                         "which table, the column mapping, the scales and the missing-value "
                         "codes, and write them to DATA_DIR/cxkit.yaml for you to check "
                         "(never over an existing one).")
    ini.add_argument("data_dir", type=_here, metavar="DATA_DIR")

    val = sub.add_parser("validate", help="check every table of a data folder",
                         description="Validate every table of a data folder and check them "
                         "against each other (dates after the data ends, lost accounts that "
                         "keep paying, missing periods...), without running a notebook.")
    val.add_argument("data_dir", type=_here, metavar="DATA_DIR")
    val.add_argument("-f", "--file", dest="params_file", type=_here, metavar="PARAMS.yaml",
                     help="parameters file whose `columns` maps your column names and whose "
                     "`date_format` says how ambiguous dates are written")
    val.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                     metavar=("NAME", "VALUE"), help="columns or date_format, as for run: "
                     "-p columns '{responses: {Q1_LTR: ltr}}'")

    smp = sub.add_parser("sample", help="generate the sample portfolio with known truth")
    smp.add_argument("--out", type=_here, default=None, metavar="DIR",
                     help="folder (default: data/sample/ in the project)")
    smp.add_argument("--accounts", type=int, default=None, help="number of accounts (1000)")
    smp.add_argument("--seed", type=int, default=None, help="random seed")
    smp.add_argument("--format", choices=["csv", "parquet"], default="csv")
    return p


def _typed_parameters(notebook: str, pairs) -> dict:
    """``-p NAME VALUE`` pairs typed by what the notebook declares (a ``str`` stays as typed)."""
    from .params import notebook_parameters, parse_values
    from .runner import find_notebook
    if not pairs:
        return {}
    return _data_dir_here(parse_values(pairs, notebook_parameters(find_notebook(notebook))))


def _cmd_run(args) -> int:
    from .runner import run_notebook
    overrides = _typed_parameters(args.notebook, args.parameter)
    result = run_notebook(args.notebook, args.params_file, overrides, args.out)
    print(visible(result.summary()))
    return 0


def _stop(signum, frame):
    raise KeyboardInterrupt  # SIGTERM stops a batch as Ctrl-C does


def _cmd_batch(args) -> int:
    import signal

    from .batch import run_batch
    overrides = _typed_parameters(args.notebook, args.parameter)
    signal.signal(signal.SIGTERM, _stop)
    result = run_batch(args.notebook, args.accounts, args.segment, args.params_file, overrides,
                       args.out, args.workers, args.scheduler, resume=args.resume)
    print(visible(result.summary()), file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


def _cmd_demo(args) -> int:
    from .runner import run_demo
    for r in run_demo(args.out):
        print(r.summary())
    return 0


VALIDATE_PARAMETERS = {"columns": "dict", "date_format": "str"}


def _cmd_validate(args) -> int:
    from . import preflight
    from .io import load_folder, reading_notes
    from .params import check_values, load_yaml, parse_values
    from .paths import from_root
    from .reports import readiness
    declared = {n: {"type": t} for n, t in VALIDATE_PARAMETERS.items()}
    values = {n: v for n, v in (load_yaml(args.params_file) if args.params_file else {}).items()
              if n in VALIDATE_PARAMETERS}
    overrides = parse_values(args.parameter, declared)
    check_values(overrides, declared, "validate")
    sources = {n: from_root(args.params_file) for n in values}
    sources.update(dict.fromkeys(overrides, "command line"))
    values.update(overrides)
    preflight.check({**values, "data_dir": args.data_dir}, sources)
    from .io.contradictions import mode_of, raise_contradictions
    from .io.folder import describe
    tables = load_folder(args.data_dir, columns=values.get("columns") or None,
                         date_format=values.get("date_format") or None, contradictions="show")
    rule = mode_of(describe(args.data_dir).contradictions)
    if rule == "error":  # every contradiction, one line each, as a run would stop with
        raise_contradictions(tables.contradictions, tables.rule_file)
    shown = os.path.relpath(args.data_dir) if not os.path.relpath(args.data_dir).startswith(
        "..") else args.data_dir
    print(f"{shown}: valid ("
          + ", ".join(f"{name} {len(df):,} rows" for name, df in tables.items()) + ")")
    print(f"  {tables.span.sentence()}")
    for note in reading_notes(tables):
        print(visible(f"  {note}"))
    if tables.contradictions:
        print(f"Contradictions ({tables.rule_file} says show: every report lists them):")
        for c in tables.contradictions:
            print(visible(f"  {c}"))
    print("Reports:")
    for report, state in readiness(tables).items():
        print(f"  {report}: {state}")
    return 0


def _cmd_init(args) -> int:
    from .io.starter import write_starter
    path, guesses, unplaced = write_starter(args.data_dir)
    shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
    print(f"{shown}: written; check it, then run: cxkit validate {_typed(args.data_dir)}")
    for g in guesses:
        mapped = ", ".join(f"{own} -> {t}" for own, (t, _) in g.columns.items()) or "none"
        print(visible(f"  {g.file}: {g.table} ({g.why}); columns mapped: {mapped}"
                      + (f"; scale {g.scales['default']}" if "default" in g.scales else "")
                      + (f"; missing codes {', '.join(f'{v:g}' for v in g.missing)}"
                         if g.missing else "")))
        for note in g.notes:
            print(visible(f"  check: {note}"))
    for name in unplaced:
        print(visible(f"  {name}: not recognised as a table of cxkit's data model"))
    return 0


def _typed(path: str) -> str:
    rel = os.path.relpath(path)
    shown = path if rel.startswith("..") else rel
    return f"'{shown}'" if any(ch in shown for ch in " '\"$&;|*?") else shown


def _cmd_sample(args) -> int:
    from . import sample
    kwargs = {}
    if args.accounts is not None:
        kwargs["n_accounts"] = args.accounts
    if args.seed is not None:
        kwargs["seed"] = args.seed
    try:
        portfolio = sample.generate(progress=None, **kwargs)
    except ValueError as exc:
        raise CxkitError(str(exc)) from None
    folder = sample.write(portfolio, args.out or "data/sample", fmt=args.format, progress=None)
    print(f"{folder}: " + ", ".join(f"{k} {len(v):,}" for k, v in portfolio.tables.items()))
    return 0


def _take_parameters(argv: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Take every ``-p NAME VALUE`` out of ``argv`` before argparse sees it.

    argparse reads a value that starts with ``-`` (``-p delta -2+3``) as an option; the
    two words after ``-p`` are always the name and the value, exactly as typed.
    """
    rest, pairs, i = [], [], 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            rest += argv[i:]
            break
        if word in ("-p", "--parameter"):
            if i + 2 >= len(argv):
                rest.append(word)  # argparse says what is missing
                i += 1
                continue
            pairs.append((argv[i + 1], argv[i + 2]))
            i += 3
            continue
        rest.append(word)
        i += 1
    return rest, pairs


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``cxkit`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    argv, pairs = _take_parameters(argv)
    args = _parser().parse_args(argv)
    if pairs and args.command not in ("run", "batch", "validate"):
        _parser().error(f"-p is for 'run', 'batch' and 'validate', not '{args.command}'")
    if hasattr(args, "parameter"):
        args.parameter = pairs
    handler = {"run": _cmd_run, "batch": _cmd_batch, "demo": _cmd_demo, "validate": _cmd_validate,
               "init": _cmd_init, "sample": _cmd_sample}[args.command]
    try:
        return handler(args)
    except CxkitError as exc:
        if args.debug:
            raise
        lines = str(exc).splitlines() or [type(exc).__name__]
        for line in lines:
            print(visible(f"cxkit: error: {line}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:  # a stopped batch says what it did and did not run
        for line in (str(exc).splitlines() or ["interrupted"]):
            print(visible(f"cxkit: {line}"), file=sys.stderr)
        return 130
    except OSError as exc:  # a full disk, a folder we may not write to: name the path
        if args.debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(visible(f"cxkit: error: {where}{exc.strerror or exc}"), file=sys.stderr)
        return 1
    except Exception as exc:  # a bug or an environment problem: still no traceback by default
        if args.debug:
            raise
        print(visible(f"cxkit: unexpected error: {type(exc).__name__}: {exc} "
                      "(run again with --debug for the traceback)"), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
