"""Runtime core: VMContext layout, store, instances, memories, tables, traps."""
