"""Test helpers for goalkeeper (fakes of the Google APIs it talks to)."""
