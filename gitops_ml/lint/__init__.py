"""The lint pipeline: discover, render, validate, apply rules, report."""
