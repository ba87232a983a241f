"""Stand-in tool runner: the real one executes a tool script in a locked-down container."""

import json
import socket

print(json.dumps({"runner": "skriptoteket-runner", "hostname": socket.gethostname(), "status": "ok"}))
