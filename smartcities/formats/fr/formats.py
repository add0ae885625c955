"""French: Django's formats, with the narrow no-break space of French typography between
groups of digits (12 500 000)."""

THOUSAND_SEPARATOR = "\u202f"
DECIMAL_SEPARATOR = ","
NUMBER_GROUPING = 3
