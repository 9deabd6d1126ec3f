"""The classes of the simulated `replicate` package, named as the real ones are."""
