"""Reading what shops export and writing it, untouched but typed, into the warehouse's raw schema."""
