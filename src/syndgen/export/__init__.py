"""Export: pure format adapters (SFT, DPO), file writers, and the dataset card."""
