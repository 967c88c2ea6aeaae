"""One sync and all of them: the engine that pulls, maps, plans and writes through the outbox for one
tracker, the loop over every configured tracker, and the drift reports they post.
"""
