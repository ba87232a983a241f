"""`python -m skriptoteket.cli <command>`: the maintenance commands the host's timers run."""
