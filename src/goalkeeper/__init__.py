"""goalkeeper: conversion tracking as code for Google Tag Manager and GA4."""

__version__ = "0.1.0"
