"""Packages: everything under src/, plus templates/ and goals/ installed as package data."""

from setuptools import find_packages, setup

setup(packages=find_packages("src") + ["goalkeeper.data.templates", "goalkeeper.data.goals"])
