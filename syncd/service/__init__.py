"""The long-running service: the loop that syncs on a schedule and on webhooks, its health and metrics
endpoints, and its notifications.
"""
