"""Goal-kind templates shipped with goalkeeper (installed as goalkeeper.data.templates)."""
