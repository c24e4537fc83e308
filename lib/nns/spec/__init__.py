"""The report specification: model · context · table and chart builders · the registry of parts.

* :mod:`~nns.spec.model` — tables and charts as cells (:class:`TableSpec`, :class:`ChartSpec`);
* :mod:`~nns.spec.context` — what a builder needs: data, scope, settings, what may be shown;
* :mod:`~nns.spec.tables`, :mod:`~nns.spec.charts` — one builder per table or chart;
* :mod:`~nns.spec.parts` — the one registry of the report's parts, in report order.
"""
