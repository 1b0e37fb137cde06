"""Example goal files shipped with goalkeeper (installed as goalkeeper.data.goals)."""
