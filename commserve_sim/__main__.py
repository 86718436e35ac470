import sys

from commserve_sim.cli import main

sys.exit(main())
