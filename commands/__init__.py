"""The CLI's commands, one module per group of verbs (cli.py assembles them into `livelift`)."""
