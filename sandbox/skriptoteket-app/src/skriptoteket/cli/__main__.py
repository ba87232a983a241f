import sys

from skriptoteket.cli.main import main

sys.exit(main())
