"""Statistics: reports per municipality or county with small numbers suppressed, monthly rollups,
charts, CSV, imported history and the rehabilitation outcome report."""
