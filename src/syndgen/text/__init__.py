"""Text utilities shared by the seed stage and the record stages: normalisers and similarity."""
