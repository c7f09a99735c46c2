"""Input tables: the data model, loading and validation.

>>> from cxkit.io import load
>>> data = load("data/sample")            # accounts, contacts, responses, validated
"""
from .schemas import (OPTIONAL_TABLES, RAW_SOURCE_TABLES, REQUIRED_TABLES, TABLES, TableSpec,
                      markdown)
from .folder import DESCRIPTION, DataFolder, Scale, describe
from .tables import (Problem, Tables, check_references, contradictions_of, find_table, load,
                     load_folder, load_table, read_info, read_raw, reading_notes,
                     validate_folder, validate_table)

__all__ = ["TABLES", "REQUIRED_TABLES", "OPTIONAL_TABLES", "RAW_SOURCE_TABLES", "TableSpec",
           "markdown", "Problem", "check_references", "find_table", "load", "load_folder",
           "load_table", "read_info", "read_raw", "reading_notes", "validate_folder",
           "validate_table", "Tables", "contradictions_of", "DESCRIPTION", "DataFolder", "Scale", "describe"]
