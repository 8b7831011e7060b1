"""The synthetic demo shop: a generator of real-format exports and the ground truth behind them."""
