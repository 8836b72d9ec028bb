"""User data at the boundary: the contract's vocabulary and value rules, readers, validation, atomic writers."""
