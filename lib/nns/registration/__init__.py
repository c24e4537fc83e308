"""Registration files: template · container (zip/XML) · sheets · csv · aggregate · read · ingest.

Modules, in the order data flow through them:

* :mod:`~nns.registration.model` — names, layout constants, the data read;
* :mod:`~nns.registration.template` — the blank template and writing filled-in files;
* :mod:`~nns.registration.container` — the .xlsx container and its sheet parts;
* :mod:`~nns.registration.values` and :mod:`~nns.registration.sheets` — reading cells and sheets with checks;
* :mod:`~nns.registration.xlsx` and :mod:`~nns.registration.csvdir` — the two file forms;
* :mod:`~nns.registration.read` — many files at once, with the checks across files;
* :mod:`~nns.registration.aggregate` — registrations to the aggregated layer;
* :mod:`~nns.registration.ingest` — check everything, then write the layer.
"""
