"""Contract test classes that several implementations subclass, each with its own fixture."""
