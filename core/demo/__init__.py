"""``sotesilta demo``: the core's half of the demo and the histories it writes, all through the
use cases."""
