"""Investors and readers act on the catalogue: expressions of interest, follows and saved
searches with their digests, and the workflow's e-mail (docs/domain.md).

``engagement`` may import ``catalogue``, ``caravan`` and ``municipalities``; none of them
imports it. It learns of the workflow's steps from the rows the workflow services write
(``ProjectTransition``) through signal receivers connected in ``apps.py``.
"""
