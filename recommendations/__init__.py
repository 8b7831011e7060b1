"""Cross-sell recommendations: candidate rankings, their time-split evaluation, and the choice
of a method per shop and customer segment (see nightly.py)."""
