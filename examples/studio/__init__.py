"""Studio: a small media app built on the replicate client 0.34 (before FileOutput)."""
