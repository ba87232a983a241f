"""Which release and which container this process is: shown on `/` and recorded by the worker."""

import socket
from pathlib import Path

RELEASE = Path(__file__).with_name("release.txt").read_text(encoding="utf-8").strip()
HOSTNAME = socket.gethostname()
