"""The challenge's rules and money math, in plain Python."""
