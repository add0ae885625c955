"""The portal's number and date formats per language (``FORMAT_MODULE_PATH``).

Django's own formats are kept where they already suit Tunisian readers; these modules
change only what they must (README, "Languages, figures and dates"):

- Western digits 0–9 in every language, Arabic included, as Tunisian administrations
  and press print them;
- figures grouped by three: a narrow no-break space in French and Arabic (a character
  that neither breaks a line nor, being a number separator for the bidirectional
  algorithm, reverses the groups of a number inside Arabic text), a comma in English;
- dates day, month, year in every language: never the US order, not even in English
  forms.
"""
