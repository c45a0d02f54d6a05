"""`python -m generator.cli`: the same as the `dealdocs` command."""

from generator.cli import main

main()
