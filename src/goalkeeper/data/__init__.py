"""Data shipped with goalkeeper: the goal-kind templates and the example goal files."""
