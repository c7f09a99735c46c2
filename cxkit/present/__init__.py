"""Presentation: how results are shown (text, labels, HTML, Excel). Domain modules import
it only inside ``summary``, ``to_excel`` and ``plot_*``."""
