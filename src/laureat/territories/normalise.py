"""Name normalisation shared by the stored ``Commune.search_name`` and search input.

``normalise_name("L'Abergement-Clémenciat") == "l abergement clemenciat"``

The output alphabet is lower-case letters without diacritics, digits and single
spaces (for French place names: ``[a-z0-9 ]``), so it sorts the same way in every
binary collation, which the prefix search in ``queries.py`` relies on.

If this function changes, add a data migration that recomputes ``search_name``.
"""

import re
import unicodedata

# Ligatures that Unicode decomposition leaves alone (Œ is not a letter with an accent).
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
# Anything that is not a letter or a digit: apostrophes (' ’), hyphens, parentheses,
# dots, spaces of every kind, underscores.
_SEPARATORS = re.compile(r"[\W_]+")


def normalise_name(text: str) -> str:
    """Lower-case ``text``, strip accents, turn punctuation runs into one space.

    Words are kept as they are ("Saint" stays "saint", no "st" expansion).
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    without_marks = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _SEPARATORS.sub(" ", without_marks.casefold()).strip()
