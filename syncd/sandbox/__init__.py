"""Faithful local emulators of the Jira REST and Linear GraphQL APIs.

They serve ``syncd demo``, the integration tests and the benchmarks: real HTTP on loopback, the trackers'
own request and response shapes, and fault injection (:mod:`syncd.sandbox.faults`) shared by both.
"""
