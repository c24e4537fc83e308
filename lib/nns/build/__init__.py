"""Building reports: plan · cache keys · executing notebooks (papermill engines) · collect · manifest · report · batch.

* :mod:`~nns.build.notebooks` — the notebook sources, from the registry of parts;
* :mod:`~nns.build.plan` — which notebooks to execute, with which parameters, into which folders;
* :mod:`~nns.build.cache` — what an executed notebook and a render depend on;
* :mod:`~nns.build.kernels` — executing notebooks in long-lived kernels;
* :mod:`~nns.build.inprocess` — executing notebooks in a batch worker's own IPython shell;
* :mod:`~nns.build.pool` — the batch's pool of worker processes;
* :mod:`~nns.build.execution` — a build's notebooks in kernels (or a runner it is given), into the cache;
* :mod:`~nns.build.collect` — figures.csv, tables/*.csv and commentary from the executed notebooks;
* :mod:`~nns.build.manifest` — manifest.json;
* :mod:`~nns.build.outputs` — resultat.xlsx, presentation.pptx and the short version beside the report;
* :mod:`~nns.build.report` — one whole report;
* :mod:`~nns.build.batch` — every förbund's report.
"""
