"""Intensive social rehabilitation (Päijät-Häme's model): service decisions, periods, contact
plans, closed groups, 3X10D measurements and period feedback."""
