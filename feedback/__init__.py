"""Customer feedback text: what buyers complain about, in the shop's own words."""
