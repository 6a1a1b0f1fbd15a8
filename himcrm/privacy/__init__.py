"""KVKK: who may see which personal data (audit and retention: issue 8)."""
