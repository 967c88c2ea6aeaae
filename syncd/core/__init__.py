"""The pure core: mapping issues to objectives, planning label writes, and drift analysis.

Everything here takes plain values and returns plain values; no module does I/O (an import contract
holds this), so each piece is tested directly and runs the same in the engine, the CLI and the service.
"""
