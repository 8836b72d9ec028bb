"""``python -m livelift``: the same command as ``livelift``."""

from .cli import main

if __name__ == "__main__":  # pragma: no cover - run as a module
    main(prog_name="livelift")
