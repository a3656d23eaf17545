"""``python -m ocpp_meter.bench``: the same as ``ocpp-meter bench``."""

from . import main

raise SystemExit(main())
