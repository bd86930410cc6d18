"""Command line: `python -m matching {bench,text,speed} --companies N --providers M --seed S`."""

from __future__ import annotations

import argparse

from matching.bench import run


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and print one measurement."""
    parser = argparse.ArgumentParser(prog="python -m matching", description=__doc__)
    parser.add_argument("command", choices=["bench", "text", "speed"])
    parser.add_argument("--companies", type=int, default=600)
    parser.add_argument("--providers", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-company", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=1.5)
    args = parser.parse_args(argv)
    print(
        run(args.command, args.companies, args.providers, args.seed, args.per_company, args.alpha)
    )


if __name__ == "__main__":
    main()
