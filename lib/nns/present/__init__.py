"""Presentation: colours, great_tables tables, charts, prose, and the functions the notebooks call.

* :mod:`~nns.present.palette` — colours from the instrument;
* :mod:`~nns.present.records` — what a notebook output records (metadata key, a table's printed grid);
* :mod:`~nns.present.tables` — great_tables tables;
* :mod:`~nns.present.charts` — matplotlib charts in seaborn's theme;
* :mod:`~nns.present.prose` — computed text: variables, indicator descriptions, commentary;
* :mod:`~nns.present.headlines` — the short version's computed sentences;
* :mod:`~nns.present.office`, :mod:`~nns.present.workbook`, :mod:`~nns.present.slides` — resultat.xlsx and
  presentation.pptx from the recorded tables and charts;
* :mod:`~nns.present.notebook` — what a notebook cell calls.
"""
